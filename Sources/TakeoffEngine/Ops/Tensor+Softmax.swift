import Foundation

// Softmax, log-softmax and the fused softmax cross-entropy. Every lane subtracts its maximum
// before exponentiating, so logits of any magnitude neither overflow nor underflow to NaN.

extension Tensor {
    /// `exp(x) / Σ exp(x)` along `axis`.
    public func softmax(axis: Int = -1) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "softmax", shape: shape)
        let out = Tensor(uninitializedShape: shape, device: device)
        Tensor.softmaxLanes(self, out, ax, log: false)
        return record(out, [self], "softmax") { g, _ in
            [out * (g - (g * out).sum(axis: ax, keepDims: true))]
        }
    }

    /// `x − log Σ exp(x)` along `axis`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "logSoftmax", shape: shape)
        let out = Tensor(uninitializedShape: shape, device: device)
        Tensor.softmaxLanes(self, out, ax, log: true)
        return record(out, [self], "logSoftmax") { g, _ in
            [g - out.exp() * g.sum(axis: ax, keepDims: true)]
        }
    }

    /// Softmax (or log-softmax) of every lane along `axis`, from `input` into `output`.
    private static func softmaxLanes(_ input: Tensor, _ output: Tensor, _ axis: Int, log: Bool) {
        let (outer, length, inner) = Shape.split(input.shape, at: axis)
        guard length > 0 else { return }
        switch input.device {
        case .cpu: break
        case .cuda: return GPUKernels.softmaxLanes(input, output, outer: outer, length: length, inner: inner, log: log)
        }
        let x = input.pointer, y = output.pointer
        Parallel.ranges(outer * inner, cost: 8 * length) { lo, hi in
            for lane in lo..<hi {
                let start = (lane / inner) * length * inner + lane % inner
                let src = x + start, dst = y + start
                var m = src[0]
                for l in 1..<length { m = Swift.max(m, src[l * inner]) }
                var s: Float = 0
                for l in 0..<length {
                    let e = Foundation.exp(src[l * inner] - m)
                    dst[l * inner] = e
                    s += e
                }
                if log {
                    let logSum = Foundation.log(s)
                    for l in 0..<length { dst[l * inner] = (src[l * inner] - m) - logSum }
                } else {
                    let r = 1 / s
                    for l in 0..<length { dst[l * inner] *= r }
                }
            }
        }
    }

    /// The mean over rows of `−log softmax(logits)[label]`, for `logits` [n, c] and one label in
    /// `0..<c` per row: one pass per row, and a backward of `(softmax − onehot) / n`.
    public static func softmaxCrossEntropy(logits: Tensor, labels: [Int]) -> Tensor {
        switch logits.device {
        case .cpu: break
        case .cuda:
            checkLabels(labels, logits, op: "softmaxCrossEntropy")
            return crossEntropyOnGPU(logits, Tensor(indices: labels, device: .cuda), mean: true)
        }
        let (losses, probs) = crossEntropyRows(logits, labels, op: "softmaxCrossEntropy")
        let n = labels.count
        precondition(n > 0, "softmaxCrossEntropy: no rows in logits \(logits.shape)")
        let out = withExtendedLifetime(losses) { Tensor(CPULoops.sumContiguous(losses.pointer, count: n) / Float(n)) }
        return record(out, [logits], "softmaxCrossEntropy") { g, _ in
            let scale = g.item / Float(n)
            return [probs.crossEntropyGradient(labels) { _ in scale }]
        }
    }

    /// The per-row losses `−log softmax(logits)[label]` as a tensor [n], for `logits` [n, c];
    /// backward sends `g[r] · (softmax − onehot)` to row `r`.
    public static func softmaxCrossEntropyPerRow(logits: Tensor, labels: [Int]) -> Tensor {
        switch logits.device {
        case .cpu: break
        case .cuda:
            checkLabels(labels, logits, op: "softmaxCrossEntropyPerRow")
            return crossEntropyOnGPU(logits, Tensor(indices: labels, device: .cuda), mean: false)
        }
        let (losses, probs) = crossEntropyRows(logits, labels, op: "softmaxCrossEntropyPerRow")
        return record(losses, [logits], "softmaxCrossEntropyPerRow") { g, _ in
            let gr = g.pointer
            return [probs.crossEntropyGradient(labels) { gr[$0] }]
        }
    }

    /// ``softmaxCrossEntropy(logits:labels:)`` with the labels in a tensor [n] of class indices (whole
    /// numbers as floats) on the logits' device: a GPU batch's labels never pass through the host.
    /// On the GPU the labels are trusted to be in range.
    public static func softmaxCrossEntropy(logits: Tensor, labels: Tensor) -> Tensor {
        switch logits.device {
        case .cpu: return softmaxCrossEntropy(logits: logits, labels: labels.to(.cpu).scalars.map { Int($0) })
        case .cuda: return crossEntropyOnGPU(logits, labels, mean: true)
        }
    }

    static func checkLabels(_ labels: [Int], _ logits: Tensor, op: String) {
        precondition(logits.rank == 2, "\(op): logits must be [n, classes], got shape \(logits.shape)")
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(labels.count == n, "\(op): \(labels.count) labels for logits of shape \(logits.shape)")
        for (r, label) in labels.enumerated() where label < 0 || label >= c {
            preconditionFailure("\(op): label \(label) at row \(r) is out of range for \(c) classes (logits \(logits.shape))")
        }
    }

    /// Per-row losses and softmax probabilities.
    private static func crossEntropyRows(_ logits: Tensor, _ labels: [Int], op: String) -> (Tensor, Tensor) {
        checkLabels(labels, logits, op: op)
        let (n, c) = (logits.shape[0], logits.shape[1])
        let probs = Tensor(uninitializedShape: [n, c])
        let losses = Tensor(uninitializedShape: [n])
        let x = logits.pointer, p = probs.pointer, l = losses.pointer
        labels.withUnsafeBufferPointer { lab in
            let lab = UncheckedSendable(lab.baseAddress!)
            Parallel.ranges(n, cost: 8 * c) { lo, hi in
                for r in lo..<hi { l[r] = CPULoops.crossEntropyRow(x + r * c, classes: c, label: lab.value[r], probabilities: p + r * c) }
            }
        }
        return (losses, probs)
    }

    /// `scale(r) · (self − onehot(labels))` for probabilities `self` [n, c].
    private func crossEntropyGradient(_ labels: [Int], _ scale: (Int) -> Float) -> Tensor {
        let (n, c) = (shape[0], shape[1])
        let dx = Tensor(uninitializedShape: shape)
        let p = pointer, d = dx.pointer
        for r in 0..<n {
            let s = scale(r)
            for j in 0..<c { d[r * c + j] = s * p[r * c + j] }
            d[r * c + labels[r]] -= s
        }
        return dx
    }
}

extension CPULoops {
    /// Softmax cross-entropy of `rows` rows of `logits` [rows, classes] and its gradient in one pass, on the
    /// calling thread: `losses[r] = −log softmax(row r)[label r]` and `gradient` [rows, classes] =
    /// `scale · (softmax − onehot)` (scale 1/batch for the gradient of the batch's mean).
    public static func softmaxCrossEntropy(_ logits: UnsafePointer<Float>, labels: UnsafePointer<Int>, rows: Int, classes c: Int,
                                           scale: Float, losses: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let d = gradient + r * c
            losses[r] = crossEntropyRow(logits + r * c, classes: c, label: labels[r], probabilities: d)
            for j in 0..<c { d[j] = scale * d[j] }
            d[labels[r]] -= scale
        }
    }

    /// One row's softmax into `probabilities` [classes]; returns the row's loss `−log softmax[label]`.
    @inline(__always)
    static func crossEntropyRow(_ row: UnsafePointer<Float>, classes c: Int, label: Int, probabilities pr: UnsafeMutablePointer<Float>) -> Float {
        var m = row[0]
        for j in 1..<c { m = Swift.max(m, row[j]) }
        var s: Float = 0
        for j in 0..<c {
            let e = Foundation.exp(row[j] - m)
            pr[j] = e
            s += e
        }
        let inv = 1 / s
        for j in 0..<c { pr[j] *= inv }
        return (m - row[label]) + Foundation.log(s)
    }
}
