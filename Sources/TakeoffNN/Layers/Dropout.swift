import TakeoffEngine

/// Inverted dropout: zeroes each value with probability `p` while training, scaling the rest by 1/(1−p).
public final class Dropout: Layer {
    public let p: Float
    public init(_ p: Float) {
        precondition(p >= 0 && p < 1, "Dropout: probability \(p) must be in [0, 1)")
        self.p = p
    }
    public var summary: String { "Dropout(\(p))" }
    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        count = inputShape.reduce(1, *)
        return inputShape
    }
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        context.training ? x.dropout(p: p, rng: &context.rng) : x
    }
    private var count = 0
}

extension Dropout: BlockLayer {
    var drawsKey: Bool { p > 0 }

    func forward(_ pass: BlockPass) {
        if p == 0 { return pass.output.update(from: pass.input, count: pass.rows * count) }
        CPULoops.dropout(pass.input, into: pass.output, count: pass.rows * count, first: pass.firstRow * count, key: pass.key, p: p)
    }

    func backward(_ pass: BlockPass) {
        guard let dx = pass.inputGradient else { return }
        if p == 0 { return dx.update(from: pass.outputGradient, count: pass.rows * count) }
        CPULoops.dropout(pass.outputGradient, into: dx, count: pass.rows * count, first: pass.firstRow * count, key: pass.key, p: p)
    }
}
