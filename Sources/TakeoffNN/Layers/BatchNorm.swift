import TakeoffEngine

/// Batch normalisation over the batch (and, for images, spatial) axes: per feature or channel,
/// normalise by the batch statistics while training and by running averages at inference,
/// then scale by γ and shift by β.
public final class BatchNorm: Layer {
    public let momentum: Float, epsilon: Float
    public private(set) var gamma: Parameter!
    public private(set) var beta: Parameter!
    private(set) var runningMean = Tensor.zeros([0]), runningVariance = Tensor.zeros([0])
    private var statShape: [Int] = [], axes: [Int] = []

    public init(momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var summary: String { "BatchNorm" }

    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        precondition(inputShape.count == 1 || inputShape.count == 3, "BatchNorm: expects [features] or [C, H, W], got \(inputShape)")
        let features = inputShape[0]
        // [1, F] for 1-D, [1, C, 1, 1] for 2-D; statistics over every other axis.
        statShape = inputShape.count == 1 ? [1, features] : [1, features, 1, 1]
        axes = inputShape.count == 1 ? [0] : [0, 2, 3]
        gamma = Parameter(name: "weight", value: .ones([features]), decays: false)
        beta = Parameter(name: "bias", value: .zeros([features]), decays: false)
        runningMean = .zeros([features])
        runningVariance = .ones([features])
        return inputShape
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let scale = gamma.value.reshaped(statShape), shift = beta.value.reshaped(statShape)
        if !context.training {
            let inv = withoutGradients { (runningVariance + epsilon).sqrt() }
            return (x - runningMean.reshaped(statShape)) / inv.reshaped(statShape) * scale + shift
        }
        let mean = x.mean(axes: axes, keepDims: true)
        let centered = x - mean
        let variance = centered.squared().mean(axes: axes, keepDims: true)
        withoutGradients {
            let n = Float(x.count / runningMean.count)
            runningMean = runningMean * (1 - momentum) + mean.detached.reshaped([-1]) * momentum
            runningVariance = runningVariance * (1 - momentum) + variance.detached.reshaped([-1]) * (momentum * n / Swift.max(n - 1, 1))
        }
        return centered / (variance + epsilon).sqrt() * scale + shift
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [(name: String, value: Tensor)] { [("running_mean", runningMean), ("running_var", runningVariance)] }
    public func setBuffer(_ name: String, _ value: Tensor) {
        if name == "running_mean" { runningMean = value } else if name == "running_var" { runningVariance = value }
    }
}
