import CVectorKernels
import Foundation
import Testing
@testable import TakeoffClassic
import TakeoffData
import TakeoffEngine

@Suite struct LogisticRegressionTests {
    /// The gradient of f(W, b) = mean CE + λ/2‖W‖², computed directly in Double.
    func referenceGradient(_ data: Dataset, weights w: [Double], C: Double) -> [Double] {
        let n = data.count, d = data.featureCount, k = data.classCount
        let lambda = 1 / (C * Double(n))
        var g = [Double](repeating: 0, count: (d + 1) * k)
        for i in 0..<n {
            let x = row(data.features, i)
            var z = (0..<k).map { j in w[d * k + j] + (0..<d).reduce(0.0) { $0 + x[$1] * w[$1 * k + j] } }
            let top = z.max()!
            z = z.map { Foundation.exp($0 - top) }
            let total = z.reduce(0, +)
            for j in 0..<k {
                let r = (z[j] / total - (data.labels[i] == j ? 1 : 0)) / Double(n)
                for f in 0..<d { g[f * k + j] += r * x[f] }
                g[d * k + j] += r
            }
        }
        for t in 0..<(d * k) { g[t] += lambda * w[t] }
        return g
    }

    @Test func gradientMatchesFiniteDifferences() {
        let data = separableBlobs(count: 60, classes: 3, dimension: 4, seed: 1)
        let f = MultinomialLogistic(features: data.features, labels: data.labels, classCount: 3, C: 0.5)
        var rng = RandomGenerator(seed: 2)
        let w = (0..<f.dimension).map { _ in Double(rng.normal()) * 0.3 }
        var g = [Double](repeating: 0, count: f.dimension), scratch = g
        _ = f.evaluate(w, gradient: &g)
        let h = 1e-2
        for t in 0..<f.dimension {
            var plus = w, minus = w
            plus[t] += h; minus[t] -= h
            let numeric = (f.evaluate(plus, gradient: &scratch) - f.evaluate(minus, gradient: &scratch)) / (2 * h)
            #expect(abs(numeric - g[t]) <= 2e-3 * max(1, abs(numeric)), "coordinate \(t): numeric \(numeric) vs analytic \(g[t])")
        }
        let reference = referenceGradient(data, weights: w, C: 0.5)
        #expect(zip(reference, g).map { abs($0 - $1) }.max()! < 1e-5)
    }

    /// Both products at every instruction set this CPU runs, against sums in Double, with row counts
    /// that leave tails (not a multiple of 4 or 2) and an odd width.
    @Test func narrowKernelsMatchPlainSums() {
        let (rows, d) = (23, 37)
        var rng = RandomGenerator(seed: 5)
        let x = (0..<(rows * d)).map { _ in rng.normal() }, w = (0..<(d * 16)).map { _ in rng.normal() }
        let r = (0..<(rows * 16)).map { _ in rng.normal() }, g0 = (0..<(d * 16)).map { _ in rng.normal() }
        for isa in (0...takeoff_best_isa().rawValue).map({ takeoff_isa(rawValue: $0) }) {
            var out = [Float](repeating: .nan, count: rows * 16), g = g0
            takeoff_narrow_product(isa, x, rows, d, w, &out)
            takeoff_narrow_transpose_product(isa, x, rows, d, r, &g)
            var worst = 0.0
            for i in 0..<rows { for c in 0..<16 {
                let exact = (0..<d).reduce(0.0) { $0 + Double(x[i * d + $1]) * Double(w[$1 * 16 + c]) }
                worst = max(worst, abs(exact - Double(out[i * 16 + c])))
            } }
            for j in 0..<d { for c in 0..<16 {
                let exact = Double(g0[j * 16 + c]) + (0..<rows).reduce(0.0) { $0 + Double(x[$1 * d + j]) * Double(r[$1 * 16 + c]) }
                worst = max(worst, abs(exact - Double(g[j * 16 + c])))
            } }
            #expect(worst < 1e-4, "instruction set \(isa.rawValue): worst error \(worst)")
        }
    }

    /// The narrow kernels (at most 16 classes, rows split over threads) and OpenBLAS (more classes)
    /// against the gradient computed directly.
    @Test(arguments: [3, 17]) func bothProductPathsGiveTheGradient(classes: Int) {
        let data = separableBlobs(count: 301, classes: classes, dimension: 9, seed: 3)
        let f = MultinomialLogistic(features: data.features, labels: data.labels, classCount: classes, C: 2)
        var rng = RandomGenerator(seed: 4)
        let w = (0..<f.dimension).map { _ in Double(rng.normal()) * 0.3 }
        var g = [Double](repeating: 0, count: f.dimension)
        _ = f.evaluate(w, gradient: &g)
        let reference = referenceGradient(data, weights: w, C: 2)
        #expect(zip(reference, g).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test func optimumHasSmallGradient() throws {
        let data = separableBlobs(count: 150, classes: 3, dimension: 5, seed: 3)
        let learner = LogisticRegression(C: 1, tolerance: 1e-5)
        let model = try learner.fit(data, C: 1)
        #expect(model.statistics["converged"] == 1)
        let d = data.featureCount, k = data.classCount
        let w = model.weights.scalars.map(Double.init) + model.bias.scalars.map(Double.init)
        let g = referenceGradient(data, weights: w, C: 1)
        let norm = g.map(abs).max()!
        #expect(norm <= 1e-5 + 1e-6, "independent gradient ∞-norm \(norm) at the returned optimum")
        #expect(abs(model.statistics["gradient_norm"]! - norm) < 1e-5)
        #expect(w.count == (d + 1) * k)
    }

    @Test func separableReachesFullTrainingAccuracy() throws {
        let data = separableBlobs(count: 150, seed: 4)
        let model = try LogisticRegression(C: 10).fit(data, seed: 1)
        #expect(model.accuracy(on: data) == 1)
        #expect(model.givesProbabilities)
        let p = model.scores(data.features)
        for i in 0..<data.count { #expect(abs((0..<3).reduce(Float(0)) { $0 + p[i, $1] } - 1) < 1e-5) }
    }

    @Test func xorStaysNearChance() throws {
        let model = try LogisticRegression(C: 1).fit(xor(count: 400, seed: 5), seed: 1)
        let accuracy = model.accuracy(on: xor(count: 400, seed: 6))
        #expect(accuracy < 0.7, "a linear model cannot separate XOR, got \(accuracy)")
    }

    @Test func chosenCComesFromTheGrid() throws {
        let data = separableBlobs(count: 120, seed: 7)
        let model = try LogisticRegression().fit(data, seed: 3)
        #expect([0.001, 0.01, 0.1, 1].contains(model.statistics["C"]!))
        #expect(model.statistics["validation_accuracy_C=1.0"] != nil)
        let again = try LogisticRegression().fit(data, seed: 3)
        #expect(again.scores(data.features).scalars == model.scores(data.features).scalars)
    }
}
