// The CUDA halves of the layer ops: convolution and max pooling (Ops/Tensor+Conv.swift), the fused
// dense layer's epilogue (Ops/Tensor+Dense.swift) and dropout masks (Ops/Tensor+Dropout.swift).
//
// Convolution: the whole batch at once, as three large GEMMs instead of one small one per image: im2col writes a
// patch matrix [C·KH·KW, N·OH·OW] (one column per output position of every image), one GEMM gives
// [O, N·OH·OW], and the epilogue adds the bias, applies the activation and moves it to NCHW.
// Backward: the activation's derivative moved back to [O, N·OH·OW], then dW = dY·colᵀ, dcol = Wᵀ·dY,
// the bias gradient as row sums, and col2im gathering each input pixel's contributions (no atomics).

extension Tensor {
    static let convSource = """
    extern "C" __global__ void im2col(const float* x, float* col, long long n, long long c, long long h, long long w,
                                      long long kh, long long kw, long long stride, long long pad, long long oh, long long ow) {
        long long positions = oh * ow, columns = n * positions;
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= c * kh * kw * columns) return;
        long long column = i % columns, k = i / columns;
        long long image = column / positions, position = column % positions;
        long long oy = position / ow, ox = position % ow;
        long long ci = k / (kh * kw), ky = (k / kw) % kh, kx = k % kw;
        long long iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        col[i] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[((image * c + ci) * h + iy) * w + ix] : 0.0f;
    }

    extern "C" __global__ void col2im(const float* col, float* dx, long long n, long long c, long long h, long long w,
                                      long long kh, long long kw, long long stride, long long pad, long long oh, long long ow) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n * c * h * w) return;
        long long ix = i % w, iy = (i / w) % h, ci = (i / (w * h)) % c, image = i / (w * h * c);
        long long positions = oh * ow, columns = n * positions;
        float s = 0.0f;
        for (long long ky = 0; ky < kh; ++ky) {
            long long ty = iy + pad - ky;
            if (ty < 0 || ty % stride != 0 || ty / stride >= oh) continue;
            for (long long kx = 0; kx < kw; ++kx) {
                long long tx = ix + pad - kx;
                if (tx < 0 || tx % stride != 0 || tx / stride >= ow) continue;
                long long k = (ci * kh + ky) * kw + kx;
                s += col[k * columns + image * positions + (ty / stride) * ow + tx / stride];
            }
        }
        dx[i] = s;
    }

    // Max over each window, and the first position reaching it (offset in the plane, as a float).
    extern "C" __global__ void maxpool_forward(const float* x, float* y, float* index, long long planes, long long h, long long w,
                                               long long k, long long s, long long oh, long long ow) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= planes * oh * ow) return;
        long long oj = i % ow, oi = (i / ow) % oh, plane = i / (oh * ow);
        const float* src = x + plane * h * w;
        long long best = (oi * s) * w + oj * s;
        float m = src[best];
        for (long long ki = 0; ki < k; ++ki)
            for (long long kj = 0; kj < k; ++kj) {
                long long at = (oi * s + ki) * w + oj * s + kj;
                if (src[at] > m) { m = src[at]; best = at; }
            }
        y[i] = m;
        index[i] = (float)best;
    }

    // Each input pixel sums the gradients of the windows whose maximum it was.
    extern "C" __global__ void maxpool_backward(const float* g, const float* index, float* dx, long long planes, long long h, long long w,
                                                long long k, long long s, long long oh, long long ow) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= planes * h * w) return;
        long long x = i % w, y = (i / w) % h, plane = i / (h * w);
        long long me = y * w + x;
        long long i0 = y - k + 1 <= 0 ? 0 : (y - k + s) / s, i1 = min(oh - 1, y / s);
        long long j0 = x - k + 1 <= 0 ? 0 : (x - k + s) / s, j1 = min(ow - 1, x / s);
        const float* gp = g + plane * oh * ow;
        const float* ip = index + plane * oh * ow;
        float acc = 0.0f;
        for (long long oi = i0; oi <= i1; ++oi)
            for (long long oj = j0; oj <= j1; ++oj)
                if ((long long)ip[oi * ow + oj] == me) acc += gp[oi * ow + oj];
        dx[i] = acc;
    }
    """
    static let im2colKernel = GPUKernel("im2col", source: convSource)
    static let col2imKernel = GPUKernel("col2im", source: convSource)
    static let maxPoolForwardKernel = GPUKernel("maxpool_forward", source: convSource)
    static let maxPoolBackwardKernel = GPUKernel("maxpool_backward", source: convSource)

    /// From the GEMM's [O, N·P] to NCHW [N, O, P]: `y = f(yt + bias)`, keeping `yt + bias` in `pre` when not null.
    static func convEpilogue(_ f: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("conv_epilogue", key: f.key) { """
        extern "C" __global__ void conv_epilogue(const float* yt, const float* bias, float* y, float* pre, long long n, long long o,
                                                 long long positions, float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= n * o * positions) return;
            long long p = i % positions, oc = (i / positions) % o, image = i / (positions * o);
            float z = yt[oc * n * positions + image * positions + p] + (bias ? bias[oc] : 0.0f);
            if (pre) pre[i] = z;
            \(f.bind("z"))
            y[i] = (\(f.code));
        }
        """ }
    }

    /// From NCHW back to [O, N·P]: `dyt = g ⊙ f′`, with `f′` from the output or pre-activation `v`.
    static func convGradient(_ derivative: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("conv_gradient", key: derivative.key) { """
        extern "C" __global__ void conv_gradient(const float* grad, const float* operand, float* dyt, long long n, long long o,
                                                 long long positions, float p0, float p1) {
            long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (j >= n * o * positions) return;
            long long columns = n * positions;
            long long oc = j / columns, image = (j % columns) / positions, p = j % positions;
            long long at = (image * o + oc) * positions + p;
            \(derivative.bind("grad[at]", "operand[at]"))
            dyt[j] = (\(derivative.code));
        }
        """ }
    }

    static func conv2dOnGPU(_ input: Tensor, weight: Tensor, bias: Tensor?, _ g: ConvGeometry, _ activation: Activation) -> Tensor {
        let gpu = GPU.current
        let (n, o, patch, p) = (g.n, g.o, g.patch, g.positions)
        let columns = n * p
        let sizes: [KernelArgument] = [.int(n), .int(g.c), .int(g.h), .int(g.w), .int(g.kh), .int(g.kw), .int(g.stride),
                                       .int(g.padding), .int(g.oh), .int(g.ow)]
        let col = Tensor(uninitializedShape: [patch, columns], device: .cuda)
        gpu.launch(im2colKernel, count: col.count, [input.kernelArgument, col.kernelArgument] + sizes)
        let yt = Tensor(uninitializedShape: [o, columns], device: .cuda)
        gpu.sgemm(m: o, n: columns, k: patch, a: weight.address, lda: patch, b: col.address, ldb: columns, c: yt.address, ldc: columns)
        let out = Tensor(uninitializedShape: [n, o, g.oh, g.ow], device: .cuda)
        let pre: Tensor? = activation.derivativeReadsInput ? Tensor(uninitializedShape: out.shape, device: .cuda) : nil
        let f = activation.function.cudaForward
        gpu.launch(convEpilogue(f), count: out.count, [yt.kernelArgument, bias?.kernelArgument ?? .int(0), out.kernelArgument,
                                                       pre?.kernelArgument ?? .int(0), .int(n), .int(o), .int(p)] + f.arguments)
        let inputs: [Tensor] = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(out, inputs, "conv2d") { grad, needs in
            let gpu = GPU.current
            let dyt = Tensor(uninitializedShape: [o, columns], device: .cuda)
            let d = activation.function.cudaDerivative
            gpu.launch(convGradient(d), count: dyt.count, [grad.kernelArgument, (pre ?? out).kernelArgument, dyt.kernelArgument,
                                                           .int(n), .int(o), .int(p)] + d.arguments)
            var dw: Tensor? = nil
            if needs[1] {
                let buffer = weight.leafGradientBuffer
                let target = buffer ?? Tensor(uninitializedShape: weight.shape, device: .cuda)
                gpu.sgemm(transposeB: true, m: o, n: patch, k: columns, a: dyt.address, lda: columns, b: col.address, ldb: columns,
                          beta: buffer == nil ? 0 : 1, c: target.address, ldc: patch)
                if buffer == nil { dw = target }
            }
            var dx: Tensor? = nil
            if needs[0] {
                let dcol = Tensor(uninitializedShape: [patch, columns], device: .cuda)
                gpu.sgemm(transposeA: true, m: patch, n: columns, k: o, a: weight.address, lda: patch, b: dyt.address, ldb: columns,
                          c: dcol.address, ldc: columns)
                dx = Tensor(uninitializedShape: input.shape, device: .cuda)
                gpu.launch(col2imKernel, count: input.count, [dcol.kernelArgument, dx!.kernelArgument] + sizes)
            }
            let db = needs.count > 2 && needs[2] ? dyt.sum(axis: 1) : nil
            return [dx, dw, db]
        }
    }

    func maxPoolOnGPU(_ pool: PoolGeometry, planes: Int) -> Tensor {
        precondition(pool.h * pool.w < Tensor.exactIndexLimit, "maxPool2d: \(pool.h)×\(pool.w) planes are too large for the GPU's float positions")
        let out = Tensor(uninitializedShape: [shape[0], shape[1], pool.oh, pool.ow], device: .cuda)
        let index = Tensor(uninitializedShape: out.shape, device: .cuda)
        let sizes: [KernelArgument] = [.int(planes), .int(pool.h), .int(pool.w), .int(pool.kernel), .int(pool.stride), .int(pool.oh), .int(pool.ow)]
        GPU.current.launch(Tensor.maxPoolForwardKernel, count: out.count, [kernelArgument, out.kernelArgument, index.kernelArgument] + sizes)
        let inputShape = shape
        return record(out, [self], "maxPool2d") { g, _ in
            let dx = Tensor(uninitializedShape: inputShape, device: .cuda)
            GPU.current.launch(Tensor.maxPoolBackwardKernel, count: dx.count, [g.kernelArgument, index.kernelArgument, dx.kernelArgument] + sizes)
            return [dx]
        }
    }
}

extension GPUKernels {
    /// After the GEMM: `y = f(y + bias[column])` in place, keeping `y + bias` in `pre` when it is not null.
    static func denseEpilogueKernel(_ f: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("dense_epilogue", key: f.key) { """
        extern "C" __global__ void dense_epilogue(float* y, const float* bias, float* pre, long long total, long long width,
                                                  float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= total) return;
            float z = y[i] + bias[i % width];
            if (pre) pre[i] = z;
            \(f.bind("z"))
            y[i] = (\(f.code));
        }
        """ }
    }

    /// The fused dense layer's epilogue on `out` [n, width] after its GEMM.
    static func denseEpilogue(_ out: Tensor, bias: Tensor, pre: Tensor?, _ activation: any ActivationFunction) {
        let f = activation.cudaForward
        GPU.current.launch(denseEpilogueKernel(f), count: out.count,
                           [out.kernelArgument, bias.kernelArgument, pre?.kernelArgument ?? .int(0), .int(out.count), .int(out.shape[1])]
                           + f.arguments)
    }
}

// Dropout masks: entry i is the same hash of (key, i) as ``Tensor/dropoutUniform(key:index:)``.
extension GPUKernels {
    static let dropoutMaskKernel = GPUKernel("dropout_mask", source: """
    extern "C" __global__ void dropout_mask(float* out, long long n, unsigned long long key, float p, float keep) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n) return;
        unsigned long long z = key + (unsigned long long)(i + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        float u = (float)(z >> 40) * 5.9604644775390625e-8f;  // 2^-24
        out[i] = u < p ? 0.0f : keep;
    }
    """)

    /// Fills `mask` with 0 where entry i's uniform number is below `p`, else `keep`.
    static func dropoutMask(_ mask: Tensor, key: UInt64, p: Float, keep: Float) {
        GPU.current.launch(dropoutMaskKernel, count: mask.count,
                           [mask.kernelArgument, .int(mask.count), .int(Int(bitPattern: UInt(key))), .float(p), .float(keep)])
    }
}
