import Foundation
import Testing
import TakeoffEngine

/// End-to-end checks that the ops compose into something that learns: a tanh MLP made only of
/// engine ops, trained full-batch with an Adam written here.
@Suite struct LearningTests {
    struct MLP {
        var params: [Tensor]   // weight [out, in], bias [out], per layer

        init(sizes: [Int], seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            params = []
            for (fanIn, fanOut) in zip(sizes, sizes.dropFirst()) {
                params.append(Tensor.randomNormal([fanOut, fanIn], std: (1 / Float(fanIn)).squareRoot(), using: &rng))
                params.append(Tensor.zeros([fanOut]))
            }
        }

        static func logits(_ x: Tensor, _ p: [Tensor]) -> Tensor {
            var h = x
            for l in stride(from: 0, to: p.count, by: 2) {
                h = Tensor.linear(h, weight: p[l], bias: p[l + 1])
                if l + 2 < p.count { h = h.tanh() }
            }
            return h
        }

        func accuracy(_ x: Tensor, _ labels: [Int]) -> Double {
            let predicted = withoutGradients { MLP.logits(x, params) }.argmax(axis: -1)
            return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
        }
    }

    /// Adam (Kingma and Ba) over the parameters' flat buffers.
    struct Adam {
        let lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
        var m: [[Float]], v: [[Float]], t = 0

        init(_ params: [Tensor], lr: Float) {
            self.lr = lr
            m = params.map { [Float](repeating: 0, count: $0.count) }
            v = m
        }

        mutating func step(_ params: inout [Tensor], _ grads: [Tensor]) {
            t += 1
            let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(t))), c2 = 1 - Float(Foundation.pow(Double(beta2), Double(t)))
            for k in params.indices {
                let g = grads[k].scalars
                params[k].withUnsafeMutableBufferPointer { w in
                    for i in 0..<w.count {
                        m[k][i] = beta1 * m[k][i] + (1 - beta1) * g[i]
                        v[k][i] = beta2 * v[k][i] + (1 - beta2) * g[i] * g[i]
                        w[i] -= lr * (m[k][i] / c1) / ((v[k][i] / c2).squareRoot() + eps)
                    }
                }
            }
        }
    }

    /// Trains until every training point is classified correctly (checked every 25 steps) or
    /// `maxSteps` pass; returns the model and the steps taken.
    func train(_ x: Tensor, _ labels: [Int], sizes: [Int], lr: Float, maxSteps: Int, seed: UInt64,
               stopAtPerfect: Bool = true) -> (MLP, Int) {
        var model = MLP(sizes: sizes, seed: seed)
        var adam = Adam(model.params, lr: lr)
        for step in 0..<maxSteps {
            if stopAtPerfect && step % 25 == 0 && model.accuracy(x, labels) == 1 { return (model, step) }
            let leaves = model.params.map { $0.requiringGrad() }
            let loss = Tensor.softmaxCrossEntropy(logits: MLP.logits(x, leaves), labels: labels)
            #expect(loss.item.isFinite, "loss diverged at step \(step)")
            loss.backward()
            let grads = leaves.map { $0.grad! }
            adam.step(&model.params, grads)
        }
        return (model, maxSteps)
    }

    static let xor = (Tensor([0, 0, 0, 1, 1, 0, 1, 1], shape: [4, 2]), [0, 1, 1, 0])

    /// Two spirals of `perClass` points each, winding two turns around each other.
    static func spirals(perClass: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for k in 0..<2 {
            for i in 0..<perClass {
                let t = 0.1 + 0.9 * Float(i) / Float(perClass)
                let angle = 4 * Float.pi * t + Float(k) * .pi
                values += [t * cos(angle) + 0.01 * rng.normal(), t * sin(angle) + 0.01 * rng.normal()]
                labels.append(k)
            }
        }
        return (Tensor(values, shape: [2 * perClass, 2]), labels)
    }

    @Test func learnsXor() {
        let (x, y) = Self.xor
        let (model, steps) = train(x, y, sizes: [2, 8, 2], lr: 0.05, maxSteps: 1000, seed: 1)
        #expect(model.accuracy(x, y) == 1, "XOR not learned in \(steps) steps")
    }

    @Test func learnsTwoSpirals() {
        let (x, y) = Self.spirals(perClass: 100, seed: 2)
        let (model, steps) = train(x, y, sizes: [2, 32, 32, 2], lr: 0.02, maxSteps: 3000, seed: 3)
        #expect(model.accuracy(x, y) == 1, "spirals: accuracy \(model.accuracy(x, y)) after \(steps) steps")
    }

    @Test func sameSeedTrainsToBitwiseIdenticalWeights() {
        let (x, y) = Self.spirals(perClass: 50, seed: 4)
        let (a, _) = train(x, y, sizes: [2, 16, 2], lr: 0.02, maxSteps: 100, seed: 5, stopAtPerfect: false)
        let (b, _) = train(x, y, sizes: [2, 16, 2], lr: 0.02, maxSteps: 100, seed: 5, stopAtPerfect: false)
        let (c, _) = train(x, y, sizes: [2, 16, 2], lr: 0.02, maxSteps: 100, seed: 6, stopAtPerfect: false)
        #expect(a.params.map { $0.scalars.map(\.bitPattern) } == b.params.map { $0.scalars.map(\.bitPattern) })
        #expect(a.params.map { $0.scalars.map(\.bitPattern) } != c.params.map { $0.scalars.map(\.bitPattern) })
    }
}
