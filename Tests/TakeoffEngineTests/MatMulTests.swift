import Testing
import TakeoffEngine

@Suite struct MatMulTests {
    /// The textbook triple loop.
    func naive(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> Tensor {
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = tb ? b.shape[0] : b.shape[1]
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]) }
            out[i * n + j] = s
        } }
        return Tensor(out, shape: [m, n])
    }

    static let transposes = [(false, false), (false, true), (true, false), (true, true)]

    @Test(arguments: [(1, 1, 1), (7, 13, 5), (2, 1, 9), (33, 17, 64)], transposes)
    func matchesNaive(dims: (Int, Int, Int), transpose: (Bool, Bool)) {
        let (ta, tb) = transpose
        let (m, k, n) = dims
        let a = random(ta ? [k, m] : [m, k], seed: 1), b = random(tb ? [n, k] : [k, n], seed: 2)
        expectClose(matmul(a, b, transposeA: ta, transposeB: tb), naive(a, b, ta, tb), tolerance: 1e-5)
        expectGradients([a, b]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
    }

    @Test(arguments: transposes)
    func batched(transpose: (Bool, Bool)) {
        let (ta, tb) = transpose
        let a = random(ta ? [3, 4, 2] : [3, 2, 4], seed: 3)
        let b3 = random(tb ? [3, 5, 4] : [3, 4, 5], seed: 4), b2 = random(tb ? [5, 4] : [4, 5], seed: 5)
        let c = matmul(a, b3, transposeA: ta, transposeB: tb)
        #expect(c.shape == [3, 2, 5])
        for i in 0..<3 {
            let ai = Tensor(Array(a.scalars[(i * 8)..<(i * 8 + 8)]), shape: Array(a.shape.dropFirst()))
            let bi = Tensor(Array(b3.scalars[(i * 20)..<(i * 20 + 20)]), shape: Array(b3.shape.dropFirst()))
            expectClose(Tensor(Array(c.scalars[(i * 10)..<(i * 10 + 10)]), shape: [2, 5]), naive(ai, bi, ta, tb))
        }
        expectGradients([a, b3]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        expectGradients([a, b2]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
    }

    @Test func linearMatchesMatmulPlusBias() {
        let x = random([6, 4], seed: 6), w = random([3, 4], seed: 7), b = random([3], seed: 8)
        expectClose(Tensor.linear(x, weight: w, bias: b), matmul(x, w, transposeB: true) + b)
        expectGradients([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        expectGradients([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    @Test func emptyInnerDimensionGivesZerosEvenInRecycledMemory() {
        for _ in 0..<4 {
            // Leave NaNs in a pooled buffer of the output's size, then multiply over k = 0.
            _ = Tensor(repeating: .nan, shape: [8, 8]).copy()
            #expect(matmul(Tensor.zeros([8, 0]), Tensor.zeros([0, 8])).scalars == [Float](repeating: 0, count: 64))
            _ = Tensor(repeating: .nan, shape: [8, 8]).copy()
            #expect(Tensor.linear(Tensor.zeros([8, 0]), weight: Tensor.zeros([8, 0]), bias: nil).scalars == [Float](repeating: 0, count: 64))
        }
    }

    @Test func shapeMismatchNamesTheShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[2, 3]") && text.contains("[4, 5]"), "message: \(text)")
        }
    }
}

@Suite struct DenseTests {
    @Test(arguments: Activation.allCases)
    func fusedDenseMatchesComposition(activation: Activation) {
        let x = random([5, 4], seed: 11), w = random([3, 4], seed: 12), b = random([3], seed: 13)
        expectClose(Tensor.dense(x, weight: w, bias: b, activation: activation),
                    Tensor.linear(x, weight: w, bias: b).activated(activation), tolerance: 1e-5)
        expectGradients([x, w, b]) { Tensor.dense($0[0], weight: $0[1], bias: $0[2], activation: activation) }
    }
}
