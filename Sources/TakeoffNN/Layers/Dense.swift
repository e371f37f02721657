import TakeoffEngine

/// A fully connected layer, `activation(x · Wᵀ + b)`, with W of shape [outputs, inputs]
/// (PyTorch's layout) and the bias and activation fused into one pass after the GEMM.
public final class Dense: Layer {
    public let outputs: Int
    public let activation: Activation
    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter!
    private var inputs = 0

    public init(_ outputs: Int, activation: Activation = .identity) {
        self.outputs = outputs
        self.activation = activation
    }

    public var summary: String { "Dense(\(outputs)\(activation == .identity ? "" : ", \(activation.rawValue)"))" }

    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        precondition(inputShape.count == 1, "Dense: expects flat inputs, got per-example shape \(inputShape); add Flatten()")
        inputs = inputShape[0]
        let w = Initializer(for: activation).tensor([outputs, inputs], fanIn: inputs, fanOut: outputs, rng: &rng)
        weight = Parameter(name: "weight", value: w, decays: true)
        bias = Parameter(name: "bias", value: .zeros([outputs]), decays: false)
        return [outputs]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        Tensor.dense(x, weight: weight.value, bias: bias.value, activation: activation)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public func flops(inputShape: [Int]) -> Int { 2 * inputs * outputs }
}

/// Flattens each example to one axis.
public final class Flatten: Layer {
    public init() {}
    public var summary: String { "Flatten" }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] { [inputShape.reduce(1, *)] }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { x.reshaped([x.shape[0], -1]) }
}

/// An activation on its own (after a layer that has none fused).
public final class ActivationLayer: Layer {
    public let activation: Activation
    public init(_ activation: Activation) { self.activation = activation }
    public var summary: String { activation.rawValue }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] { inputShape }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { x.activated(activation) }
}
