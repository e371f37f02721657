import Foundation
import Testing
@testable import TakeoffClassic
import TakeoffData
import TakeoffEngine

@Suite struct KernelSVMTests {
    func rbf(_ a: [Double], _ b: [Double], gamma: Double) -> Double {
        Foundation.exp(-gamma * zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +))
    }

    /// The option's ceiling is the kernel's: `--degree` refuses what a model file would.
    @Test func theDegreeOptionStopsAtTheKernelsHighestDegree() throws {
        var o = LearnerOptions()
        try o.set(.degree, parsing: "\(SVMKernel.maximumDegree + 1)")
        #expect(throws: LearnerError.self) { try o.validate() }
    }

    @Test func smoSatisfiesKKT() {
        let data = xor(count: 160, noise: 0.5, seed: 21)  // overlapping corners: bounded and free multipliers
        let n = data.count, C = 2.0, gamma = 0.7, tol = 1e-3
        let y = data.labels.map { $0 == 0 ? Float(1) : -1 }
        let cache = SVMKernelCache(x: data.features.pointer, n: n, d: 2, kernel: .rbf(gamma: Float(gamma)), budgetBytes: 1 << 20)
        let r = SMO(C: C, tolerance: tol).solve(y: y, cache: cache)
        #expect(r.converged)
        let rows = (0..<n).map { row(data.features, $0) }
        #expect(abs(zip(r.alpha, y).map { $0 * Double($1) }.reduce(0, +)) < 1e-9, "Σ yα must be 0")
        var atUpper = 0, free = 0
        for i in 0..<n {
            let a = r.alpha[i]
            #expect(a >= 0 && a <= C, "α\(i) = \(a) outside [0, C]")
            let f = (0..<n).reduce(0.0) { $0 + Double(y[$1]) * r.alpha[$1] * rbf(rows[$1], rows[i], gamma: gamma) } - r.rho
            let margin = Double(y[i]) * f
            let slack = 2 * tol
            if a == 0 { #expect(margin >= 1 - slack, "row \(i): α = 0 but y·f = \(margin)") }
            else if a == C { atUpper += 1; #expect(margin <= 1 + slack, "row \(i): α = C but y·f = \(margin)") }
            else { free += 1; #expect(abs(margin - 1) <= slack, "row \(i): free α but y·f = \(margin)") }
        }
        #expect(atUpper > 0 && free > 0, "the test should exercise both kinds of support vector")
    }

    @Test func cacheRespectsBudgetAndMatchesCompleteMatrix() {
        let data = xor(count: 300, noise: 0.5, seed: 22)
        let n = data.count, rowBytes = n * 4
        let kernel = SVMKernel.rbf(gamma: 0.5)
        let small = SVMKernelCache(x: data.features.pointer, n: n, d: 2, kernel: kernel, budgetBytes: 40 * rowBytes + 100)
        let full = SVMKernelCache(x: data.features.pointer, n: n, d: 2, kernel: kernel, budgetBytes: 1 << 20)
        #expect(!small.isComplete && full.isComplete)
        #expect(small.allocatedBytes <= small.budgetBytes)
        #expect(small.allocatedBytes == 40 * rowBytes)
        var rng = RandomGenerator(seed: 1)
        for _ in 0..<500 {
            let i = rng.below(n)
            let a = small.row(i), b = full.row(i)
            for j in 0..<n { #expect(abs(a[j] - b[j]) < 1e-5) }
            #expect(abs(b[i] - 1) < 1e-6 && abs(b[(i + 7) % n] - Float(rbf(row(data.features, i), row(data.features, (i + 7) % n), gamma: 0.5))) < 1e-5)
        }
        #expect(small.misses > 40 && small.hits > 0)
        let y = data.labels.map { $0 == 0 ? Float(1) : -1 }
        let r1 = SMO(C: 1).solve(y: y, cache: small), r2 = SMO(C: 1).solve(y: y, cache: full)
        #expect(abs(r1.objective - r2.objective) < 1e-4 * max(1, abs(r2.objective)))
        #expect(small.allocatedBytes <= small.budgetBytes)
    }

    @Test func completeMatrixMatchesDirectEvaluation() {
        let data = separableBlobs(count: 700, dimension: 6, seed: 27)  // three 256-row blocks, the last partial
        let cache = SVMKernelCache(x: data.features.pointer, n: 700, d: 6, kernel: .rbf(gamma: 0.05), budgetBytes: 700 * 700 * 4)
        #expect(cache.isComplete)
        var worst = 0.0
        for i in stride(from: 0, to: 700, by: 7) {
            let r = cache.row(i)
            for j in 0..<700 { worst = max(worst, abs(Double(r[j]) - rbf(row(data.features, i), row(data.features, j), gamma: 0.05))) }
        }
        #expect(worst < 1e-5)
    }

    @Test func separableReachesFullTrainingAccuracyWithEveryKernel() throws {
        let data = separableBlobs(count: 150, seed: 23)
        for kind in KernelSVM.KernelKind.allCases {
            let model = try KernelSVM(C: 10, kernel: kind).fit(data, seed: 1)
            #expect(model.accuracy(on: data) == 1, "kernel \(kind)")
        }
    }

    @Test func rbfSeparatesXOR() throws {
        let model = try KernelSVM(C: 1).fit(xor(count: 400, seed: 24), seed: 1)
        let accuracy = model.accuracy(on: xor(count: 400, seed: 25))
        #expect(accuracy > 0.95, "RBF SVM should separate XOR, got \(accuracy)")
    }

    @Test func shrinkingGivesTheSameSolution() {
        let data = xor(count: 200, noise: 0.5, seed: 26)
        let y = data.labels.map { $0 == 0 ? Float(1) : -1 }
        let cache = SVMKernelCache(x: data.features.pointer, n: 200, d: 2, kernel: .rbf(gamma: 1), budgetBytes: 1 << 20)
        let a = SMO(C: 1, tolerance: 1e-5, shrinking: true).solve(y: y, cache: cache)
        let b = SMO(C: 1, tolerance: 1e-5, shrinking: false).solve(y: y, cache: cache)
        #expect(abs(a.objective - b.objective) < 1e-6 * max(1, abs(b.objective)))
    }

    @Test func gammaScaleMatchesDefinition() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let mean = 3.5, variance = [1, 2, 3, 4, 5, 6].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
        #expect(abs(Double(SVMKernel.scaleGamma(x)) - 1 / (2 * variance)) < 1e-6)
    }
}
