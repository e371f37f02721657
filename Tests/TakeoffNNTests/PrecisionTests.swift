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

    /// The bf16 counterpart of the float32 gradient checks: the bf16 gradient against the float32 one (itself checked
    /// against finite differences), norm-wise, in units of bfloat16's roundoff u = 2⁻⁸. Each rounding moves a value by
    /// at most u relative; an entry of the first layer's gradient passes up to six rounded products (three forward,
    /// three backward), so without cancellation it is off by about 2u per product on its path, ≤ 12u. Summed over
    /// all parameters the errors of the large tensors dominate: at most 6u (measured 1.7–2.6u). A single small
    /// tensor (a bias, summed over every position and example) can lose more to cancellation: at most 16u each
    /// (measured up to 8.1u). The losses agree to within 4u, and the gradients are not float32's (rounding happens).
    @Test(arguments: [(1, "mlp"), (2, "mlp"), (1, "cnn"), (2, "relu-cnn")])
    func bf16GradientsAreFloat32sWithinTheRounding(threads: Int, network: String) {
        let make = ["mlp": TrainingStepTests.mlp, "cnn": TrainingStepTests.cnn, "relu-cnn": TrainingStepTests.reluCNN][network]!
        let (tape, planned) = TrainingStepTests.compare(make, batch: 8, threads: threads, precision: .bf16)
        #expect(abs(tape[0] - planned[0]) <= 4 * Self.u * abs(tape[0]))
        func norm<C: Collection<Float>>(_ v: C) -> Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let (fp32, bf16) = (tape.dropFirst(), planned.dropFirst())
        #expect(norm(zip(fp32, bf16).map { $0 - $1 }) <= 6 * Self.u * norm(fp32))
        for p in make().arena.parameters {
            let range = (1 + p.offset)..<(1 + p.offset + p.value.count)
            let (g, h) = (tape[range], planned[range])
            let error = norm(zip(g, h).map { $0 - $1 })
            #expect(error <= 16 * Self.u * norm(g), "\(p.name) of \(p.value.shape): ‖Δ‖ / ‖g‖ = \(error / norm(g) / Self.u) u")
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
