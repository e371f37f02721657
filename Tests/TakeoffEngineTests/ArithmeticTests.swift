import Testing
import TakeoffEngine

@Suite struct ArithmeticTests {
    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 4], [3, 1]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]),
        ([2, 1, 4], [1, 3, 1]), ([5], []), ([], [2, 3]), ([1], [2, 2]), ([2, 3, 1, 2], [3, 5, 1]),
    ]

    @Test(arguments: shapePairs)
    func addSubMulDivGradients(a: [Int], b: [Int]) {
        let x = random(a, seed: 1), y = random(b, seed: 2), p = random(b, seed: 3, positive: true)
        expectGradients([x, y]) { $0[0] + $0[1] }
        expectGradients([x, y]) { $0[0] - $0[1] }
        expectGradients([x, y]) { $0[0] * $0[1] }
        expectGradients([x, p]) { $0[0] / $0[1] }
    }

    @Test func broadcastValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect((a + Tensor([10, 20, 30], shape: [3])).scalars == [11, 22, 33, 14, 25, 36])
        #expect((a * Tensor([2, 3], shape: [2, 1])).scalars == [2, 4, 6, 12, 15, 18])
        #expect((Tensor([1, 2], shape: [2, 1]) - Tensor([1, 2, 3], shape: [1, 3])).scalars == [0, -1, -2, 1, 0, -1])
        #expect((2 - a).scalars == [1, 0, -1, -2, -3, -4])
        #expect((a / 2).scalars == [0.5, 1, 1.5, 2, 2.5, 3])
    }

    @Test func scalarOpGradients() {
        let x = random([3, 2], seed: 4, positive: true)
        expectGradients([x]) { $0[0] * 3 + 1 }
        expectGradients([x]) { 2 / $0[0] - 1 }
        expectGradients([x]) { -$0[0] }
    }

    @Test func gradientsAccumulateAcrossBackwardPasses() {
        let x = Tensor([1, 2, 3], shape: [3]).requiringGrad()
        (x * x).sum().backward()
        (x * 2).sum().backward()
        #expect(x.grad?.scalars == [4, 6, 8])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func sharedSubexpressionGradientsAdd() {
        let x = Tensor([3], shape: [1]).requiringGrad()
        let y = x * x
        (y + y * x).sum().backward()   // d/dx (x² + x³) = 2x + 3x²
        #expect(x.grad?.scalars == [33])
    }

    @Test func noGradModeRecordsNothing() {
        let x = Tensor([1, 2], shape: [2]).requiringGrad()
        let y = withoutGradients { x * x }
        #expect(!y.requiresGrad)
        #expect((x * x).requiresGrad)
    }

    @Test func copyOnWriteKeepsValueSemantics() {
        let a = Tensor([1, 2, 3], shape: [3])
        var b = a
        b.withUnsafeMutableBufferPointer { $0[0] = 9 }
        #expect(a.scalars == [1, 2, 3])
        #expect(b.scalars == [9, 2, 3])
    }

    @Test func gradientCheckCatchesAWrongBackward() {
        let x = random([4], seed: 5)
        let report = GradientCheck.run([x]) { xs in
            let out = withoutGradients { xs[0] * xs[0] }
            return customOp(out, inputs: xs) { g, _ in [g * xs[0]] }   // wrong: should be 2·x·g
        }
        #expect(report.worst > 0.1)
    }

    @Test func largeElementwiseMatchesScalarLoop() {
        let x = random([300_001], seed: 6), y = random([300_001], seed: 7)
        let z = x * y + x
        let xs = x.scalars, ys = y.scalars, zs = z.scalars
        #expect((0..<xs.count).allSatisfy { zs[$0] == xs[$0] * ys[$0] + xs[$0] })
        #expect(abs(x.sum().item - xs.reduce(0, +)) < 1e-1)
    }
}
