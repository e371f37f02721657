import Testing
import TakeoffEngine

@Suite struct ElementwiseTests {
    static let shapes: [[Int]] = [[], [1], [3, 4], [2, 1, 3]]

    @Test(arguments: shapes)
    func unaryGradients(shape: [Int]) {
        let x = random(shape, seed: 21), p = random(shape, seed: 22, positive: true)
        expectGradients([x]) { $0[0].exp() }
        expectGradients([p]) { $0[0].log() }
        expectGradients([p]) { $0[0].sqrt() }
        expectGradients([x]) { $0[0].tanh() }
        expectGradients([x]) { $0[0].sigmoid() }
        expectGradients([x]) { $0[0].gelu() }
        expectGradients([x]) { $0[0].squared() }
        // Keep ReLU inputs away from the kink, where finite differences straddle it.
        let away = x + (x * 0.1 + 0.2) * x.mapSign()
        expectGradients([away]) { $0[0].relu() }
        expectGradients([away]) { $0[0].leakyRelu(slope: 0.1) }
    }

    @Test func activationValues() {
        let x = Tensor([-1000, -1, 0, 1, 1000], shape: [5])
        #expect(x.sigmoid().scalars.allSatisfy { $0.isFinite })
        #expect(x.sigmoid().scalars[2] == 0.5)
        #expect(x.relu().scalars == [0, 0, 0, 1, 1000])
        #expect(x.leakyRelu(slope: 0.1).scalars == [-100, -0.1, 0, 1, 1000])
        #expect(abs(x.gelu().scalars[3] - 0.8413447) < 1e-6)
        #expect(x.tanh().scalars[0] == -1)
    }

    @Test(arguments: [([3, 4], 0), ([3, 4], 1), ([3, 4], -1), ([2, 3, 4], 1), ([1, 5], 0), ([4], 0)])
    func reductionGradients(shape: [Int], axis: Int) {
        let x = random(shape, seed: 23)
        expectGradients([x]) { $0[0].sum(axis: axis) }
        expectGradients([x]) { $0[0].sum(axis: axis, keepDims: true) }
        expectGradients([x]) { $0[0].mean(axis: axis) }
        expectGradients([x]) { $0[0].sum() }
        expectGradients([x]) { $0[0].mean() }
    }

    @Test func sumValuesAlongAxes() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(x.sum(axis: 0).scalars == [5, 7, 9])
        #expect(x.sum(axis: 1).scalars == [6, 15])
        #expect(x.sum(axis: -1, keepDims: true).shape == [2, 1])
        #expect(x.sum(axes: [0, 1]).scalars == [21])
        #expect(x.mean().item == 3.5)
    }

    @Test func reshapeAndBroadcastGradients() {
        let x = random([2, 6], seed: 24)
        expectGradients([x]) { $0[0].reshaped([3, -1]) * Tensor([1, 2, 3, 4], shape: [4]) }
        expectGradients([random([3, 1], seed: 25)]) { $0[0].broadcast(to: [2, 3, 4]) }
    }

    @Test func badAxisNamesTheShape() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).sum(axis: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("axis 2") && text.contains("[2, 3]"), "message: \(text)")
        }
    }

    @Test func broadcastMismatchNamesTheShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[2, 3]") && text.contains("[4]"), "message: \(text)")
        }
    }

    @Test func sameSeedSameNumbers() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let xa = Tensor.randomNormal([100], using: &a), xb = Tensor.randomNormal([100], using: &b)
        #expect(xa.scalars == xb.scalars)
        #expect(xa.scalars != Tensor.randomNormal([100], using: &c).scalars)
        var p = RandomGenerator(seed: 1)
        #expect(p.permutation(10).sorted() == Array(0..<10))
    }

    /// The fused dense layer and the elementwise op read one description per activation: the same
    /// values and gradients, bit for bit (the leaky slope was once written separately in each).
    @Test(arguments: Activation.allCases)
    func denseAgreesWithElementwiseActivation(activation: Activation) {
        let x = random([5, 7], seed: 31), w = random([4, 7], seed: 32), b = random([4], seed: 33)
        let g = random([5, 4], seed: 34)
        func run(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
            let (xs, ws, bs) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
            let y = f(xs, ws, bs)
            (y * g).sum().backward()
            return [y.scalars, xs.grad!.scalars, ws.grad!.scalars, bs.grad!.scalars]
        }
        let fused = run { Tensor.dense($0, weight: $1, bias: $2, activation: activation) }
        let apart = run { (matmul($0, $1, transposeB: true) + $2).activated(activation) }
        #expect(fused == apart, "\(activation): dense and the elementwise op differ")
    }

    @Test func leakyReluUsesOneSlope() {
        let x = Tensor([-3, -0.5, 0, 2], shape: [4])
        #expect(x.activated(.leakyRelu).scalars == x.leakyRelu().scalars)
        #expect(x.leakyRelu().scalars == x.leakyRelu(slope: LeakyReLUActivation.defaultSlope).scalars)
        #expect(x.leakyRelu().scalars[0] == -3 * 0.01)
    }

    /// A derivative's CUDA form names its operands as its Swift form does: the upstream gradient `g`,
    /// then the input `x` or the output `y`, whichever the activation's description says it reads.
    @Test(arguments: Activation.allCases.filter { $0 != .identity })
    func derivativeOperandsNamedAlike(activation: Activation) {
        let f = activation.function
        #expect(f.derivative.cuda?.variables == ["g", f.derivativeReads == .input ? "x" : "y"])
        #expect(f.forward.cuda?.variables.first == "x")
    }
}

extension Tensor {
    /// +1 or −1 by sign (off the tape), for nudging test inputs.
    func mapSign() -> Tensor { Tensor(scalars.map { $0 >= 0 ? 1 : -1 }, shape: shape) }
}
