import Testing
@testable import TakeoffClassic
import TakeoffData
import TakeoffEngine

@Suite struct LinearSVMTests {
    @Test(arguments: [DualCoordinateDescent.Loss.squaredHinge, .hinge])
    func dualSatisfiesKKT(loss: DualCoordinateDescent.Loss) throws {
        let data = xor(count: 120, seed: 11)  // not separable, so many multipliers are positive
        let C = 0.5, tol = 1e-4
        let (model, duals) = try LinearSVM(loss: loss, tolerance: tol).fitWithDuals(data, C: C, seed: 1)
        let d = data.featureCount, k = data.classCount
        let upper = loss == .hinge ? C : .infinity, diagonal = loss == .hinge ? 0 : 0.5 / C
        for (c, dual) in duals.enumerated() {
            #expect(dual.converged)
            let y = data.labels.map { $0 == c ? 1.0 : -1.0 }
            var w = [Double](repeating: 0, count: d), b = 0.0
            for i in 0..<data.count {
                let a = Double(dual.alpha[i])
                #expect(a >= 0 && a <= upper, "α\(i) = \(a) outside [0, \(upper)]")
                for f in 0..<d { w[f] += a * y[i] * row(data.features, i)[f] }
                b += a * y[i]
            }
            for f in 0..<d { #expect(abs(w[f] - Double(model.weights[f, c])) < 1e-4) }
            for i in 0..<data.count {
                let a = Double(dual.alpha[i])
                let margin = y[i] * (zip(w, row(data.features, i)).map(*).reduce(0, +) + b)
                let g = margin - 1 + diagonal * a
                if a == 0 { #expect(g >= -1e-3, "class \(c) row \(i): α = 0 but gradient \(g)") }
                else if a >= upper { #expect(g <= 1e-3, "class \(c) row \(i): α = C but gradient \(g)") }
                else { #expect(abs(g) <= 1e-3, "class \(c) row \(i): free α but gradient \(g)") }
            }
        }
        _ = k
    }

    @Test func separableReachesFullTrainingAccuracy() throws {
        let data = separableBlobs(count: 150, seed: 12)
        #expect(try LinearSVM(C: 1).fit(data, seed: 1).accuracy(on: data) == 1)
        #expect(try LinearSVM(C: 1, loss: .hinge).fit(data, seed: 1).accuracy(on: data) == 1)
    }

    @Test func xorStaysNearChance() throws {
        let model = try LinearSVM(C: 1).fit(xor(count: 400, seed: 13), seed: 1)
        let accuracy = model.accuracy(on: xor(count: 400, seed: 14))
        #expect(accuracy < 0.7, "a linear model cannot separate XOR, got \(accuracy)")
    }

    @Test func sameSeedSameModel() throws {
        let data = separableBlobs(count: 90, seed: 15)
        let a = try LinearSVM(C: 0.1).fit(data, C: 0.1, seed: 9), b = try LinearSVM(C: 0.1).fit(data, C: 0.1, seed: 9)
        #expect(a.weights.scalars == b.weights.scalars)
    }
}
