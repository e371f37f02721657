import TakeoffEngine

/// A 2-D convolution over NCHW inputs, weight [out, in, k, k], with an optional activation.
public final class Conv2D: Layer {
    public let channels: Int, kernel: Int, stride: Int, padding: Int
    public let activation: Activation
    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter!
    private var outputSize = (h: 0, w: 0), inputChannels = 0

    /// `padding` defaults to "same" for odd kernels at stride 1 (`kernel / 2`).
    public init(_ channels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil, activation: Activation = .identity) {
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding ?? kernel / 2
        self.activation = activation
    }

    public var summary: String {
        "Conv2D(\(channels), \(kernel)×\(kernel)\(stride > 1 ? ", stride \(stride)" : "")\(activation == .identity ? "" : ", \(activation.rawValue)"))"
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        precondition(inputShape.count == 3, "Conv2D: expects per-example shape [C, H, W], got \(inputShape)")
        inputChannels = inputShape[0]
        let fanIn = inputChannels * kernel * kernel
        let w = Initializer(for: activation).tensor([channels, inputChannels, kernel, kernel], fanIn: fanIn,
                                                    fanOut: channels * kernel * kernel, rng: &rng)
        weight = Parameter(name: "weight", value: w, decays: true)
        bias = Parameter(name: "bias", value: .zeros([channels]), decays: false)
        outputSize = ((inputShape[1] + 2 * padding - kernel) / stride + 1, (inputShape[2] + 2 * padding - kernel) / stride + 1)
        return [channels, outputSize.h, outputSize.w]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        Tensor.conv2d(x, weight: weight.value, bias: bias.value, stride: stride, padding: padding, activation: activation)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public func flops(inputShape: [Int]) -> Int { 2 * channels * outputSize.h * outputSize.w * inputChannels * kernel * kernel }
}

/// 2-D max pooling over NCHW inputs.
public final class MaxPool2D: Layer {
    public let kernel: Int, stride: Int
    public init(_ kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
    }
    public var summary: String { "MaxPool2D(\(kernel))" }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        precondition(inputShape.count == 3, "MaxPool2D: expects per-example shape [C, H, W], got \(inputShape)")
        return [inputShape[0], (inputShape[1] - kernel) / stride + 1, (inputShape[2] - kernel) / stride + 1]
    }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { x.maxPool2d(kernel: kernel, stride: stride) }
}

/// Inverted dropout: zeroes each value with probability `p` while training, scaling the rest by 1/(1−p).
public final class Dropout: Layer {
    public let p: Float
    public init(_ p: Float) {
        precondition(p >= 0 && p < 1, "Dropout: probability \(p) must be in [0, 1)")
        self.p = p
    }
    public var summary: String { "Dropout(\(p))" }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] { inputShape }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        context.training ? x.dropout(p: p, rng: &context.rng) : x
    }
}
