import Dispatch
import Foundation
import Synchronization
import Testing
import TakeoffEngine

/// Inputs large enough to be split across threads give exactly what the same op gives on
/// pieces small enough to stay on one thread.
@Suite struct ParallelPathTests {
    let x = random([400, 300], seed: 1) * 5

    func rows(_ t: Tensor, _ f: (Tensor) -> Tensor) -> [Float] {
        (0..<t.shape[0]).flatMap { f(t.slice(axis: 0, $0..<($0 + 1))).scalars }
    }

    @Test func softmaxFamily() {
        #expect(x.softmax().scalars == rows(x) { $0.softmax() })
        #expect(x.logSoftmax().scalars == rows(x) { $0.logSoftmax() })
        let labels = (0..<400).map { $0 * 7 % 300 }
        let perRow = Tensor.softmaxCrossEntropyPerRow(logits: x, labels: labels).scalars
        #expect(perRow == (0..<400).flatMap {
            Tensor.softmaxCrossEntropyPerRow(logits: x.slice(axis: 0, $0..<($0 + 1)), labels: [labels[$0]]).scalars
        })
        let xg = x.requiringGrad()
        Tensor.softmaxCrossEntropyPerRow(logits: xg, labels: labels).sum().backward()
        expectClose(xg.grad!, x.softmax() - Tensor.oneHot(labels, classes: 300), tolerance: 1e-6)
    }

    @Test func maxAndArgmax() {
        #expect(x.max(axis: 1).scalars == rows(x) { $0.max(axis: 1) })
        #expect(x.argmax(axis: 1) == (0..<400).flatMap { x.slice(axis: 0, $0..<($0 + 1)).argmax(axis: 1) })
        let columns = x.transposed()
        #expect(x.max(axis: 0).scalars == columns.max(axis: 1).scalars)
    }

    @Test func shapeOps() {
        let t = x.transposed()
        #expect(t.transposed().scalars == x.scalars)
        #expect((0..<300).allSatisfy { j in t.slice(axis: 0, j..<(j + 1)).scalars == (0..<400).map { x[$0, j] } })
        let picked = (0..<500).map { $0 * 13 % 400 }
        let g = x.gather(picked, axis: 0)
        #expect(g.scalars == picked.flatMap { x.slice(axis: 0, $0..<($0 + 1)).scalars })
        let cols = x.gather([299, 0, 150], axis: 1)
        #expect(cols.scalars == (0..<400).flatMap { [x[$0, 299], x[$0, 0], x[$0, 150]] })
        let xg = x.requiringGrad()
        xg.gather(picked, axis: 0).sum().backward()
        var counts = [Float](repeating: 0, count: 400)
        for p in picked { counts[p] += 1 }
        #expect(xg.grad!.scalars == counts.flatMap { [Float](repeating: $0, count: 300) })
    }

    @Test func maxPool() {
        let images = random([8, 16, 32, 32], seed: 2)
        let pooled = images.maxPool2d(kernel: 2)
        #expect(pooled.scalars == (0..<8).flatMap { images.slice(axis: 0, $0..<($0 + 1)).maxPool2d(kernel: 2).scalars })
    }

    @Test func overlappingSingleThreadedSectionsKeepOpenBLASOnOneThread() {
        // Sections of different lengths from several threads at once (as parallel curve workers make):
        // none may see another's exit restore the thread count while it is still inside.
        let sawMoreThanOne = Mutex(false)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            BLAS.singleThreaded {
                usleep(UInt32(1_000 * (i % 4 + 1)))
                if BLAS.threadCount != 1 { sawMoreThanOne.withLock { $0 = true } }
            }
        }
        #expect(!sawMoreThanOne.withLock { $0 })
    }
}
