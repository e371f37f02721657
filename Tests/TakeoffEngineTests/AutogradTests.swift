import Testing
import TakeoffEngine

@Suite struct AutogradTests {
    @Test func retainedGraphBackPropagatesTwice() {
        let x = Tensor([2], shape: [1]).requiringGrad()
        let h = x * x
        (h * 3).sum().backward(retainGraph: true)
        (h * 5).sum().backward()
        #expect(x.grad?.scalars == [32])   // (3 + 5) · 2x
    }

    @Test func backwardThroughAFreedTapeStopsInsteadOfDroppingGradients() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([2], shape: [1]).requiringGrad()
            let h = x * x
            (h * 3).sum().backward()
            (h * 5).sum().backward()
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("freed") && text.contains("retainGraph"), "message: \(text)")
        }
    }

    @Test func scalarsHaveNoAxis() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(3).sum(axis: 0)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("axis 0") && text.contains("[]"), "message: \(text)")
        }
    }

    @Test func emptyTensorsFlowThroughOpsAndGradients() {
        let x = Tensor.zeros([0, 3]).requiringGrad(), b = Tensor.ones([3]).requiringGrad()
        let y = (x * b + 1).tanh()
        #expect(y.shape == [0, 3])
        y.sum().backward()
        #expect(x.grad?.shape == [0, 3])
        #expect(b.grad?.scalars == [0, 0, 0])
        #expect(Tensor.zeros([2, 0]).sum(axis: 1).scalars == [0, 0])
        #expect(Tensor.zeros([0, 4]).sum(axis: 0).scalars == [0, 0, 0, 0])
        #expect(matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3])).scalars == [0, 0, 0, 0, 0, 0])
    }

    @Test func scalarBroadcastsBothWays() {
        let s = Tensor(2).requiringGrad(), x = random([2, 3], seed: 1).requiringGrad()
        let y = s * x + x / s
        y.sum().backward()
        let xs = x.detached
        expectClose(s.grad!, (xs - xs / 4).sum(), tolerance: 1e-6)
        expectClose(x.grad!, Tensor(repeating: 2.5, shape: [2, 3]), tolerance: 1e-6)
        expectGradients([random([], seed: 2), random([2, 3], seed: 3)]) { $0[0] * $0[1] - $0[1] / ($0[0] + 2) }
    }
}
