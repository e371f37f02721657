import CVectorKernels
import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffNN

/// The optimizers' updates against the rules written out here, one parameter at a time.
@Suite struct OptimizerTests {
    /// Adam's rule for one parameter, in the order of the library's kernels: `(w, m, v)` after the step.
    static func adamRule(w: Float, g: Float, m: Float, v: Float, b1: Float, b2: Float, eps: Float, stepSize: Float, rootC2: Float,
                         gradDecay: Float, weightDecay: Float) -> (Float, Float, Float) {
        let grad = g + gradDecay * w
        let m = b1 * m + (1 - b1) * grad
        let v = b2 * v + (1 - b2) * grad * grad
        return (w - weightDecay * w - stepSize * m / (v.squareRoot() / rootC2 + eps), m, v)
    }

    /// Every instruction-set path gives the scalar rule's bits, over a length that leaves a tail after the vectors,
    /// with no decay, L2 decay and decoupled decay.
    @Test(arguments: [(Float(0), Float(0)), (1e-2, 0), (0, 3e-4)])
    func adamKernelIsTheScalarRuleAtEveryInstructionSet(gradDecay: Float, weightDecay: Float) {
        var rng = RandomGenerator(seed: 7)
        let count = 53
        let w = (0..<count).map { _ in rng.normal() }, g = (0..<count).map { _ in rng.normal() * 0.1 }
        let m = (0..<count).map { _ in rng.normal() * 0.01 }, v = (0..<count).map { _ in rng.uniform() * 1e-3 }
        let (b1, b2, eps, stepSize, rootC2): (Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 1e-3 / 0.19, 0.0447)
        let expected = (0..<count).map {
            Self.adamRule(w: w[$0], g: g[$0], m: m[$0], v: v[$0], b1: b1, b2: b2, eps: eps, stepSize: stepSize, rootC2: rootC2,
                          gradDecay: gradDecay, weightDecay: weightDecay)
        }
        for isa in (0...takeoff_best_isa().rawValue).map({ takeoff_isa(rawValue: $0) }) {
            var (w2, m2, v2) = (w, m, v)
            takeoff_adam(isa, &w2, g, &m2, &v2, count, b1, b2, eps, stepSize, rootC2, gradDecay, weightDecay)
            #expect((0..<count).allSatisfy { w2[$0] == expected[$0].0 && m2[$0] == expected[$0].1 && v2[$0] == expected[$0].2 },
                    "instruction set \(isa.rawValue)")
        }
    }

    /// Three steps of Adam and of AdamW on a model's arena follow the rule with bias correction, decaying the
    /// weights and not the biases.
    @Test(arguments: [false, true])
    func adamStepsFollowTheRuleWithBiasCorrection(decoupled: Bool) {
        let model = Sequential(inputShape: [5], seed: 3) { Dense(4, activation: .relu); Dense(3) }
        let arena = model.arena
        let decay: Float = 0.05, lr: Float = 0.01
        let optimizer = decoupled ? OptimizerKind.adamW(weightDecay: decay).make(for: arena) : OptimizerKind.adam(weightDecay: decay).make(for: arena)
        var w = arena.snapshot(), m = [Float](repeating: 0, count: arena.count), v = m
        var rng = RandomGenerator(seed: 11)
        #expect(arena.decayCount > 0 && arena.decayCount < arena.count)
        for t in 1...3 {
            let g = (0..<arena.count).map { _ in rng.normal() }
            for i in g.indices { arena.gradients.base[i] = g[i] }
            optimizer.step(arena, learningRate: lr)
            let (b1, b2): (Float, Float) = (0.9, 0.999)
            let c1 = 1 - Float(Foundation.pow(Double(b1), Double(t))), c2 = 1 - Float(Foundation.pow(Double(b2), Double(t)))
            for i in 0..<arena.count {
                let d: Float = i < arena.decayCount ? decay : 0
                (w[i], m[i], v[i]) = Self.adamRule(w: w[i], g: g[i], m: m[i], v: v[i], b1: b1, b2: b2, eps: 1e-8, stepSize: lr / c1,
                                                   rootC2: c2.squareRoot(), gradDecay: decoupled ? 0 : d, weightDecay: decoupled ? lr * d : 0)
            }
            #expect(arena.snapshot() == w, "step \(t)")
        }
    }
}
