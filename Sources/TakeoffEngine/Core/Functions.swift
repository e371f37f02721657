import Foundation

/// The scalar functions of the elementwise ops and their derivatives, as kernel structs. Each
/// gives its CPU form (`callAsFunction`) and, beside it, its CUDA C form (`cuda`), from which the
/// GPU's elementwise kernels are generated. Derivatives take the upstream gradient first, then the
/// op's input or output.
public enum Fn {
    public struct Identity: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x }
        public var cuda: CUDAExpression? { CUDAExpression("x") }
    }
    public struct Affine: UnaryKernel {
        public let scale: Float, shift: Float
        public init(scale: Float, shift: Float) { self.scale = scale; self.shift = shift }
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { scale * x + shift }
        public var cuda: CUDAExpression? { CUDAExpression("p0 * x + p1", scale, shift) }
    }
    public struct Add: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x + y }
        public var cuda: CUDAExpression? { CUDAExpression("x + y") }
    }
    public struct Sub: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x - y }
        public var cuda: CUDAExpression? { CUDAExpression("x - y") }
    }
    public struct Mul: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x * y }
        public var cuda: CUDAExpression? { CUDAExpression("x * y") }
    }
    public struct Div: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x / y }
        public var cuda: CUDAExpression? { CUDAExpression("x / y") }
    }
    /// `x` with `y` broadcast into it, used to materialise a broadcast.
    public struct First: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x }
        public var cuda: CUDAExpression? { CUDAExpression("x") }
    }

    public struct Exp: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) }
        public var cuda: CUDAExpression? { CUDAExpression("expf(x)") }
    }
    public struct Log: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.log(x) }
        public var cuda: CUDAExpression? { CUDAExpression("logf(x)") }
    }
    public struct Sqrt: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
        public var cuda: CUDAExpression? { CUDAExpression("sqrtf(x)") }
    }
    /// `g / (2·y)` for `y = √x`.
    public struct SqrtGrad: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g / (2 * y) }
        public var cuda: CUDAExpression? { CUDAExpression("x / (2.0f * y)") }
    }

    public struct Tanh: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) }
        public var cuda: CUDAExpression? { CUDAExpression("tanhf(x)") }
    }
    /// `g · (1 − y²)` for `y = tanh x`.
    public struct TanhGrad: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
        public var cuda: CUDAExpression? { CUDAExpression("x * (1.0f - y * y)") }
    }

    public struct Sigmoid: UnaryKernel {
        public init() {}
        /// Stable on both tails: exp never overflows.
        @inline(__always) public func callAsFunction(_ x: Float) -> Float {
            let e = Foundation.exp(-abs(x))
            return x >= 0 ? 1 / (1 + e) : e / (1 + e)
        }
        public var cuda: CUDAExpression? { CUDAExpression("(x >= 0.0f ? 1.0f : expf(-fabsf(x))) / (1.0f + expf(-fabsf(x)))") }
    }
    /// `g · y · (1 − y)` for `y = σ(x)`.
    public struct SigmoidGrad: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
        public var cuda: CUDAExpression? { CUDAExpression("x * y * (1.0f - y)") }
    }

    public struct ReLU: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { max(x, 0) }
        public var cuda: CUDAExpression? { CUDAExpression("(0.0f >= x ? 0.0f : x)") }  // NaN passes, as Swift.max(x, 0) lets it
    }
    /// `g` where the ReLU's input (or output) is positive, else 0.
    public struct ReLUGrad: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 }
        public var cuda: CUDAExpression? { CUDAExpression("(y > 0.0f ? x : 0.0f)") }
    }

    public struct LeakyReLU: UnaryKernel {
        public let slope: Float
        public init(slope: Float) { self.slope = slope }
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
        public var cuda: CUDAExpression? { CUDAExpression("(x > 0.0f ? x : p0 * x)", slope) }
    }
    public struct LeakyReLUGrad: BinaryKernel {
        public let slope: Float
        public init(slope: Float) { self.slope = slope }
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
        public var cuda: CUDAExpression? { CUDAExpression("(y > 0.0f ? x : p0 * x)", slope) }
    }

    /// GELU in its exact form, `x · Φ(x)`.
    public struct GELU: UnaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.erf(x * 0.70710678)) }
        public var cuda: CUDAExpression? { CUDAExpression("0.5f * x * (1.0f + erff(x * 0.70710678f))") }
    }
    public struct GELUGrad: BinaryKernel {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float {
            g * (0.5 * (1 + Foundation.erf(x * 0.70710678)) + x * 0.39894228 * Foundation.exp(-0.5 * x * x))
        }
        public var cuda: CUDAExpression? {
            CUDAExpression("x * (0.5f * (1.0f + erff(y * 0.70710678f)) + y * 0.39894228f * expf(-0.5f * y * y))")
        }
    }
}

/// A scalar function in CUDA C: an expression in `x` (unary) or `x` and `y` (binary), where `p0`
/// and `p1` stand for the function's parameters (a slope, a scale), passed at launch.
public struct CUDAExpression: Sendable, Hashable {
    public let code: String
    public let parameters: [Float]

    public init(_ code: String, _ parameters: Float...) {
        precondition(parameters.count <= 2, "CUDAExpression: at most two parameters (p0, p1)")
        self.code = code
        self.parameters = parameters
    }

    /// `p0` and `p1` as launch arguments (unused ones are 0).
    var arguments: [KernelArgument] {
        [.float(parameters.first ?? 0), .float(parameters.count > 1 ? parameters[1] : 0)]
    }
}
