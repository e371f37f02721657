import Foundation

// Elementwise functions and activations (scalar definitions in Core/Functions.swift). Each
// backward reuses the forward's output where the derivative is cheapest from it.

extension Tensor {
    /// `f` applied elementwise, off the tape.
    func mapped<F: UnaryKernel>(cost: Int = 1, _ f: F) -> Tensor {
        let out = Tensor(uninitializedShape: shape, device: device)
        switch device {
        case .cpu: Kernels.map(pointer, into: out.pointer, count: count, cost: cost, f)
        case .cuda: GPUKernels.map(self, into: out, f)
        }
        return out
    }

    /// `f(self[i], other[i])` for equal shapes, off the tape.
    func zipped<F: BinaryKernel>(_ other: Tensor, cost: Int = 1, _ f: F) -> Tensor {
        precondition(shape == other.shape, "zip: shapes \(shape) and \(other.shape) differ")
        precondition(device == other.device, "zip: operands on \(device) and \(other.device)")
        let out = Tensor(uninitializedShape: shape, device: device)
        switch device {
        case .cpu: Kernels.zip(pointer, other.pointer, into: out.pointer, count: count, cost: cost, f)
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

    public func tanh() -> Tensor {
        let out = mapped(cost: 8, Fn.Tanh())
        return record(out, [self], "tanh") { g, _ in [g.zipped(out, Fn.TanhGrad())] }
    }

    public func sigmoid() -> Tensor {
        let out = mapped(cost: 8, Fn.Sigmoid())
        return record(out, [self], "sigmoid") { g, _ in [g.zipped(out, Fn.SigmoidGrad())] }
    }

    public func relu() -> Tensor {
        let out = mapped(Fn.ReLU())
        return record(out, [self], "relu") { g, _ in [g.zipped(self, Fn.ReLUGrad())] }
    }

    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        let out = mapped(Fn.LeakyReLU(slope: slope))
        return record(out, [self], "leakyRelu") { g, _ in [g.zipped(self, Fn.LeakyReLUGrad(slope: slope))] }
    }

    /// GELU, the exact form `x · Φ(x)` with Φ the standard normal CDF.
    public func gelu() -> Tensor {
        let out = mapped(cost: 16, Fn.GELU())
        return record(out, [self], "gelu") { g, _ in [g.zipped(self, cost: 16, Fn.GELUGrad())] }
    }

    /// `self` squared elementwise.
    public func squared() -> Tensor { self * self }
}
