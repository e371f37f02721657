import TakeoffEngine

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
