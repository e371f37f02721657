// The CUDA half of Ops/Tensor+Softmax.swift: softmax lanes and the fused softmax cross-entropy.

extension Tensor {
    static let softmaxSource = """
    // One thread per lane: softmax (or log-softmax when asked) along the axis, the maximum subtracted first.
    extern "C" __global__ void softmax_lanes(const float* x, float* y, long long lanes, long long length, long long inner,
                                             long long logForm) {
        long long lane = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (lane >= lanes) return;
        long long start = (lane / inner) * length * inner + lane % inner;
        const float* src = x + start;
        float* dst = y + start;
        float m = src[0];
        for (long long l = 1; l < length; ++l) m = fmaxf(m, src[l * inner]);
        float s = 0.0f;
        for (long long l = 0; l < length; ++l) { float e = expf(src[l * inner] - m); dst[l * inner] = e; s += e; }
        if (logForm) {
            float logSum = logf(s);
            for (long long l = 0; l < length; ++l) dst[l * inner] = (src[l * inner] - m) - logSum;
        } else {
            float r = 1.0f / s;
            for (long long l = 0; l < length; ++l) dst[l * inner] *= r;
        }
    }

    // Row r of logits [n, c]: its softmax into p and its loss −log softmax[label] into loss.
    extern "C" __global__ void cross_entropy_rows(const float* x, const float* labels, float* p, float* loss, long long n, long long c) {
        long long r = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (r >= n) return;
        const float* row = x + r * c;
        float* pr = p + r * c;
        float m = row[0];
        for (long long j = 1; j < c; ++j) m = fmaxf(m, row[j]);
        float s = 0.0f;
        for (long long j = 0; j < c; ++j) { float e = expf(row[j] - m); pr[j] = e; s += e; }
        float inv = 1.0f / s;
        for (long long j = 0; j < c; ++j) pr[j] *= inv;
        loss[r] = (m - row[(long long)labels[r]]) + logf(s);
    }

    // dx = scale(r) · (p − onehot(label)), scale = g[0] / n for the mean loss, g[r] for per-row losses.
    extern "C" __global__ void cross_entropy_backward(const float* p, const float* labels, const float* g, float* dx,
                                                      long long n, long long c, long long perRow) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n * c) return;
        long long r = i / c, j = i % c;
        float s = perRow ? g[r] : g[0] / (float)n;
        dx[i] = s * p[i] - (j == (long long)labels[r] ? s : 0.0f);
    }
    """
    static let softmaxKernel = GPUKernel("softmax_lanes", source: softmaxSource)
    static let crossEntropyKernel = GPUKernel("cross_entropy_rows", source: softmaxSource)
    static let crossEntropyBackwardKernel = GPUKernel("cross_entropy_backward", source: softmaxSource)

    /// The fused softmax cross-entropy on the GPU: the mean over rows (a scalar) or the per-row losses.
    static func crossEntropyOnGPU(_ logits: Tensor, _ labels: Tensor, mean: Bool) -> Tensor {
        let op = mean ? "softmaxCrossEntropy" : "softmaxCrossEntropyPerRow"
        precondition(logits.rank == 2, "\(op): logits must be [n, classes], got shape \(logits.shape)")
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(n > 0, "\(op): no rows in logits \(logits.shape)")
        precondition(labels.shape == [n] && labels.device == .cuda, "\(op): labels \(labels.shape) on \(labels.device) for logits \(logits.shape) on cuda")
        let probs = Tensor(uninitializedShape: [n, c], device: .cuda), losses = Tensor(uninitializedShape: [n], device: .cuda)
        GPU.current.launch(crossEntropyKernel, count: n,
                           [logits.kernelArgument, labels.kernelArgument, probs.kernelArgument, losses.kernelArgument, .int(n), .int(c)])
        let out = mean ? losses.sum() * (1 / Float(n)) : losses  // off the tape: losses has no history
        return record(out, [logits], mean ? "softmaxCrossEntropy" : "softmaxCrossEntropyPerRow") { g, _ in
            let dx = Tensor(uninitializedShape: [n, c], device: .cuda)
            GPU.current.launch(crossEntropyBackwardKernel, count: n * c, [probs.kernelArgument, labels.kernelArgument, g.kernelArgument,
                                                                          dx.kernelArgument, .int(n), .int(c), .int(mean ? 0 : 1)])
            return [dx]
        }
    }
}

extension GPUKernels {
    /// Softmax (or log-softmax) of each of the `outer · inner` lanes of `input` along an axis of `length`.
    static func softmaxLanes(_ input: Tensor, _ output: Tensor, outer: Int, length: Int, inner: Int, log: Bool) {
        GPU.current.launch(Tensor.softmaxKernel, count: outer * inner, [input.kernelArgument, output.kernelArgument, .int(outer * inner),
                                                                         .int(length), .int(inner), .int(log ? 1 : 0)])
    }
}
