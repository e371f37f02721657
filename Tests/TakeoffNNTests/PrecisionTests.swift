import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffNN

/// bfloat16 products: the rounding, and the planned step's gradients under ``Precision/bf16`` against float32's.
@Suite struct PrecisionTests {
    /// bfloat16's unit roundoff: 8 significant bits, rounded to nearest.
    static let u = Float(0x1p-8)

    static func rounded(_ values: [Float]) -> [Float] {
        var x = values
        x.withUnsafeMutableBufferPointer { Precision.roundToBF16($0.baseAddress!, count: $0.count) }
        return x
    }

    @Test func roundingIsToNearestEvenOnEightSignificantBits() {
        let x: [Float] = [1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-7, 1 + 0x1.8p-8, -2.5, 0, -0.0, .infinity, -.infinity,
                          .greatestFiniteMagnitude, 0x1.fep127]
        let y = Self.rounded(x)
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties go to the even 1; 1 + 3·2⁻⁸ to the even 1 + 2⁻⁶.
        let expected: [Float] = [1, 1, 1 + 0x1p-6, 1 + 0x1p-7, 1 + 0x1p-7, -2.5, 0, -0.0, .infinity, -.infinity, .infinity, 0x1.fep127]
        #expect(y.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(Self.rounded([.nan])[0].isNaN)
        var rng = RandomGenerator(seed: 3)
        let random = (0..<1000).map { _ in rng.normal() * 100 }
        let r = Self.rounded(random)
        let withinRoundoff = zip(random, r).allSatisfy { x, y in abs(x - y) <= Self.u * abs(x) }
        #expect(withinRoundoff)
        #expect(r.allSatisfy { $0.bitPattern & 0xffff == 0 })
        #expect(Self.rounded(r) == r)
    }

    /// Gradients of one batch by the float32 tape and by the bf16 planned step.
    static func gradients(_ make: () -> Sequential, batch: Int, threads: Int) -> (fp32: [[Float]], bf16: [[Float]], losses: (Float, Float)) {
        Parallel.withThreadCount(threads) {
            let (a, b) = (make(), make())
            let data = TrainingStepTests.data(a, rows: 2 * batch)
            let rows = Array(0..<batch)
            var context = ForwardContext(training: true, rng: RandomGenerator(seed: 11))
            a.arena.zeroGradients()
            let x = data.features.gather(rows, axis: 0).reshaped([rows.count] + a.inputShape)
            let loss = Loss.crossEntropy(a(x, context: &context), rows.map { data.labels[$0] })
            loss.backward()
            var rng = RandomGenerator(seed: 11)
            let step = TrainingStep(model: b, batch: batch, precision: .bf16)!
            let value = step.run(features: data.features, labels: data.labels, rows: rows[...], rng: &rng)
            func split(_ m: Sequential) -> [[Float]] {
                let flat = m.arena.flatGradients.scalars
                return m.arena.parameters.map { Array(flat[$0.offset..<($0.offset + $0.value.count)]) }
            }
            return (split(a), split(b), (loss.item, value))
        }
    }

    /// The bf16 counterpart of the float32 gradient checks: each parameter's bf16 gradient is within 8u (3.1%) of
    /// its float32 gradient (checked against finite differences elsewhere), norm-wise. Why 8u: a product's operands
    /// are each off by at most u, so each term by at most about 2u, and an error entering a layer's input carries
    /// through the layers after it; these networks have at most three products in a chain, and the sums' rounding
    /// in float32 is far smaller. The losses agree to within 4u, and the gradients are not float32's (the
    /// rounding happens).
    @Test(arguments: [(1, "mlp"), (2, "mlp"), (1, "cnn"), (2, "relu-cnn")])
    func bf16GradientsAreFloat32sWithinTheRounding(threads: Int, network: String) {
        let make = ["mlp": TrainingStepTests.mlp, "cnn": TrainingStepTests.cnn, "relu-cnn": TrainingStepTests.reluCNN][network]!
        let (fp32, bf16, losses) = Self.gradients(make, batch: 8, threads: threads)
        #expect(abs(losses.0 - losses.1) <= 4 * Self.u * abs(losses.0))
        func norm(_ v: [Float]) -> Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        for (g, h) in zip(fp32, bf16) {
            let error = norm(zip(g, h).map { $0 - $1 })
            #expect(error <= 8 * Self.u * norm(g), "‖Δ‖ / ‖g‖ = \(error / norm(g))")
        }
        #expect(fp32 != bf16)
    }

    /// bf16 is refused where the planned step does not run (a layer without a block form).
    @Test func bf16NeedsThePlannedStep() {
        let model = Sequential(inputShape: [4], seed: 1) { Dense(3); BatchNorm(); Dense(2) }
        var options = TrainingOptions()
        (options.epochs, options.precision) = (1, .bf16)
        let data = TrainingStepTests.data(model, rows: 16)
        #expect(throws: TrainingError.self) { try Trainer(options: options).fit(model, train: data, validation: nil, seed: 1) }
    }
}
