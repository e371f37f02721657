import Testing
import TakeoffEngine

@Suite struct DropoutTests {
    @Test func maskHasTheRightValuesAndRate() {
        var rng = RandomGenerator(seed: 1)
        let m = Tensor.dropoutMask(shape: [100, 100], p: 0.3, rng: &rng)
        let values = Set(m.scalars)
        #expect(values == [0, 1 / (1 - 0.3)])
        let dropped = m.scalars.filter { $0 == 0 }.count
        #expect(abs(Float(dropped) / 10_000 - 0.3) < 0.02)
        #expect(abs(m.mean().item - 1) < 0.03)
    }

    @Test func sameSeedSameMask() {
        var a = RandomGenerator(seed: 2), b = RandomGenerator(seed: 2), c = RandomGenerator(seed: 3)
        let x = random([4, 5], seed: 4)
        #expect(x.dropout(p: 0.5, rng: &a).scalars == x.dropout(p: 0.5, rng: &b).scalars)
        #expect(Tensor.dropoutMask(shape: [64], p: 0.5, rng: &a).scalars != Tensor.dropoutMask(shape: [64], p: 0.5, rng: &c).scalars)
    }

    @Test func zeroProbabilityIsIdentityAndDrawsNothing() {
        var rng = RandomGenerator(seed: 5), fresh = RandomGenerator(seed: 5)
        let x = random([3, 3], seed: 6)
        #expect(x.dropout(p: 0, rng: &rng).scalars == x.scalars)
        #expect(rng.next() == fresh.next())
    }

    @Test func gradientFlowsThroughTheMask() {
        var rng = RandomGenerator(seed: 7), replay = RandomGenerator(seed: 7)
        let x = random([6, 7], seed: 8).requiringGrad()
        let y = x.dropout(p: 0.4, rng: &rng)
        y.sum().backward()
        let mask = Tensor.dropoutMask(shape: [6, 7], p: 0.4, rng: &replay)
        #expect(x.grad?.scalars == mask.scalars)
        expectClose(y.detached, x.detached * mask, tolerance: 0)
    }

    @Test func gradientCheckWithAFixedMask() {
        expectGradients([random([3, 1, 4], seed: 9)]) { xs in
            var rng = RandomGenerator(seed: 10)
            return xs[0].dropout(p: 0.3, rng: &rng)
        }
    }

    @Test func probabilityOutOfRangeIsNamed() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RandomGenerator(seed: 1)
            _ = Tensor.zeros([2]).dropout(p: 1, rng: &rng)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("probability 1.0") && text.contains("[2]"), "message: \(text)")
        }
    }
}
