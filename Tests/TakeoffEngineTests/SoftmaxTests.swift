import Foundation
import Testing
import TakeoffEngine

@Suite struct SoftmaxTests {
    static let cases: [([Int], Int)] = [([5], -1), ([3, 4], -1), ([3, 4], 0), ([2, 3, 4], 1), ([4, 1], -1),
                                        ([1, 6], -1), ([2, 1, 3], -2)]

    @Test(arguments: cases)
    func gradients(shape: [Int], axis: Int) {
        let x = random(shape, seed: 1) * 3
        expectGradients([x]) { $0[0].softmax(axis: axis) }
        expectGradients([x]) { $0[0].logSoftmax(axis: axis) }
    }

    @Test func gradientsOverRandomShapes() {
        var rng = RandomGenerator(seed: 21)
        for k in 0..<12 {
            let (shape, axis) = randomShapeAndAxis(&rng)
            let x = random(shape, seed: UInt64(k)) * 3
            expectGradients([x]) { $0[0].softmax(axis: axis) }
            expectGradients([x]) { $0[0].logSoftmax(axis: axis) }
        }
    }

    @Test(arguments: cases)
    func matchesTheDefinition(shape: [Int], axis: Int) {
        let x = random(shape, seed: 2) * 3
        let e = x.exp()
        expectClose(x.softmax(axis: axis), e / e.sum(axis: axis, keepDims: true), tolerance: 1e-6)
        expectClose(x.logSoftmax(axis: axis), x - e.sum(axis: axis, keepDims: true).log(), tolerance: 1e-5)
        let rowSums = x.softmax(axis: axis).sum(axis: axis).scalars
        #expect(rowSums.allSatisfy { abs($0 - 1) < 1e-5 })
    }

    @Test func extremeLogitsStayFinite() {
        let x = Tensor([1000, -1000, 0, 1000, 1000, -1000], shape: [2, 3])
        let s = x.softmax()
        #expect(s.scalars == [1, 0, 0, 0.5, 0.5, 0])
        let l = x.logSoftmax()
        #expect(l.scalars.allSatisfy { $0.isFinite })
        expectClose(l, Tensor([0, -2000, -1000, -Float(M_LN2), -Float(M_LN2), -2000 - Float(M_LN2)], shape: [2, 3]))
        let loss = Tensor.softmaxCrossEntropy(logits: x, labels: [1, 0])
        #expect(abs(loss.item - (2000 + Float(M_LN2)) / 2) < 1e-3)
        let xg = x.requiringGrad()
        Tensor.softmaxCrossEntropy(logits: xg, labels: [1, 0]).backward()
        #expect(xg.grad!.scalars.allSatisfy { $0.isFinite })
    }

    @Test func largeLogitsKeepFullPrecision() {
        let x = Tensor([1000.5, 1000, -3000.25, -3000], shape: [2, 2])
        let a = Float(Foundation.log(1 + Foundation.exp(-0.5))), b = Float(Foundation.log(1 + Foundation.exp(-0.25)))
        expectClose(x.logSoftmax(), Tensor([-a, -0.5 - a, -0.25 - b, -b], shape: [2, 2]), tolerance: 1e-6)
        expectClose(Tensor.softmaxCrossEntropyPerRow(logits: x, labels: [1, 0]), Tensor([0.5 + a, 0.25 + b], shape: [2]), tolerance: 1e-6)
    }

    @Test(arguments: [(4, 3), (1, 5), (6, 1), (7, 2)])
    func crossEntropyMatchesLogSoftmaxAndHasGradients(n: Int, c: Int) {
        let x = random([n, c], seed: 3) * 4
        var rng = RandomGenerator(seed: 4)
        let labels = (0..<n).map { _ in rng.below(c) }
        let reference = -(x.logSoftmax() * Tensor.oneHot(labels, classes: c)).sum(axis: 1)
        expectClose(Tensor.softmaxCrossEntropyPerRow(logits: x, labels: labels), reference, tolerance: 1e-5)
        expectClose(Tensor.softmaxCrossEntropy(logits: x, labels: labels), reference.mean(), tolerance: 1e-5)
        expectGradients([x]) { Tensor.softmaxCrossEntropy(logits: $0[0], labels: labels) }
        expectGradients([x]) { Tensor.softmaxCrossEntropyPerRow(logits: $0[0], labels: labels) }
    }

    @Test func crossEntropyGradientIsSoftmaxMinusOneHotOverN() {
        let x = random([3, 4], seed: 5).requiringGrad()
        let labels = [2, 0, 3]
        Tensor.softmaxCrossEntropy(logits: x, labels: labels).backward()
        expectClose(x.grad!, (x.detached.softmax() - Tensor.oneHot(labels, classes: 4)) / 3, tolerance: 1e-6)
    }

    @Test func labelOutOfRangeNamesTheLabel() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.softmaxCrossEntropy(logits: Tensor.zeros([2, 3]), labels: [0, 3])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("label 3") && text.contains("[2, 3]"), "message: \(text)")
        }
    }
}
