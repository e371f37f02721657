// 2-D convolution by im2col + GEMM, and max pooling, both on NCHW tensors.
//
// Each thread takes a fixed block of the batch and runs the whole pipeline one image at a time on
// single-threaded OpenBLAS: pad, im2col into a patch matrix that stays in cache, one GEMM that writes
// the image's own [O, OH·OW] slice of the output, then bias and activation in place. Backward does the
// same per image; each thread sums its own weight gradient, and the sums are added in thread order.

/// The sizes of one convolution.
struct ConvGeometry {
    let n, c, h, w, o, kh, kw, stride, padding, oh, ow: Int
    /// Rows of the patch matrix (one per weight of a filter) and its columns (one per output position).
    var patch: Int { c * kh * kw }
    var positions: Int { oh * ow }
    var paddedH: Int { h + 2 * padding }
    var paddedW: Int { w + 2 * padding }
    /// Floats of one zero-bordered image; 0 without padding, where the image itself is read.
    var paddedCount: Int { padding > 0 ? c * paddedH * paddedW : 0 }

    /// The image `x` [C, H, W] as im2col reads it: itself without padding, else copied into the interior
    /// of `buffer` [C, H + 2p, W + 2p], whose border the caller has zeroed once.
    func padded(_ x: UnsafePointer<Float>, in buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard padding > 0 else { return x }
        let pw = paddedW
        for ci in 0..<c {
            for y in 0..<h { copy(x + (ci * h + y) * w, to: buffer + (ci * paddedH + y + padding) * pw + padding, count: w) }
        }
        return UnsafePointer(buffer)
    }

    /// The interior of the zero-bordered `buffer` back into the image `x` [C, H, W].
    func unpad(_ buffer: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let pw = paddedW
        for ci in 0..<c {
            for y in 0..<h { copy(buffer + (ci * paddedH + y + padding) * pw + padding, to: x + (ci * h + y) * w, count: w) }
        }
    }

    /// The patch matrix [C·KH·KW, OH·OW] of a (padded) image: row (ci, ki, kj), column (y, x) holds
    /// source pixel (ci, y · stride + ki, x · stride + kj).
    func im2col(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let (sh, sw) = (paddedH, paddedW)  // h and w themselves without padding
        var dst = col
        for ci in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            for y in 0..<oh {
                let row = src + (ci * sh + y * stride + ki) * sw + kj
                if stride == 1 {
                    copy(row, to: dst, count: ow)
                } else {
                    for x in 0..<ow { dst[x] = row[x * stride] }
                }
                dst += ow
            }
        } } }
    }

    /// The adjoint of ``im2col``: adds every entry of `col` back into the (padded) image `dst`.
    func col2im(_ col: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let (sh, sw) = (paddedH, paddedW)  // h and w themselves without padding
        var src = col
        for ci in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            for y in 0..<oh {
                let row = dst + (ci * sh + y * stride + ki) * sw + kj
                if stride == 1 {
                    Kernels.axpySequential(1, src, row, count: ow)
                } else {
                    for x in 0..<ow { row[x * stride] += src[x] }
                }
                src += ow
            }
        } } }
    }

    /// Copies a short row with 8-wide moves, the last one overlapping (no call into memmove per row).
    @inline(__always)
    private func copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= 8 else {
            for x in 0..<count { dst[x] = src[x] }
            return
        }
        var x = 0
        while x + 8 < count {
            UnsafeMutableRawPointer(dst + x).storeBytes(of: UnsafeRawPointer(src + x).loadUnaligned(as: SIMD8<Float>.self),
                                                        as: SIMD8<Float>.self)
            x += 8
        }
        let last = count - 8
        UnsafeMutableRawPointer(dst + last).storeBytes(of: UnsafeRawPointer(src + last).loadUnaligned(as: SIMD8<Float>.self),
                                                       as: SIMD8<Float>.self)
    }
}

extension Tensor {
    /// Cross-correlation of `input` [N, C, H, W] with `weight` [O, C, KH, KW], plus `bias` [O],
    /// then `activation`: output [N, O, (H + 2·padding − KH) / stride + 1, (W + 2·padding − KW) / stride + 1].
    /// Bias and activation are applied in place while each image's output is still in cache.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0, activation: Activation = .identity) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4,
                     "conv2d: expected input [N, C, H, W] and weight [O, C, KH, KW], got \(input.shape) and \(weight.shape)")
        precondition(input.shape[1] == weight.shape[1],
                     "conv2d: input \(input.shape) has \(input.shape[1]) channels but weight \(weight.shape) expects \(weight.shape[1])")
        precondition(stride > 0 && padding >= 0, "conv2d: stride \(stride) and padding \(padding) must be positive and non-negative")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        precondition(kh > 0 && kw > 0 && h + 2 * padding >= kh && w + 2 * padding >= kw,
                     "conv2d: kernel \(weight.shape) does not fit input \(input.shape) with padding \(padding)")
        if let bias { precondition(bias.shape == [o], "conv2d: bias \(bias.shape) for weight \(weight.shape)") }
        let g = ConvGeometry(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, stride: stride, padding: padding,
                             oh: (h + 2 * padding - kh) / stride + 1, ow: (w + 2 * padding - kw) / stride + 1)
        precondition(weight.device == input.device && (bias?.device ?? input.device) == input.device,
                     "conv2d: input on \(input.device), weight on \(weight.device)\(bias.map { ", bias on \($0.device)" } ?? "")")
        if input.device == .cuda { return conv2dOnGPU(input, weight: weight, bias: bias, g, activation) }
        let (patch, p, imageSize, outSize) = (g.patch, g.positions, c * h * w, o * g.positions)
        let out = Tensor(uninitializedShape: [n, o, g.oh, g.ow])
        let pre: Tensor? = activation.derivativeNeedsInput ? Tensor(uninitializedShape: out.shape) : nil
        let blocks = Kernels.blockCount(n)
        let pads = Tensor.zeros([blocks * g.paddedCount]), cols = Tensor(uninitializedShape: [blocks * patch * p])
        let x = input.pointer, y = out.pointer, z = pre?.pointer, wt = weight.pointer, bs = bias?.pointer
        Kernels.eachBlock(n) { block, lo, hi in
            let pad = pads.pointer + block * g.paddedCount, col = cols.pointer + block * patch * p
            for i in lo..<hi {
                g.im2col(g.padded(x + i * imageSize, in: pad), col)
                let yi = y + i * outSize
                BLAS.sgemm(m: o, n: p, k: patch, a: wt, lda: patch, b: col, ldb: p, c: yi, ldc: p)
                if let bs { for oc in 0..<o { let (row, shift) = (yi + oc * p, bs[oc]); for j in 0..<p { row[j] += shift } } }
                if let z { (z + i * outSize).update(from: yi, count: outSize) }
                activate(yi, count: outSize, activation)
            }
        }
        let inputs: [Tensor] = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(out, inputs, "conv2d") { grad, needs in
            let dx = needs[0] ? Tensor(uninitializedShape: input.shape) : nil
            let buffer = weight.leafGradientBuffer
            let dw = needs[1] ? buffer ?? Tensor.zeros(weight.shape) : nil
            let db = needs.count > 2 && needs[2] ? Tensor.zeros([o]) : nil
            guard dx != nil || dw != nil || db != nil else { return [nil, nil, nil] }
            // Per block: the gradient before the activation for one image, its patch matrix (then dx's
            // columns), the zero-bordered image and dx, and the block's partial dW and db.
            let blocks = Kernels.blockCount(n)
            let gms = Tensor(uninitializedShape: [blocks * outSize]), cols = Tensor(uninitializedShape: [blocks * patch * p])
            let pads = Tensor.zeros([blocks * g.paddedCount]), dpads = Tensor(uninitializedShape: [blocks * g.paddedCount])
            let partial = Tensor.zeros([blocks * (o * patch + o)])
            // From the tensors, not the forward's pointers: capturing them keeps the output and pre-activation
            // alive until backward (otherwise their buffers go back to the pool and may be reused).
            let x = input.pointer, dy = grad.pointer, y = out.pointer, z = pre?.pointer
            Kernels.eachBlock(n) { block, lo, hi in
                let col = cols.pointer + block * patch * p, pad = pads.pointer + block * g.paddedCount
                let dwp = partial.pointer + block * (o * patch + o), dbp = dwp + o * patch
                for i in lo..<hi {
                    let gm: UnsafePointer<Float>
                    if activation == .identity {
                        gm = UnsafePointer(dy + i * outSize)
                    } else {
                        let buf = gms.pointer + block * outSize
                        activationGradient(dy + i * outSize, output: y + i * outSize, input: z.map { $0 + i * outSize },
                                           into: buf, count: outSize, activation)
                        gm = UnsafePointer(buf)
                    }
                    if db != nil { for oc in 0..<o { dbp[oc] += Kernels.sumSequential(gm + oc * p, count: p) } }
                    if dw != nil {
                        g.im2col(g.padded(x + i * imageSize, in: pad), col)
                        BLAS.sgemm(transposeB: true, m: o, n: patch, k: p, a: gm, lda: p, b: col, ldb: p,
                                   beta: 1, c: dwp, ldc: patch)
                    }
                    if let dx {
                        BLAS.sgemm(transposeA: true, m: patch, n: p, k: o, a: wt, lda: patch, b: gm, ldb: p, c: col, ldc: p)
                        let dxi = dx.pointer + i * imageSize
                        if g.padding > 0 {
                            let dpad = dpads.pointer + block * g.paddedCount
                            dpad.update(repeating: 0, count: g.paddedCount)
                            g.col2im(col, into: dpad)
                            g.unpad(dpad, into: dxi)
                        } else {
                            dxi.update(repeating: 0, count: imageSize)
                            g.col2im(col, into: dxi)
                        }
                    }
                }
            }
            for block in 0..<blocks {
                let part = partial.pointer + block * (o * patch + o)
                if let dw { Kernels.axpy(1, part, dw.pointer, count: o * patch) }
                if let db { Kernels.axpy(1, part + o * patch, db.pointer, count: o) }
            }
            return [dx, buffer == nil ? dw : nil, db]
        }
    }

    /// Max pooling of `self` [N, C, H, W] over `kernel`×`kernel` windows moved by `stride`
    /// (default `kernel`), without padding. The gradient of each window goes to its first maximum,
    /// found again in backward from the input (no index array to allocate and keep).
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        let s = stride ?? kernel
        precondition(rank == 4, "maxPool2d: expected input [N, C, H, W], got \(shape)")
        precondition(kernel > 0 && s > 0, "maxPool2d: kernel \(kernel) and stride \(s) must be positive")
        let (h, w) = (shape[2], shape[3])
        precondition(h >= kernel && w >= kernel, "maxPool2d: kernel \(kernel) does not fit input \(shape)")
        let pool = PoolGeometry(h: h, w: w, kernel: kernel, stride: s, oh: (h - kernel) / s + 1, ow: (w - kernel) / s + 1)
        let (planes, outPlane) = (shape[0] * shape[1], pool.oh * pool.ow)
        if device == .cuda { return maxPoolOnGPU(pool, planes: planes) }
        let out = Tensor(uninitializedShape: [shape[0], shape[1], pool.oh, pool.ow])
        let x = pointer, y = out.pointer
        Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
            for pl in lo..<hi {
                let src = x + pl * h * w, dst = y + pl * outPlane
                if pool.isPairs { pool.pairsForward(src, dst); continue }
                for i in 0..<pool.oh { for j in 0..<pool.ow { dst[i * pool.ow + j] = src[pool.argmax(src, i, j)] } }
            }
        }
        let inputShape = shape
        return record(out, [self], "maxPool2d") { g, _ in
            // Disjoint windows write all their entries; only the pixels no window covers need zeroing first.
            // Overlapping windows add into their maxima over a zeroed plane.
            let disjoint = s >= kernel, covered = s == kernel && pool.oh * kernel == h && pool.ow * kernel == w
            let dx = covered ? Tensor(uninitializedShape: inputShape) : Tensor.zeros(inputShape)
            let x = self.pointer, src = g.pointer, dst = dx.pointer  // self: the input stays alive for backward
            Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
                for pl in lo..<hi {
                    let xp = x + pl * h * w, dp = dst + pl * h * w, gp = src + pl * outPlane
                    if pool.isPairs { pool.pairsBackward(xp, gp, dp); continue }
                    for i in 0..<pool.oh { for j in 0..<pool.ow {
                        let best = pool.argmax(xp, i, j), gij = gp[i * pool.ow + j]
                        if disjoint {
                            for ki in 0..<kernel { for kj in 0..<kernel { dp[(i * s + ki) * w + j * s + kj] = 0 } }
                            dp[best] = gij
                        } else {
                            dp[best] += gij
                        }
                    } }
                }
            }
            return [dx]
        }
    }
}

/// The sizes of one max pooling.
struct PoolGeometry {
    let h, w, kernel, stride, oh, ow: Int

    /// The offset in a [H, W] plane of the first maximum of output position (i, j)'s window.
    @inline(__always)
    func argmax(_ src: UnsafePointer<Float>, _ i: Int, _ j: Int) -> Int {
        var best = (i * stride) * w + j * stride
        var m = src[best]
        for ki in 0..<kernel { for kj in 0..<kernel {
            let k = (i * stride + ki) * w + j * stride + kj
            if src[k] > m { m = src[k]; best = k }
        } }
        return best
    }
}

extension PoolGeometry {
    /// 2×2 windows moved by 2, the common case, with selects instead of branches (which entry wins
    /// is data-dependent and would mispredict).
    var isPairs: Bool { kernel == 2 && stride == 2 }

    /// Each window's first maximum, as ``argmax(_:_:_:)`` finds it.
    @inline(__always)
    func pairsForward(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        for i in 0..<oh {
            let r0 = src + 2 * i * w, r1 = r0 + w, d = dst + i * ow
            for j in 0..<ow {
                var m = r0[2 * j]
                let b = r0[2 * j + 1], c = r1[2 * j], e = r1[2 * j + 1]
                m = b > m ? b : m
                m = c > m ? c : m
                d[j] = e > m ? e : m
            }
        }
    }

    /// Routes each window's gradient to its first maximum, writing zero to the other three entries.
    @inline(__always)
    func pairsBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        for i in 0..<oh {
            let r0 = x + 2 * i * w, r1 = r0 + w, d0 = dx + 2 * i * w, d1 = d0 + w
            for j in 0..<ow {
                let a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], e = r1[2 * j + 1], gij = g[i * ow + j]
                var m = a, k = 0
                k = b > m ? 1 : k; m = b > m ? b : m
                k = c > m ? 2 : k; m = c > m ? c : m
                k = e > m ? 3 : k
                d0[2 * j] = k == 0 ? gij : 0
                d0[2 * j + 1] = k == 1 ? gij : 0
                d1[2 * j] = k == 2 ? gij : 0
                d1[2 * j + 1] = k == 3 ? gij : 0
            }
        }
    }
}

// MARK: CUDA
//
// The whole batch at once, as three large GEMMs instead of one small one per image: im2col writes a
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
        GPUKernel.generated("conv_epilogue", key: f.code) { """
        extern "C" __global__ void conv_epilogue(const float* yt, const float* bias, float* y, float* pre, long long n, long long o,
                                                 long long positions, float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= n * o * positions) return;
            long long p = i % positions, oc = (i / positions) % o, image = i / (positions * o);
            float x = yt[oc * n * positions + image * positions + p] + (bias ? bias[oc] : 0.0f);
            if (pre) pre[i] = x;
            y[i] = (\(f.code));
        }
        """ }
    }

    /// From NCHW back to [O, N·P]: `dyt = g ⊙ f′`, with `f′` from the output or pre-activation `v`.
    static func convGradient(_ derivative: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("conv_gradient", key: derivative.code) { """
        extern "C" __global__ void conv_gradient(const float* g, const float* v, float* dyt, long long n, long long o,
                                                 long long positions, float p0, float p1) {
            long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (j >= n * o * positions) return;
            long long columns = n * positions;
            long long oc = j / columns, image = (j % columns) / positions, p = j % positions;
            long long at = (image * o + oc) * positions + p;
            float x = g[at], y = v[at];
            dyt[j] = (\(derivative.code));
        }
        """ }
    }

    private static func conv2dOnGPU(_ input: Tensor, weight: Tensor, bias: Tensor?, _ g: ConvGeometry, _ activation: Activation) -> Tensor {
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
        let pre: Tensor? = activation.derivativeNeedsInput ? Tensor(uninitializedShape: out.shape, device: .cuda) : nil
        let f = activation.cudaFunction
        gpu.launch(convEpilogue(f), count: out.count, [yt.kernelArgument, bias?.kernelArgument ?? .int(0), out.kernelArgument,
                                                       pre?.kernelArgument ?? .int(0), .int(n), .int(o), .int(p)] + f.arguments)
        let inputs: [Tensor] = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(out, inputs, "conv2d") { grad, needs in
            let gpu = GPU.current
            let dyt = Tensor(uninitializedShape: [o, columns], device: .cuda)
            let d = activation.cudaDerivative
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

    private func maxPoolOnGPU(_ pool: PoolGeometry, planes: Int) -> Tensor {
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
