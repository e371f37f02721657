// Reductions along axes.

extension Tensor {
    /// The sum along `axis` (negative counts from the end).
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "sum", shape: shape)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        var outShape = shape
        outShape[ax] = 1
        let out = Tensor(uninitializedShape: outShape, device: device)
        switch device {
        case .cpu: CPULoops.sum(pointer, outer: outer, length: length, inner: inner, into: out.pointer)
        case .cuda: GPUKernels.sum(self, outer: outer, length: length, inner: inner, into: out)
        }
        let inputShape = shape
        let result = keepDims ? out : out.reshaped(shape.enumerated().filter { $0.offset != ax }.map(\.element))
        return record(result, [self], "sum") { g, _ in
            [g.reshaped(outShape).broadcast(to: inputShape)]
        }
    }

    /// The sum along several axes.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let resolved = Set(axes.map { Shape.axis($0, rank: rank, op: "sum", shape: shape) })
        var t = self
        for a in resolved.sorted(by: >) { t = t.sum(axis: a, keepDims: keepDims) }
        return t
    }

    /// The sum of all elements, a scalar.
    public func sum() -> Tensor {
        let out: Tensor
        switch device {
        case .cpu: out = Tensor(CPULoops.sumContiguous(pointer, count: count))
        case .cuda:
            out = Tensor(uninitializedShape: [], device: .cuda)
            GPUKernels.sum(self, outer: 1, length: count, inner: 1, into: out)
        }
        let inputShape = shape
        return record(out, [self], "sum") { g, _ in [g.broadcast(to: inputShape)] }
    }

    /// The mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "mean", shape: shape)
        return sum(axis: ax, keepDims: keepDims) / Float(Swift.max(shape[ax], 1))
    }

    /// The mean over several axes.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let resolved = Set(axes.map { Shape.axis($0, rank: rank, op: "mean", shape: shape) })
        let n = resolved.reduce(1) { $0 * shape[$1] }
        return sum(axes: Array(resolved), keepDims: keepDims) / Float(Swift.max(n, 1))
    }

    /// The mean of all elements, a scalar.
    public func mean() -> Tensor { sum() / Float(Swift.max(count, 1)) }

    /// This tensor repeated along its size-1 (or missing leading) axes to `target`.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Shape.broadcast(shape, target) == target, "broadcast: shape \(shape) cannot be broadcast to \(target)")
        let out = Tensor.broadcasting(self, Tensor(repeating: 0, shape: target, device: device), "broadcast", Fn.First())
        let inputShape = shape
        return record(out, [self], "broadcast") { g, _ in [g.sum(toShape: inputShape)] }
    }
}

// Maxima along an axis; ties go to the first maximum, which alone receives the gradient.

extension Tensor {
    /// The maximum along `axis` (negative counts from the end). The gradient flows to the
    /// first maximal element of each lane.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        switch device {
        case .cpu: break
        case .cuda: return maxOnGPU(axis: axis, keepDims: keepDims)
        }
        let (out, index, ax) = maxAlong(axis, op: "max")
        let (outer, length, inner) = Shape.split(shape, at: ax)
        let inputShape = shape
        let result = keepDims ? out : out.reshaped(shape.enumerated().filter { $0.offset != ax }.map(\.element))
        return record(result, [self], "max") { g, _ in
            let dx = Tensor.zeros(inputShape)
            let src = g.pointer, dst = dx.pointer
            index.withUnsafeBufferPointer { idx in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let lane = o * inner + i
                        dst[(o * length + idx[lane]) * inner + i] = src[lane]
                    }
                }
            }
            return [dx]
        }
    }

    /// The largest element, a scalar (gradient to its first occurrence).
    public func max() -> Tensor {
        precondition(count > 0, "max: tensor of shape \(shape) is empty")
        return reshaped([count]).max(axis: 0)
    }

    /// The position of the first maximum along `axis` for each lane: a flat array in the
    /// row-major order of the shape with `axis` removed (e.g. one class index per row of
    /// logits [n, c] for `axis: -1`).
    public func argmax(axis: Int = -1) -> [Int] {
        switch device {
        case .cpu: maxAlong(axis, op: "argmax").index
        case .cuda: to(.cpu).argmax(axis: axis)
        }
    }

    /// The fraction of rows of these class scores [n, classes] whose highest score (the first maximum,
    /// as ``argmax(axis:)`` finds it) is at the row's label: the accuracy of the classifier that scored them.
    public func accuracy(labels: [Int]) -> Double {
        precondition(rank == 2 && shape[0] == labels.count, "accuracy: scores of shape \(shape) for \(labels.count) labels")
        let correct = zip(argmax(axis: -1), labels).filter { $0 == $1 }.count
        return Double(correct) / Double(Swift.max(labels.count, 1))
    }

    /// The maxima along `axis` (with the axis kept, extent 1) and their positions.
    private func maxAlong(_ axis: Int, op: String) -> (values: Tensor, index: [Int], axis: Int) {
        let ax = Shape.axis(axis, rank: rank, op: op, shape: shape)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        precondition(length > 0, "\(op): axis \(axis) of shape \(shape) is empty")
        var outShape = shape
        outShape[ax] = 1
        let out = Tensor(uninitializedShape: outShape)
        var index = [Int](repeating: 0, count: outer * inner)
        let x = pointer, y = out.pointer
        index.withUnsafeMutableBufferPointer { idx in
            let best = UncheckedSendable(idx.baseAddress!)
            Parallel.ranges(outer * inner, cost: length) { lo, hi in
                for lane in lo..<hi {
                    let base = x + (lane / inner) * length * inner + lane % inner
                    var m = base[0], at = 0
                    for l in 1..<length where base[l * inner] > m { m = base[l * inner]; at = l }
                    y[lane] = m
                    best.value[lane] = at
                }
            }
        }
        return (out, index, ax)
    }
}
