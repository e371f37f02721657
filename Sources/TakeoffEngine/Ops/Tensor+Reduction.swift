// Reductions along axes.

extension Tensor {
    /// The sum along `axis` (negative counts from the end).
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "sum", shape: shape)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        var outShape = shape
        outShape[ax] = 1
        let out = Tensor(uninitializedShape: outShape)
        Kernels.sum(pointer, outer: outer, length: length, inner: inner, into: out.pointer)
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
        let out = Tensor(Kernels.sumContiguous(pointer, count: count))
        let inputShape = shape
        return record(out, [self], "sum") { g, _ in [g.broadcast(to: inputShape)] }
    }

    /// The mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "mean", shape: shape)
        return sum(axis: ax, keepDims: keepDims) / Float(max(shape[ax], 1))
    }

    /// The mean of all elements, a scalar.
    public func mean() -> Tensor { sum() / Float(max(count, 1)) }

    /// This tensor repeated along its size-1 (or missing leading) axes to `target`.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Shape.broadcast(shape, target) == target, "broadcast: shape \(shape) cannot be broadcast to \(target)")
        let out = Tensor.broadcasting(self, Tensor(repeating: 0, shape: target), "broadcast", Fn.First())
        let inputShape = shape
        return record(out, [self], "broadcast") { g, _ in [g.sum(toShape: inputShape)] }
    }
}
