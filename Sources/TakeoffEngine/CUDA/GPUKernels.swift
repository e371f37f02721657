// The CUDA counterparts of ``CPULoops``: elementwise maps generated from each scalar function's CUDA C
// form (``Fn``), broadcasting, reductions along an axis, strided block copies, gathers and axis
// permutations. One thread per output element; no atomics except in a gather's backward, so results
// are deterministic. Sizes are `long long` in every kernel.

enum GPUKernels {
    // MARK: Elementwise

    static func mapKernel(_ e: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("map", key: e.key) { """
        extern "C" __global__ void map(const float* in, float* out, long long n, float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= n) return;
            \(e.bind("in[i]"))
            out[i] = (\(e.code));
        }
        """ }
    }

    static func zipKernel(_ e: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("zip", key: e.key) { """
        extern "C" __global__ void zip(const float* a, const float* b, float* out, long long n, float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= n) return;
            \(e.bind("a[i]", "b[i]"))
            out[i] = (\(e.code));
        }
        """ }
    }

    /// Operand offsets from the output index through up to 8 merged axes: `d.v` holds the rank, the
    /// output extents, then each operand's strides (0 along broadcast axes).
    static func broadcastKernel(_ e: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("zip_broadcast", key: e.key) { """
        struct Dims { long long v[25]; };
        extern "C" __global__ void zip_broadcast(const float* a, const float* b, float* out, long long n, Dims d, float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= n) return;
            long long r = i, oa = 0, ob = 0;
            for (long long ax = d.v[0] - 1; ax >= 0; --ax) {
                long long extent = d.v[1 + ax], k = r % extent;
                r /= extent;
                oa += k * d.v[9 + ax];
                ob += k * d.v[17 + ax];
            }
            \(e.bind("a[oa]", "b[ob]"))
            out[i] = (\(e.code));
        }
        """ }
    }

    private static func expression(_ cuda: CUDAExpression?, _ name: Any.Type) -> CUDAExpression {
        guard let cuda else { preconditionFailure("\(name) has no CUDA form; this op runs on the CPU only (move the tensor with .to(.cpu))") }
        return cuda
    }

    /// `out[i] = f(x[i])`.
    static func map<F: UnaryFunction>(_ x: Tensor, into out: Tensor, _ f: F) {
        let e = expression(f.cuda, F.self)
        GPU.current.launch(mapKernel(e), count: out.count, [x.kernelArgument, out.kernelArgument, .int(out.count)] + e.arguments)
    }

    /// `out[i] = f(a[i], b[i])` (`out` may be `a`).
    static func zip<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, into out: Tensor, _ f: F) {
        zip(a, b, into: out, expression(f.cuda, F.self))
    }

    /// `out[i] = e(a[i], b[i])` for a CUDA C expression in `x` and `y`.
    static func zip(_ a: Tensor, _ b: Tensor, into out: Tensor, _ e: CUDAExpression) {
        GPU.current.launch(zipKernel(e), count: out.count,
                           [a.kernelArgument, b.kernelArgument, out.kernelArgument, .int(out.count)] + e.arguments)
    }

    /// `out = f(a, b)` over the broadcast described by `plan`.
    static func broadcast<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, into out: Tensor, plan: BroadcastPlan, _ f: F) {
        let e = expression(f.cuda, F.self)
        let dims = axes(plan.outShape, plan.stridesA, plan.stridesB, op: "broadcast")
        GPU.current.launch(broadcastKernel(e), count: out.count,
                           [a.kernelArgument, b.kernelArgument, out.kernelArgument, .int(out.count), dims] + e.arguments)
    }

    /// The by-value `long long v[]` of the broadcast and permute kernels: the rank, then the extents and
    /// each stride list, every one padded to 8 axes.
    private static func axes(_ extents: [Int], _ strides: [Int]..., op: String) -> KernelArgument {
        precondition(extents.count <= 8, "\(op) on CUDA: \(extents.count) axes; at most 8 are supported")
        func padded(_ v: [Int]) -> [Int] { v + Array(repeating: 0, count: 8 - v.count) }
        return .ints([extents.count] + padded(extents) + strides.flatMap(padded))
    }

    // MARK: Reductions, copies, gathers

    static let reductionSource = """
    // One block per lane of (outer, inner): threads stride along the axis, then a tree in shared memory.
    extern "C" __global__ void sum_lanes(const float* x, float* out, long long length, long long inner) {
        __shared__ float part[256];
        long long lane = blockIdx.x;
        const float* base = x + (lane / inner) * length * inner + lane % inner;
        float s = 0.0f;
        for (long long l = threadIdx.x; l < length; l += blockDim.x) s += base[l * inner];
        part[threadIdx.x] = s;
        __syncthreads();
        for (int w = blockDim.x / 2; w > 0; w >>= 1) {
            if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
            __syncthreads();
        }
        if (threadIdx.x == 0) out[lane] = part[0];
    }

    // One thread per lane, for short axes.
    extern "C" __global__ void sum_lanes_short(const float* x, float* out, long long lanes, long long length, long long inner) {
        long long lane = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (lane >= lanes) return;
        const float* base = x + (lane / inner) * length * inner + lane % inner;
        float s = 0.0f;
        for (long long l = 0; l < length; ++l) s += base[l * inner];
        out[lane] = s;
    }

    // Maxima along the axis and the first position reaching each (as a float).
    extern "C" __global__ void max_lanes(const float* x, float* out, float* index, long long lanes, long long length, long long inner) {
        long long lane = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (lane >= lanes) return;
        const float* base = x + (lane / inner) * length * inner + lane % inner;
        float m = base[0];
        long long at = 0;
        for (long long l = 1; l < length; ++l) if (base[l * inner] > m) { m = base[l * inner]; at = l; }
        out[lane] = m;
        index[lane] = (float)at;
    }

    // The gradient of max_lanes: each lane's gradient to its recorded position, zeros elsewhere.
    extern "C" __global__ void max_lanes_backward(const float* g, const float* index, float* dx, long long n, long long length, long long inner) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n) return;
        long long e = i % inner, l = (i / inner) % length, o = i / (inner * length);
        long long lane = o * inner + e;
        dx[i] = ((long long)index[lane] == l) ? g[lane] : 0.0f;
    }
    """

    static let sumLanes = GPUKernel("sum_lanes", source: reductionSource)
    static let sumLanesShort = GPUKernel("sum_lanes_short", source: reductionSource)
    static let maxLanes = GPUKernel("max_lanes", source: reductionSource)
    static let maxLanesBackward = GPUKernel("max_lanes_backward", source: reductionSource)

    /// `out[o, i] = Σ_l x[o, l, i]`: a thread per lane where lanes are many or short (neighbouring lanes
    /// read neighbouring addresses when `inner` is wide, e.g. a bias gradient), else a block per lane.
    static func sum(_ x: Tensor, outer: Int, length: Int, inner: Int, into out: Tensor) {
        let lanes = outer * inner
        if length <= 64 || inner >= 32 {
            GPU.current.launch(sumLanesShort, count: lanes, [x.kernelArgument, out.kernelArgument, .int(lanes), .int(length), .int(inner)])
        } else {
            GPU.current.launch(sumLanes, blocks: lanes, threads: 256, [x.kernelArgument, out.kernelArgument, .int(length), .int(inner)])
        }
    }

    static let movementSource = """
    // dst[o * dstStride + k] = src[o * srcStride + k] for k < block.
    extern "C" __global__ void copy_blocks(const float* src, float* dst, long long outer, long long block,
                                           long long srcStride, long long dstStride) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= outer * block) return;
        long long o = i / block, k = i % block;
        dst[o * dstStride + k] = src[o * srcStride + k];
    }

    // y[o, k, e] = x[o, idx[k], e]: rows picked by whole-number float indices.
    extern "C" __global__ void gather(const float* x, const float* idx, float* y, long long total, long long m,
                                      long long length, long long inner) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= total) return;
        long long e = i % inner, r = i / inner, k = r % m, o = r / m;
        y[i] = x[(o * length + (long long)idx[k]) * inner + e];
    }

    // The adjoint of gather: dx[o, idx[k], e] += g[o, k, e] (atomic: repeated indices add up).
    extern "C" __global__ void scatter_add(const float* g, const float* idx, float* dx, long long total, long long m,
                                           long long length, long long inner) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= total) return;
        long long e = i % inner, r = i / inner, k = r % m, o = r / m;
        atomicAdd(&dx[(o * length + (long long)idx[k]) * inner + e], g[i]);
    }

    // y[i] = x[offset(i)], with p.v the rank, the output extents and the input stride of each output axis.
    struct Perm { long long v[17]; };
    extern "C" __global__ void permute(const float* x, float* y, long long n, Perm p) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n) return;
        long long r = i, offset = 0;
        for (long long ax = p.v[0] - 1; ax >= 0; --ax) {
            long long extent = p.v[1 + ax];
            offset += (r % extent) * p.v[9 + ax];
            r /= extent;
        }
        y[i] = x[offset];
    }
    """

    static let copyBlocksKernel = GPUKernel("copy_blocks", source: movementSource)
    static let gatherKernel = GPUKernel("gather", source: movementSource)
    static let scatterAddKernel = GPUKernel("scatter_add", source: movementSource)
    static let permuteKernel = GPUKernel("permute", source: movementSource)

    /// Copies `outer` blocks of `block` elements between strided positions.
    static func copyBlocks(outer: Int, block: Int, from src: UnsafeMutablePointer<Float>, stride srcStride: Int,
                           to dst: UnsafeMutablePointer<Float>, stride dstStride: Int) {
        GPU.current.launch(copyBlocksKernel, count: outer * block,
                           [.pointer(src), .pointer(dst), .int(outer), .int(block), .int(srcStride), .int(dstStride)])
    }

    /// Launch arguments for gather and scatter-add: sizes of `x` viewed as (outer, length, inner), `m` indices.
    static func gatherArguments(_ x: Tensor, _ indices: Tensor, _ y: Tensor, outer: Int, m: Int, length: Int, inner: Int) -> [KernelArgument] {
        [x.kernelArgument, indices.kernelArgument, y.kernelArgument, .int(outer * m * inner), .int(m), .int(length), .int(inner)]
    }

    /// `y[i] = x[Σ index_a(i) · strides[a]]` for an output of shape `outShape`.
    static func permute(_ x: Tensor, into y: Tensor, outShape: [Int], strides: [Int]) {
        GPU.current.launch(permuteKernel, count: y.count,
                           [x.kernelArgument, y.kernelArgument, .int(y.count), axes(outShape, strides, op: "permuted")])
    }
}

// The CUDA halves of ops in Ops/: each is called from its op's one switch over devices.

extension Tensor {
    /// ``gather(_:axis:)-(Tensor,_)`` on the GPU: the indices stay on the device; backward scatter-adds.
    func gatherOnGPU(_ indices: Tensor, axis: Int) -> Tensor {
        precondition(indices.device == device, "gather: indices on \(indices.device) for a tensor on \(device)")
        let ax = Shape.axis(axis, rank: rank, op: "gather", shape: shape)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        let m = indices.count
        var outShape = shape
        outShape[ax] = m
        let out = Tensor(uninitializedShape: outShape, device: device)
        GPU.current.launch(GPUKernels.gatherKernel, count: out.count,
                           GPUKernels.gatherArguments(self, indices, out, outer: outer, m: m, length: length, inner: inner))
        let inputShape = shape
        return record(out, [self], "gather") { g, _ in
            let dx = Tensor.zeros(inputShape, device: .cuda)
            GPU.current.launch(GPUKernels.scatterAddKernel, count: g.count,
                               GPUKernels.gatherArguments(g, indices, dx, outer: outer, m: m, length: length, inner: inner))
            return [dx]
        }
    }

    /// ``max(axis:keepDims:)`` on the GPU: the positions stay on the device for backward.
    func maxOnGPU(axis: Int, keepDims: Bool) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "max", shape: shape)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        precondition(length > 0, "max: axis \(axis) of shape \(shape) is empty")
        precondition(length < Tensor.exactIndexLimit, "max: axis \(axis) of shape \(shape) is too long for the GPU's float positions")
        var outShape = shape
        outShape[ax] = 1
        let out = Tensor(uninitializedShape: outShape, device: .cuda), index = Tensor(uninitializedShape: outShape, device: .cuda)
        GPU.current.launch(GPUKernels.maxLanes, count: outer * inner,
                           [kernelArgument, out.kernelArgument, index.kernelArgument, .int(outer * inner), .int(length), .int(inner)])
        let inputShape = shape
        let result = keepDims ? out : out.reshaped(shape.enumerated().filter { $0.offset != ax }.map(\.element))
        return record(result, [self], "max") { g, _ in
            let dx = Tensor(uninitializedShape: inputShape, device: .cuda)
            GPU.current.launch(GPUKernels.maxLanesBackward, count: dx.count,
                               [g.kernelArgument, index.kernelArgument, dx.kernelArgument, .int(dx.count), .int(length), .int(inner)])
            return [dx]
        }
    }
}
