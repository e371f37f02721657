import Testing
import TakeoffEngine

@Suite struct ReductionTests {
    static let cases: [([Int], Int)] = [([5], 0), ([3, 4], 1), ([3, 4], 0), ([2, 3, 4], -2), ([1, 4], -1),
                                        ([4, 1], -1), ([2, 1, 3], 1), ([3, 1, 2], -3)]

    /// Inputs spaced at least 0.05 apart, so no two elements tie and finite differences stay on one side.
    func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let n = Shape.count(shape)
        return Tensor(rng.permutation(n).map { Float($0) * 0.05 - 0.5 }, shape: shape)
    }

    @Test(arguments: cases)
    func maxGradients(shape: [Int], axis: Int) {
        let x = distinct(shape, seed: 1)
        expectGradients([x], epsilon: 1e-3) { $0[0].max(axis: axis) }
        expectGradients([x], epsilon: 1e-3) { $0[0].max(axis: axis, keepDims: true) * 2 }
        expectGradients([x], epsilon: 1e-3) { $0[0].max() }
    }

    @Test func maxGradientsOverRandomShapes() {
        var rng = RandomGenerator(seed: 20)
        for k in 0..<12 {
            let (shape, axis) = randomShapeAndAxis(&rng)
            let x = distinct(shape, seed: UInt64(k))
            expectGradients([x], epsilon: 1e-3) { $0[0].max(axis: axis) }
        }
    }

    @Test func maxValuesAndArgmax() {
        let x = Tensor([1, 7, 3, 7, 2, 0, 9, 9, -1], shape: [3, 3])
        #expect(x.max(axis: 1).scalars == [7, 7, 9])
        #expect(x.max(axis: 0).scalars == [9, 9, 3])
        #expect(x.max(axis: -1, keepDims: true).shape == [3, 1])
        #expect(x.max().item == 9)
        #expect(x.argmax(axis: 1) == [1, 0, 0])
        #expect(x.argmax(axis: 0) == [2, 2, 0])
        let big = Tensor([-5, -3, -4, -3], shape: [1, 4])
        #expect(big.argmax() == [1])
    }

    @Test func maxGradientGoesToTheFirstTie() {
        let x = Tensor([2, 5, 5, 1], shape: [4]).requiringGrad()
        x.max(axis: 0).backward()
        #expect(x.grad?.scalars == [0, 1, 0, 0])
    }

    @Test func argmaxOfAThreeDTensorIsRowMajorOverTheOtherAxes() {
        let x = distinct([2, 3, 4], seed: 3)
        let got = x.argmax(axis: 1)
        var want: [Int] = []
        for a in 0..<2 { for c in 0..<4 { want.append((0..<3).max { x[a, $0, c] < x[a, $1, c] }!) } }
        #expect(got == want)
    }

    @Test func badAxisNamesTheShape() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).max(axis: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("axis 2") && text.contains("[2, 3]"), "message: \(text)")
        }
    }

    @Test func accuracyCountsFirstMaxima() {
        let scores = Tensor([0.1, 0.9, 0.0,
                             0.5, 0.5, 0.0,   // a tie goes to the first maximum, class 0
                             0.2, 0.3, 0.5,
                             1.0, 0.0, 0.0], shape: [4, 3])
        #expect(scores.accuracy(labels: [1, 0, 2, 2]) == 0.75)
        #expect(scores.accuracy(labels: [1, 1, 2, 0]) == 0.75)
    }
}
