// Elementwise binary arithmetic with NumPy broadcasting, and scalar arithmetic.
// Each op's backward follows its forward; gradients of broadcast operands are summed
// back to the operand's shape.

extension Tensor {
    /// Applies `f` elementwise over the broadcast of `a` and `b`.
    static func broadcasting<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _ op: String, _ f: F) -> Tensor {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        precondition(a.device == b.device, "\(op): operands on \(a.device) and \(b.device); move one with .to(_:)")
        let out = Tensor(uninitializedShape: shape, device: a.device)
        switch a.device {
        case .cpu: break
        case .cuda:
            if a.shape == b.shape { GPUKernels.zip(a, b, into: out, f) } else { GPUKernels.broadcast(a, b, into: out, plan: BroadcastPlan(shape, a.shape, b.shape), f) }
            return out
        }
        let x = a.pointer, y = b.pointer, z = out.pointer
        if a.shape == b.shape {
            CPULoops.zip(x, y, into: z, count: out.count, f)
        } else if b.count == 1 {
            CPULoops.map(x, into: z, count: out.count, BindSecond(f: f, y: y[0]))
        } else if a.count == 1 {
            CPULoops.map(y, into: z, count: out.count, BindFirst(f: f, x: x[0]))
        } else {
            let plan = BroadcastPlan(shape, a.shape, b.shape)
            Parallel.ranges(plan.rows, cost: plan.inner) { lo, hi in
                for r in lo..<hi {
                    let (oa, ob) = plan.offsets(row: r)
                    let pa = x + oa, pb = y + ob, pz = z + r * plan.inner
                    switch (plan.innerStrideA, plan.innerStrideB) {
                    case (1, 1): for i in 0..<plan.inner { pz[i] = f(pa[i], pb[i]) }
                    case (1, _): let s = pb[0]; for i in 0..<plan.inner { pz[i] = f(pa[i], s) }
                    case (_, 1): let s = pa[0]; for i in 0..<plan.inner { pz[i] = f(s, pb[i]) }
                    default: let s = f(pa[0], pb[0]); for i in 0..<plan.inner { pz[i] = s }
                    }
                }
            }
        }
        return out
    }

    /// Sums a broadcast gradient back down to `shape`.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Shape.broadcast(target, shape) == shape, "sum(toShape:): \(shape) was not broadcast from \(target)")
        let lead = rank - target.count
        var t = self
        for axis in 0..<rank where axis < lead || target[axis - lead] == 1 && shape[axis] != 1 {
            t = t.sum(axis: axis, keepDims: true)
        }
        return t.reshaped(target)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcasting(a, b, "add", Fn.Add())
        return record(out, [a, b], "add") { g, needs in
            [needs[0] ? g.sum(toShape: a.shape) : nil, needs[1] ? g.sum(toShape: b.shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcasting(a, b, "sub", Fn.Sub())
        return record(out, [a, b], "sub") { g, needs in
            [needs[0] ? g.sum(toShape: a.shape) : nil, needs[1] ? (-g).sum(toShape: b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcasting(a, b, "mul", Fn.Mul())
        return record(out, [a, b], "mul") { g, needs in
            [needs[0] ? (g * b).sum(toShape: a.shape) : nil, needs[1] ? (g * a).sum(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcasting(a, b, "div", Fn.Div())
        return record(out, [a, b], "div") { g, needs in
            [needs[0] ? (g / b).sum(toShape: a.shape) : nil,
             needs[1] ? (-(g * out) / b).sum(toShape: b.shape) : nil]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    public static func / (s: Float, a: Tensor) -> Tensor { Tensor(s).to(a.device) / a }

    /// `scale · self + shift`, the one kernel behind the scalar ops.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let out = mapped(Fn.Affine(scale: scale, shift: shift))
        return record(out, [self], "affine") { g, _ in [g * scale] }
    }
}

private struct BindSecond<F: BinaryFunction>: UnaryFunction {
    let f: F, y: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x, y) }
}

private struct BindFirst<F: BinaryFunction>: UnaryFunction {
    let f: F, x: Float
    @inline(__always) func callAsFunction(_ y: Float) -> Float { f(x, y) }
}

/// Offsets into two operands for each row of a broadcast output, after merging
/// adjacent axes that broadcast alike.
struct BroadcastPlan {
    var outShape: [Int] = [], stridesA: [Int] = [], stridesB: [Int] = []
    let rows: Int, inner: Int, innerStrideA: Int, innerStrideB: Int

    init(_ out: [Int], _ a: [Int], _ b: [Int]) {
        let rank = out.count
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        let sa = Shape.strides(pa), sb = Shape.strides(pb)
        // Merge axis i into the previous one when both operands are contiguous (or both broadcast) across them.
        for i in 0..<rank where out[i] != 1 {
            let strideA = pa[i] == 1 ? 0 : sa[i], strideB = pb[i] == 1 ? 0 : sb[i]
            if let last = outShape.indices.last,
               stridesA[last] == strideA * out[i], stridesB[last] == strideB * out[i] {
                outShape[last] *= out[i]
                stridesA[last] = strideA; stridesB[last] = strideB
            } else {
                outShape.append(out[i]); stridesA.append(strideA); stridesB.append(strideB)
            }
        }
        if outShape.isEmpty { outShape = [1]; stridesA = [0]; stridesB = [0] }
        inner = outShape.last!
        innerStrideA = stridesA.last!
        innerStrideB = stridesB.last!
        rows = Shape.count(outShape) / max(inner, 1)
    }

    @inline(__always)
    func offsets(row: Int) -> (Int, Int) {
        var r = row, oa = 0, ob = 0
        for axis in stride(from: outShape.count - 2, through: 0, by: -1) {
            let i = r % outShape[axis]
            r /= outShape[axis]
            oa += i * stridesA[axis]
            ob += i * stridesB[axis]
        }
        return (oa, ob)
    }
}
