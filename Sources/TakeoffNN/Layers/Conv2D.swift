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
