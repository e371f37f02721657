import Foundation

// Elementwise functions (scalar definitions in Core/Functions.swift; the activations are in
// Ops/Activation.swift). Each backward reuses the forward's output where the derivative is cheapest from it.

extension Tensor {
    /// `f` applied elementwise, off the tape.
    func mapped<F: UnaryFunction>(cost: Int = 1, _ f: F) -> Tensor {
        let out = Tensor(uninitializedShape: shape, device: device)
        switch device {
        case .cpu: CPULoops.map(pointer, into: out.pointer, count: count, cost: cost, f)
        case .cuda: GPUKernels.map(self, into: out, f)
        }
        return out
    }

    /// `f(self[i], other[i])` for equal shapes, off the tape.
    func zipped<F: BinaryFunction>(_ other: Tensor, cost: Int = 1, _ f: F) -> Tensor {
        precondition(shape == other.shape, "zip: shapes \(shape) and \(other.shape) differ")
        precondition(device == other.device, "zip: operands on \(device) and \(other.device)")
        let out = Tensor(uninitializedShape: shape, device: device)
        switch device {
        case .cpu: CPULoops.zip(pointer, other.pointer, into: out.pointer, count: count, cost: cost, f)
        case .cuda: GPUKernels.zip(self, other, into: out, f)
        }
        return out
    }

    public func exp() -> Tensor {
        let out = mapped(cost: 8, Fn.Exp())
        return record(out, [self], "exp") { g, _ in [g.zipped(out, Fn.Mul())] }
    }

    public func log() -> Tensor {
        let out = mapped(cost: 8, Fn.Log())
        return record(out, [self], "log") { g, _ in [g.zipped(self, Fn.Div())] }
    }

    public func sqrt() -> Tensor {
        let out = mapped(cost: 4, Fn.Sqrt())
        return record(out, [self], "sqrt") { g, _ in [g.zipped(out, Fn.SqrtGrad())] }
    }

    /// `self` squared elementwise.
    public func squared() -> Tensor { self * self }
}
