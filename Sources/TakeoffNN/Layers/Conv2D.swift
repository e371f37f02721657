import TakeoffEngine

/// A 2-D convolution over NCHW inputs, weight [out, in, k, k], with an optional activation.
public final class Conv2D: Layer {
    public let channels: Int, kernel: Int, stride: Int, padding: Int
    public let activation: Activation
    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter!
    private var outputSize = (h: 0, w: 0), inputChannels = 0
    private var geometry: ConvGeometry!

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
        geometry = ConvGeometry(channels: inputChannels, height: inputShape[1], width: inputShape[2], filters: channels,
                                kernel: kernel, stride: stride, padding: padding)
        return [channels, outputSize.h, outputSize.w]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        Tensor.conv2d(x, weight: weight.value, bias: bias.value, stride: stride, padding: padding, activation: activation)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public func flops(inputShape: [Int]) -> Int { 2 * channels * outputSize.h * outputSize.w * inputChannels * kernel * kernel }
}

extension Conv2D: BlockLayer {
    var multiplies: Bool { true }
    var savedCount: Int { activation.function.derivativeReads == .input ? geometry.outputCount : 0 }
    var scratchCount: Int { geometry.scratchCount }

    func forward(_ pass: BlockPass) {
        geometry.forward(images: pass.input, count: pass.rows, weight: pass.value(weight), bias: bias.value.pointer,
                         activation: activation, into: pass.output, pre: savedCount > 0 ? pass.saved : nil, scratch: pass.scratch)
    }

    var partialCount: Int { weight.value.count + bias.value.count }

    /// The input's gradient, and the block's weight and bias gradients summed over its images. Where the products
    /// take bfloat16, the activation's derivative is applied first and the gradient rounded.
    func backward(_ pass: BlockPass) {
        pass.partial.update(repeating: 0, count: partialCount)
        var activation = pass.reluDerivative == .movedToNext ? .identity : activation
        if pass.roundsOperands {
            let count = pass.rows * geometry.outputCount
            CPULoops.activationGradient(pass.outputGradient, output: pass.output, input: savedCount > 0 ? pass.saved : nil,
                                        into: pass.outputGradient, count: count, activation)
            pass.roundOperand(pass.outputGradient, count: count)
            activation = .identity
        }
        geometry.backward(images: pass.input, count: pass.rows, outputGradient: pass.outputGradient, output: pass.output,
                          pre: savedCount > 0 ? UnsafePointer(pass.saved) : nil, weight: pass.value(weight),
                          activation: activation,
                          weightGradient: pass.partial, biasGradient: pass.partial + weight.value.count,
                          inputGradient: pass.inputGradient, scratch: pass.scratch)
    }

    /// The blocks' sums added in block order.
    func parameterGradients(_ batch: BlockPass, part: Int, of parts: Int) {
        let weights = weight.value.count
        CPULoops.sumBlocks(batch.partial, stride: partialCount, blocks: batch.blocks, range: BlockPass.share(weights, part, parts),
                           into: batch.gradient(weight))
        CPULoops.sumBlocks(batch.partial + weights, stride: partialCount, blocks: batch.blocks,
                           range: BlockPass.share(bias.value.count, part, parts), into: batch.gradient(bias))
    }
}
