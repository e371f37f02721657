import TakeoffEngine

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
        geometry = PoolGeometry(height: inputShape[1], width: inputShape[2], kernel: kernel, stride: stride)
        channels = inputShape[0]
        return [inputShape[0], (inputShape[1] - kernel) / stride + 1, (inputShape[2] - kernel) / stride + 1]
    }
    private var geometry: PoolGeometry!
    private var channels = 0
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { x.maxPool2d(kernel: kernel, stride: stride) }
}

extension MaxPool2D: BlockLayer {
    func forward(_ pass: BlockPass) { geometry.forward(pass.input, planes: pass.rows * channels, into: pass.output) }

    func backward(_ pass: BlockPass) {
        guard let dx = pass.inputGradient else { return }
        geometry.backward(input: pass.input, outputGradient: pass.outputGradient, planes: pass.rows * channels, into: dx,
                          rectified: pass.reluDerivative == .fromPrevious)
    }
}
