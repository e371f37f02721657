import TakeoffEngine

/// What a forward pass needs besides its input: whether it trains (dropout, batch statistics)
/// and the random stream for dropout.
public struct ForwardContext {
    public var training: Bool
    public var rng: RandomGenerator

    public init(training: Bool, rng: RandomGenerator = RandomGenerator(seed: 0)) {
        self.training = training
        self.rng = rng
    }
}

/// A building block of a ``Sequential`` model. A layer is declared with its hyperparameters;
/// ``build(inputShape:rng:)`` then infers its input size and creates its parameters.
public protocol Layer: AnyObject {
    /// A short description for the model summary, e.g. `Dense(256, relu)`.
    var summary: String { get }
    /// Creates parameters for inputs of the given per-example shape; returns the output shape.
    func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int]
    /// Maps a batch [n, inputShape…] to [n, outputShape…].
    func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor
    /// Trainable parameters (empty for parameter-free layers).
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the model (e.g. running statistics).
    var buffers: [(name: String, value: Tensor)] { get }
    /// Restores a buffer read from a checkpoint.
    func setBuffer(_ name: String, _ value: Tensor)
    /// Multiply-adds ×2 per example, for the summary and throughput reports.
    func flops(inputShape: [Int]) -> Int
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [(name: String, value: Tensor)] { [] }
    public func setBuffer(_ name: String, _ value: Tensor) {}
    public func flops(inputShape: [Int]) -> Int { 0 }
}

/// Weight initialisation suited to the activation that follows.
public enum Initializer {
    /// He (Kaiming) normal, std √(2 / fanIn), for the ReLU family.
    case he
    /// Xavier/Glorot uniform, limit √(6 / (fanIn + fanOut)), for sigmoid and tanh.
    case xavier

    public init(for activation: Activation) { self = activation.prefersHeInit ? .he : .xavier }

    func tensor(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomGenerator) -> Tensor {
        switch self {
        case .he: return Tensor.randomNormal(shape, std: (2 / Float(fanIn)).squareRoot(), using: &rng)
        case .xavier:
            let limit = (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor.randomUniform(shape, low: -limit, high: limit, using: &rng)
        }
    }
}
