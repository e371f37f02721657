import Foundation

/// The scalar functions of the elementwise ops and their derivatives, as kernel structs.
/// Derivatives take the upstream gradient first, then the op's input or output.
public enum Fn {
    public struct Identity: UnaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float) -> Float { x } }
    public struct Affine: UnaryKernel {
        public let scale: Float, shift: Float
        public init(scale: Float, shift: Float) { self.scale = scale; self.shift = shift }
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { scale * x + shift }
    }
    public struct Add: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x + y } }
    public struct Sub: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x - y } }
    public struct Mul: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x * y } }
    public struct Div: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x / y } }
    /// `x` with `y` broadcast into it, used to materialise a broadcast.
    public struct First: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x } }

    public struct Exp: UnaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
    public struct Log: UnaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
    public struct Sqrt: UnaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    /// `g / (2·y)` for `y = √x`.
    public struct SqrtGrad: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g / (2 * y) } }

    public struct Tanh: UnaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) } }
    /// `g · (1 − y²)` for `y = tanh x`.
    public struct TanhGrad: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) } }

    public struct Sigmoid: UnaryKernel {
        public init() {}
        /// Stable on both tails: exp never overflows.
        @inline(__always) public func callAsFunction(_ x: Float) -> Float {
            let e = Foundation.exp(-abs(x))
            return x >= 0 ? 1 / (1 + e) : e / (1 + e)
        }
    }
    /// `g · y · (1 − y)` for `y = σ(x)`.
    public struct SigmoidGrad: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) } }

    public struct ReLU: UnaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ x: Float) -> Float { max(x, 0) } }
    /// `g` where the ReLU's input (or output) is positive, else 0.
    public struct ReLUGrad: BinaryKernel { public init() {}; @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 } }

    public struct LeakyReLU: UnaryKernel {
        public let slope: Float
        public init(slope: Float) { self.slope = slope }
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
    }
    public struct LeakyReLUGrad: BinaryKernel {
        public let slope: Float
        public init(slope: Float) { self.slope = slope }
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
    }

    /// GELU in its exact form, `x · Φ(x)`.
    public struct GELU: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.erf(x * 0.70710678)) }
    }
    public struct GELUGrad: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float {
            g * (0.5 * (1 + Foundation.erf(x * 0.70710678)) + x * 0.39894228 * Foundation.exp(-0.5 * x * x))
        }
    }
}
