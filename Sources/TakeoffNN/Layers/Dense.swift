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

extension Dense: BlockLayer {
    var multiplies: Bool { true }
    var savedCount: Int { activation.function.derivativeReads == .input ? outputs : 0 }

    func forward(_ pass: BlockPass) {
        CPULoops.denseForward(pass.input, rows: pass.rows, inputs: inputs, weight: pass.value(weight), bias: bias.value.pointer,
                              outputs: outputs, activation: activation, into: pass.output, pre: savedCount > 0 ? pass.saved : nil)
    }

    /// The activation's derivative, the gradient rounded for the products where they take bfloat16, then the input's gradient.
    func backward(_ pass: BlockPass) {
        let (dz, count) = (pass.outputGradient, pass.rows * outputs)
        CPULoops.activationGradient(dz, output: pass.output, input: savedCount > 0 ? pass.saved : nil, into: dz, count: count, activation)
        pass.roundOperand(dz, count: count)
        guard let dx = pass.inputGradient else { return }
        CPULoops.denseInputGradient(dz, rows: pass.rows, inputs: inputs, weight: pass.value(weight), outputs: outputs, into: dx)
    }

    func parameterGradients(_ batch: BlockPass, part: Int, of parts: Int) {
        CPULoops.denseParameterGradients(batch.outputGradient, x: batch.input, rows: batch.rows, inputs: inputs, outputs: outputs,
                                         part: BlockPass.share(outputs, part, parts), weightGradient: batch.gradient(weight),
                                         biasGradient: batch.gradient(bias))
    }
}

/// Flattens each example to one axis.
public final class Flatten: Layer {
    public init() {}
    public var summary: String { "Flatten" }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] { [inputShape.reduce(1, *)] }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { x.reshaped([x.shape[0], -1]) }
}

extension Flatten: BlockLayer {
    var isView: Bool { true }
    func forward(_ pass: BlockPass) {}
    func backward(_ pass: BlockPass) {}
}

/// An activation on its own (after a layer that has none fused).
public final class ActivationLayer: Layer {
    public let activation: Activation
    private var count = 0
    public init(_ activation: Activation) { self.activation = activation }
    public var summary: String { activation.rawValue }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        count = inputShape.reduce(1, *)
        return inputShape
    }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { x.activated(activation) }
}

extension ActivationLayer: BlockLayer {
    func forward(_ pass: BlockPass) { CPULoops.activate(pass.input, into: pass.output, count: pass.rows * count, activation) }
    func backward(_ pass: BlockPass) {
        guard let dx = pass.inputGradient else { return }
        CPULoops.activationGradient(pass.outputGradient, output: pass.output, input: pass.input, into: dx, count: pass.rows * count, activation)
    }
}
