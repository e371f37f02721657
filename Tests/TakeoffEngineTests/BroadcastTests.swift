import Testing
import TakeoffEngine

/// Broadcasting against a naive index-by-index reference, over random shape pairs with
/// extents 0, 1 and more, scalars and missing leading axes.
@Suite struct BroadcastTests {
    /// The element of `t` that broadcasts to multi-index `index` of the output.
    func element(_ t: [Float], _ shape: [Int], at index: [Int]) -> Float {
        let lead = index.count - shape.count
        var flat = 0
        for (a, n) in shape.enumerated() { flat = flat * n + (n == 1 ? 0 : index[lead + a]) }
        return t[flat]
    }

    func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
        var rest = flat
        return shape.reversed().map { n in defer { rest /= n }; return rest % n }.reversed()
    }

    @Test func randomShapePairsMatchTheNaiveRule() {
        var rng = RandomGenerator(seed: 1)
        for _ in 0..<300 {
            let out = (0..<rng.below(5)).map { _ in [0, 1, 2, 3, 5][rng.below(5)] }
            func operand() -> [Int] {
                Array(out.dropFirst(rng.below(out.count + 1))).map { rng.below(3) == 0 ? 1 : $0 }
            }
            let sa = operand(), sb = operand()
            let a = Tensor.randomUniform(sa, low: -1, high: 1, using: &rng)
            let b = Tensor.randomUniform(sb, low: 0.5, high: 2, using: &rng)
            let shape = Shape.broadcast(sa, sb)!
            let (xs, ys) = (a.scalars, b.scalars)
            let sum = a + b, product = a * b, quotient = a / b
            #expect(sum.shape == shape, "\(sa) + \(sb)")
            var wrong = 0
            for flat in 0..<Shape.count(shape) {
                let i = multiIndex(flat, shape)
                let (x, y) = (element(xs, sa, at: i), element(ys, sb, at: i))
                if sum.scalars[flat] != x + y || product.scalars[flat] != x * y || quotient.scalars[flat] != x / y { wrong += 1 }
            }
            #expect(wrong == 0, "\(sa) with \(sb): \(wrong) wrong elements")
            // Gradients sum the broadcast back down: d/da Σ(a·b) at each element of a is Σ of the b's it met.
            let ag = a.requiringGrad(), bg = b.requiringGrad()
            (ag * bg).sum().backward()
            var expectA = [Float](repeating: 0, count: a.count), expectB = [Float](repeating: 0, count: b.count)
            for flat in 0..<Shape.count(shape) {
                let i = multiIndex(flat, shape)
                let lead = shape.count
                var fa = 0, fb = 0
                for (k, n) in sa.enumerated() { fa = fa * n + (n == 1 ? 0 : i[lead - sa.count + k]) }
                for (k, n) in sb.enumerated() { fb = fb * n + (n == 1 ? 0 : i[lead - sb.count + k]) }
                expectA[fa] += ys[fb]
                expectB[fb] += xs[fa]
            }
            #expect(ag.grad?.shape == sa && bg.grad?.shape == sb, "\(sa) with \(sb)")
            let errA = zip(ag.grad?.scalars ?? [], expectA).map { abs($0 - $1) }.max() ?? 0
            let errB = zip(bg.grad?.scalars ?? [], expectB).map { abs($0 - $1) }.max() ?? 0
            #expect(errA < 1e-4 && errB < 1e-4, "\(sa) with \(sb): gradient errors \(errA), \(errB)")
        }
    }
}
