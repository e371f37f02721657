import Foundation

/// A scalar function applied elementwise. CPULoops take these as generic structs rather than
/// closures so the compiler inlines them into the threaded loops (a closure called per element
/// from another thread is not inlined and runs several times slower).
public protocol UnaryFunction {
    func callAsFunction(_ x: Float) -> Float
    /// The same function in CUDA C, for CUDA tensors (`nil`: the op runs on the CPU only).
    var cuda: CUDAExpression? { get }
}

/// A scalar function of two arguments applied elementwise.
public protocol BinaryFunction {
    func callAsFunction(_ x: Float, _ y: Float) -> Float
    /// The same function in CUDA C, for CUDA tensors (`nil`: the op runs on the CPU only).
    var cuda: CUDAExpression? { get }
}

extension UnaryFunction { public var cuda: CUDAExpression? { nil } }
extension BinaryFunction { public var cuda: CUDAExpression? { nil } }

/// The scalar functions of the elementwise ops and their derivatives, as kernel structs. Each
/// gives its CPU form (`callAsFunction`) and, beside it, its CUDA C form (`cuda`), from which the
/// GPU's elementwise kernels are generated. Derivatives take the upstream gradient `g` first, then the
/// op's input `x` or output `y`; the CUDA form names its operands as the Swift form does.
public enum Fn {
    public struct Identity: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x }
        public var cuda: CUDAExpression? { CUDAExpression("x") }
    }
    public struct Affine: UnaryFunction {
        public let scale: Float, shift: Float
        public init(scale: Float, shift: Float) { self.scale = scale; self.shift = shift }
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { scale * x + shift }
        public var cuda: CUDAExpression? { CUDAExpression("p0 * x + p1", scale, shift) }
    }
    public struct Add: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x + y }
        public var cuda: CUDAExpression? { CUDAExpression("x + y") }
    }
    public struct Sub: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x - y }
        public var cuda: CUDAExpression? { CUDAExpression("x - y") }
    }
    public struct Mul: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x * y }
        public var cuda: CUDAExpression? { CUDAExpression("x * y") }
    }
    public struct Div: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x / y }
        public var cuda: CUDAExpression? { CUDAExpression("x / y") }
    }
    /// `x` with `y` broadcast into it, used to materialise a broadcast.
    public struct First: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float, _ y: Float) -> Float { x }
        public var cuda: CUDAExpression? { CUDAExpression("x") }
    }

    public struct Exp: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) }
        public var cuda: CUDAExpression? { CUDAExpression("expf(x)") }
    }
    public struct Log: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.log(x) }
        public var cuda: CUDAExpression? { CUDAExpression("logf(x)") }
    }
    public struct Sqrt: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
        public var cuda: CUDAExpression? { CUDAExpression("sqrtf(x)") }
    }
    /// `g / (2·y)` for `y = √x`.
    public struct SqrtGrad: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g / (2 * y) }
        public var cuda: CUDAExpression? { CUDAExpression("g / (2.0f * y)", variables: ["g", "y"]) }
    }

    public struct Tanh: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) }
        public var cuda: CUDAExpression? { CUDAExpression("tanhf(x)") }
    }
    /// `g · (1 − y²)` for `y = tanh x`.
    public struct TanhGrad: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
        public var cuda: CUDAExpression? { CUDAExpression("g * (1.0f - y * y)", variables: ["g", "y"]) }
    }

    public struct Sigmoid: UnaryFunction {
        public init() {}
        /// Stable on both tails: exp never overflows.
        @inline(__always) public func callAsFunction(_ x: Float) -> Float {
            let e = Foundation.exp(-abs(x))
            return x >= 0 ? 1 / (1 + e) : e / (1 + e)
        }
        public var cuda: CUDAExpression? { CUDAExpression("(x >= 0.0f ? 1.0f : expf(-fabsf(x))) / (1.0f + expf(-fabsf(x)))") }
    }
    /// `g · y · (1 − y)` for `y = σ(x)`.
    public struct SigmoidGrad: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
        public var cuda: CUDAExpression? { CUDAExpression("g * y * (1.0f - y)", variables: ["g", "y"]) }
    }

    public struct ReLU: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { max(x, 0) }
        public var cuda: CUDAExpression? { CUDAExpression("(0.0f >= x ? 0.0f : x)") }  // NaN passes, as Swift.max(x, 0) lets it
    }
    /// `g` where the ReLU's output `y` is positive (exactly where its input is), else 0.
    public struct ReLUGrad: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 }
        public var cuda: CUDAExpression? { CUDAExpression("(y > 0.0f ? g : 0.0f)", variables: ["g", "y"]) }
    }

    public struct LeakyReLU: UnaryFunction {
        public let slope: Float
        public init(slope: Float) { self.slope = slope }
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
        public var cuda: CUDAExpression? { CUDAExpression("(x > 0.0f ? x : p0 * x)", slope) }
    }
    /// `g` where the input `x` is positive, else `slope · g`.
    public struct LeakyReLUGrad: BinaryFunction {
        public let slope: Float
        public init(slope: Float) { self.slope = slope }
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
        public var cuda: CUDAExpression? { CUDAExpression("(x > 0.0f ? g : p0 * g)", variables: ["g", "x"], slope) }
    }

    /// GELU in its exact form, `x · Φ(x)`.
    public struct GELU: UnaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.erf(x * 0.70710678)) }
        public var cuda: CUDAExpression? { CUDAExpression("0.5f * x * (1.0f + erff(x * 0.70710678f))") }
    }
    /// `g · (Φ(x) + x · φ(x))`, GELU's derivative at the input `x`.
    public struct GELUGrad: BinaryFunction {
        public init() {}
        @inline(__always) public func callAsFunction(_ g: Float, _ x: Float) -> Float {
            g * (0.5 * (1 + Foundation.erf(x * 0.70710678)) + x * 0.39894228 * Foundation.exp(-0.5 * x * x))
        }
        public var cuda: CUDAExpression? {
            CUDAExpression("g * (0.5f * (1.0f + erff(x * 0.70710678f)) + x * 0.39894228f * expf(-0.5f * x * x))", variables: ["g", "x"])
        }
    }
}

/// A scalar function in CUDA C: an expression in its operands, named as ``variables`` says (by default
/// `x` for a unary function, `x` and `y` for a binary one), where `p0` and `p1` stand for the
/// function's parameters (a slope, a scale), passed at launch.
public struct CUDAExpression: Sendable, Hashable {
    public let code: String
    public let parameters: [Float]
    /// The operands' names in call order, the same names as the Swift form's parameters.
    public let variables: [String]

    public init(_ code: String, variables: [String] = ["x", "y"], _ parameters: Float...) {
        precondition(parameters.count <= 2, "CUDAExpression: at most two parameters (p0, p1)")
        precondition(variables.count == 2, "CUDAExpression: name both operands (a unary function ignores the second)")
        self.code = code
        self.parameters = parameters
        self.variables = variables
    }

    /// `p0` and `p1` as launch arguments (unused ones are 0).
    var arguments: [KernelArgument] {
        [.float(parameters.first ?? 0), .float(parameters.count > 1 ? parameters[1] : 0)]
    }

    /// The C declarations binding the operands to `values` (one for a unary function, two for a binary one).
    func bind(_ values: String...) -> String {
        "float " + zip(variables, values).map { "\($0) = \($1)" }.joined(separator: ", ") + ";"
    }

    /// What tells two generated kernels apart: the names and the code.
    var key: String { variables.joined(separator: ",") + ":" + code }
}
