// The activation functions, each described once (``ActivationFunction``): its forward and derivative
// as scalar kernels with their CPU and CUDA forms (Core/Functions.swift), which value the derivative
// reads, its parameters and its cost. The elementwise ops, the fused dense layer and the convolution
// all consult that one description; ``Activation`` names them, and ``Activation/visit(_:)`` is the
// one switch from a name to its description.

/// The activation functions Takeoff's layers offer.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case identity, sigmoid, tanh, relu
    case leakyRelu = "leaky-relu"
    case gelu

    /// Whether the family wants He initialisation (ReLU-like) rather than Xavier/Glorot.
    public var prefersHeInit: Bool { self == .relu || self == .leakyRelu || self == .gelu }

    /// The description of this activation, for code that needs no specialised loop (CUDA sources,
    /// buffer planning). CPU loops use ``visit(_:)`` so that the scalar functions are inlined.
    public var function: any ActivationFunction { visit(Erase()) }

    /// Calls `visitor` with this activation's description as a concrete type: the one switch over
    /// activations. A visitor's generic method is specialised per activation, so a loop inside it
    /// inlines the scalar function (no call per element).
    @inline(__always)
    func visit<V: ActivationVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .identity: visitor(IdentityActivation())
        case .sigmoid: visitor(SigmoidActivation())
        case .tanh: visitor(TanhActivation())
        case .relu: visitor(ReLUActivation())
        case .leakyRelu: visitor(LeakyReLUActivation(slope: LeakyReLUActivation.defaultSlope))
        case .gelu: visitor(GELUActivation())
        }
    }

    private struct Erase: ActivationVisitor {
        func callAsFunction<A: ActivationFunction>(_ a: A) -> any ActivationFunction { a }
    }
}

/// Which value an activation's derivative is computed from.
public enum DerivativeOperand: Sendable {
    /// The pre-activation `x` (kept by the fused layers only for such activations).
    case input
    /// The activation's output `y`.
    case output
}

/// One activation function: `forward` is `y = f(x)`; `derivative(g, v)` is `g · f′` from the upstream
/// gradient `g` and `v`, the input or the output as ``derivativeReads`` says. Both carry their CUDA C
/// forms, so the GPU's kernels are generated from the same description.
public protocol ActivationFunction: Sendable {
    associatedtype Forward: UnaryFunction
    associatedtype Derivative: BinaryFunction
    /// The name of the elementwise op on the tape.
    var name: StaticString { get }
    var forward: Forward { get }
    var derivative: Derivative { get }
    var derivativeReads: DerivativeOperand { get }
    /// The work per element of forward and derivative relative to an add, for ``Parallel``'s grain.
    var forwardCost: Int { get }
    var derivativeCost: Int { get }
}

/// A generic function over activation descriptions, for ``Activation/visit(_:)``.
protocol ActivationVisitor {
    associatedtype Result
    func callAsFunction<A: ActivationFunction>(_ activation: A) -> Result
}

public struct IdentityActivation: ActivationFunction {
    public init() {}
    public var name: StaticString { "identity" }
    public var forward: Fn.Identity { Fn.Identity() }
    public var derivative: Fn.First { Fn.First() }
    public var derivativeReads: DerivativeOperand { .output }
    public var forwardCost: Int { 1 }
    public var derivativeCost: Int { 1 }
}

public struct SigmoidActivation: ActivationFunction {
    public init() {}
    public var name: StaticString { "sigmoid" }
    public var forward: Fn.Sigmoid { Fn.Sigmoid() }
    public var derivative: Fn.SigmoidGrad { Fn.SigmoidGrad() }
    public var derivativeReads: DerivativeOperand { .output }
    public var forwardCost: Int { 8 }
    public var derivativeCost: Int { 1 }
}

public struct TanhActivation: ActivationFunction {
    public init() {}
    public var name: StaticString { "tanh" }
    public var forward: Fn.Tanh { Fn.Tanh() }
    public var derivative: Fn.TanhGrad { Fn.TanhGrad() }
    public var derivativeReads: DerivativeOperand { .output }
    public var forwardCost: Int { 8 }
    public var derivativeCost: Int { 1 }
}

/// ReLU's derivative reads the output: `max(x, 0) > 0` exactly where `x > 0` (NaN included), so the
/// input need not be kept.
public struct ReLUActivation: ActivationFunction {
    public init() {}
    public var name: StaticString { "relu" }
    public var forward: Fn.ReLU { Fn.ReLU() }
    public var derivative: Fn.ReLUGrad { Fn.ReLUGrad() }
    public var derivativeReads: DerivativeOperand { .output }
    public var forwardCost: Int { 1 }
    public var derivativeCost: Int { 1 }
}

public struct LeakyReLUActivation: ActivationFunction {
    /// The slope of ``Activation/leakyRelu`` and the default of ``Tensor/leakyRelu(slope:)``.
    public static let defaultSlope: Float = 0.01
    public let slope: Float
    public init(slope: Float = LeakyReLUActivation.defaultSlope) { self.slope = slope }
    public var name: StaticString { "leakyRelu" }
    public var forward: Fn.LeakyReLU { Fn.LeakyReLU(slope: slope) }
    public var derivative: Fn.LeakyReLUGrad { Fn.LeakyReLUGrad(slope: slope) }
    public var derivativeReads: DerivativeOperand { .input }
    public var forwardCost: Int { 1 }
    public var derivativeCost: Int { 1 }
}

public struct GELUActivation: ActivationFunction {
    public init() {}
    public var name: StaticString { "gelu" }
    public var forward: Fn.GELU { Fn.GELU() }
    public var derivative: Fn.GELUGrad { Fn.GELUGrad() }
    public var derivativeReads: DerivativeOperand { .input }
    public var forwardCost: Int { 16 }
    public var derivativeCost: Int { 16 }
}

// MARK: The CPU loops of the fused layers

extension ActivationFunction {
    /// `y = f(y)` in place over `count` elements.
    @inline(__always)
    func activate(_ y: UnsafeMutablePointer<Float>, count: Int) {
        let f = forward
        for j in 0..<count { y[j] = f(y[j]) }
    }

    /// `dz = g · f′` over `count` elements, from the output `y` or the input `x` as ``derivativeReads`` says.
    @inline(__always)
    func gradient(_ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, input x: UnsafePointer<Float>?,
                  into dz: UnsafeMutablePointer<Float>, count: Int) {
        let d = derivative
        let v = derivativeReads == .input ? x! : y
        for j in 0..<count { let gj = g[j]; dz[j] = d(gj, v[j]) }  // unconditional load: vectorises
    }
}

extension Tensor {
    /// The activation applied elementwise (an op on the tape; `self` for identity).
    public func activated(_ activation: Activation) -> Tensor {
        activation == .identity ? self : activation.visit(Elementwise(input: self))
    }

    /// `f` applied elementwise, with its derivative from the description on the tape.
    func activated<A: ActivationFunction>(_ f: A) -> Tensor {
        let out = mapped(cost: f.forwardCost, f.forward)
        let operand = f.derivativeReads == .input ? self : out
        return record(out, [self], f.name) { g, _ in [g.zipped(operand, cost: f.derivativeCost, f.derivative)] }
    }

    private struct Elementwise: ActivationVisitor {
        let input: Tensor
        func callAsFunction<A: ActivationFunction>(_ f: A) -> Tensor { input.activated(f) }
    }

    public func tanh() -> Tensor { activated(TanhActivation()) }
    public func sigmoid() -> Tensor { activated(SigmoidActivation()) }
    public func relu() -> Tensor { activated(ReLUActivation()) }
    public func leakyRelu(slope: Float = LeakyReLUActivation.defaultSlope) -> Tensor { activated(LeakyReLUActivation(slope: slope)) }
    /// GELU, the exact form `x · Φ(x)` with Φ the standard normal CDF.
    public func gelu() -> Tensor { activated(GELUActivation()) }
}

extension ActivationFunction {
    /// The forward's CUDA C form (every activation has one).
    var cudaForward: CUDAExpression { forward.cuda! }
    /// The derivative's CUDA C form, in the upstream gradient and the operand ``derivativeReads`` names.
    var cudaDerivative: CUDAExpression { derivative.cuda! }
}

extension Activation {
    /// Whether a fused layer must keep the pre-activation for backward.
    var derivativeReadsInput: Bool { function.derivativeReads == .input }

    /// `y = f(y)` in place over `count` elements (nothing for identity): one switch, then a loop with
    /// the scalar function inlined.
    @inline(__always)
    func activate(_ y: UnsafeMutablePointer<Float>, count: Int) {
        if self != .identity { visit(Activate(y: y, count: count)) }
    }

    /// `dz = g ⊙ f′` over `count` elements, from the output `y` or the input `x` as the activation says.
    @inline(__always)
    func gradient(_ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, input x: UnsafePointer<Float>?,
                  into dz: UnsafeMutablePointer<Float>, count: Int) {
        visit(Gradient(g: g, y: y, x: x, dz: dz, count: count))
    }

    private struct Activate: ActivationVisitor {
        let y: UnsafeMutablePointer<Float>, count: Int
        @inline(__always) func callAsFunction<A: ActivationFunction>(_ f: A) { f.activate(y, count: count) }
    }

    private struct Gradient: ActivationVisitor {
        let g: UnsafePointer<Float>, y: UnsafePointer<Float>, x: UnsafePointer<Float>?, dz: UnsafeMutablePointer<Float>, count: Int
        @inline(__always) func callAsFunction<A: ActivationFunction>(_ f: A) { f.gradient(g, output: y, input: x, into: dz, count: count) }
    }
}
