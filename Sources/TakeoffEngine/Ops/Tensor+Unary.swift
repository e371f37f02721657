import Foundation

// Elementwise functions and activations. Each backward reuses the forward's output where
// the derivative is cheapest from it (exp, sqrt, tanh, sigmoid).

extension Tensor {
    /// `f` applied elementwise, off the tape.
    func mapped(cost: Int = 1, _ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        Kernels.map(pointer, into: out.pointer, count: count, cost: cost, f)
        return out
    }

    /// `f(self[i], other[i])` for equal shapes, off the tape.
    func zipped(_ other: Tensor, cost: Int = 1, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "zip: shapes \(shape) and \(other.shape) differ")
        let out = Tensor(uninitializedShape: shape)
        Kernels.zip(pointer, other.pointer, into: out.pointer, count: count, cost: cost, f)
        return out
    }

    public func exp() -> Tensor {
        let out = mapped(cost: 8) { Foundation.exp($0) }
        return record(out, [self], "exp") { g, _ in [g.zipped(out, *)] }
    }

    public func log() -> Tensor {
        let out = mapped(cost: 8) { Foundation.log($0) }
        return record(out, [self], "log") { g, _ in [g.zipped(self, /)] }
    }

    public func sqrt() -> Tensor {
        let out = mapped(cost: 4) { $0.squareRoot() }
        return record(out, [self], "sqrt") { g, _ in [g.zipped(out) { g, y in g / (2 * y) }] }
    }

    public func tanh() -> Tensor {
        let out = mapped(cost: 8) { Activation.tanh($0) }
        return record(out, [self], "tanh") { g, _ in [g.zipped(out) { g, y in g * (1 - y * y) }] }
    }

    public func sigmoid() -> Tensor {
        let out = mapped(cost: 8) { Activation.sigmoid($0) }
        return record(out, [self], "sigmoid") { g, _ in [g.zipped(out) { g, y in g * y * (1 - y) }] }
    }

    public func relu() -> Tensor {
        let out = mapped { Swift.max($0, 0) }
        return record(out, [self], "relu") { g, _ in [g.zipped(self) { g, x in x > 0 ? g : 0 }] }
    }

    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        let out = mapped { $0 > 0 ? $0 : slope * $0 }
        return record(out, [self], "leakyRelu") { g, _ in [g.zipped(self) { g, x in x > 0 ? g : slope * g }] }
    }

    /// GELU, the exact form `x · Φ(x)` with Φ the standard normal CDF.
    public func gelu() -> Tensor {
        let out = mapped(cost: 16) { Activation.gelu($0) }
        return record(out, [self], "gelu") { g, _ in [g.zipped(self, cost: 16) { g, x in g * Activation.geluDerivative(x) }] }
    }

    /// `self` squared elementwise.
    public func squared() -> Tensor { self * self }
}

/// Scalar activation functions and derivatives, shared by the ops and the fused layer kernels.
public enum Activation {
    @inline(__always) public static func sigmoid(_ x: Float) -> Float {
        // Stable on both tails: exp never overflows.
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : { let e = Foundation.exp(x); return e / (1 + e) }()
    }
    @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) public static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.erf(x * 0.70710678)) }
    @inline(__always) public static func geluDerivative(_ x: Float) -> Float {
        0.5 * (1 + Foundation.erf(x * 0.70710678)) + x * 0.39894228 * Foundation.exp(-0.5 * x * x)
    }
}
