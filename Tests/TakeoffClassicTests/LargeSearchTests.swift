import Testing
@testable import TakeoffClassic
import TakeoffData
import TakeoffEngine

/// Choosing C at large m: the search on a nested subsample, warm starts along the C path, and the final
/// fit on all m still optimised to convergence.
@Suite struct LargeSearchTests {
    /// Three tight clusters 0.2 apart, 70% of the rows in the first: a strongly regularised linear model keeps
    /// its weights too small to beat the intercept and predicts the majority class (70%), so the best C is
    /// clearly above the grid's smallest.
    func skewedClusters(count: Int, seed: UInt64) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let c = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2][i % 10]
            for j in 0..<3 { values.append((j == c ? 0.2 : 0) + 0.01 * rng.normal()) }
            labels.append(c)
        }
        return Dataset(name: "skewed", features: Tensor(values, shape: [count, 3]), labels: labels, classNames: ["a", "b", "c"])
    }

    @Test func theSubsampleSearchChoosesTheFullSearchesCAndFitsOnlyThatMany() throws {
        let data = skewedClusters(count: 6_000, seed: 31), grid = [1e-4, 1e-2, 1, 100]
        func search(atMost limit: Int) throws -> (C: Double, accuracies: [Double], largestFit: Int) {
            var largest = 0
            let r = try RegularisationSearch.choose(from: grid, on: data, seed: 4, atMost: limit) { part, _, c in
                largest = max(largest, part.count)
                return try LogisticRegression().fit(part, C: c)
            }
            return (r.C, r.accuracies, largest)
        }
        let full = try search(atMost: data.count), sub = try search(atMost: 1_500)
        #expect(full.largestFit == 4_800 && sub.largestFit == 1_200)
        #expect(full.accuracies[0] < 0.8, "the smallest C should underfit clearly: \(full.accuracies)")
        #expect(full.C > grid[0] && sub.C == full.C, "full search: \(full.C) \(full.accuracies); subsample: \(sub.C) \(sub.accuracies)")
    }

    @Test(arguments: [DualCoordinateDescent.Loss.squaredHinge, .hinge])
    func dualCoordinateDescentWarmStartReachesTheColdOptimum(loss: DualCoordinateDescent.Loss) {
        let data = xor(count: 400, seed: 32), n = data.count, d = data.featureCount
        let y = data.labels.map { $0 == 0 ? Float(1) : -1 }
        let norms = Dense.rowNorms(data.features.pointer, n: n, d: d)
        func solve(_ C: Double, from start: [Float]?) -> DualCoordinateDescent.Result {
            var rng = RandomGenerator(seed: 5)
            return DualCoordinateDescent(loss: loss, C: C, tolerance: 1e-5)
                .solve(x: data.features.pointer, n: n, d: d, y: y, squaredNorms: norms, start: start, rng: &rng)
        }
        // Up the path (the search's order) and down it (a start outside the smaller box is clipped).
        for (from, to) in [(0.1, 1.0), (1.0, 0.1)] {
            let cold = solve(to, from: nil), warm = solve(to, from: solve(from, from: nil).alpha)
            #expect(cold.converged && warm.converged)
            let scale = max(1, cold.weights.map(abs).max()!)
            for j in 0..<d { #expect(abs(warm.weights[j] - cold.weights[j]) < 1e-3 * scale, "C \(from) → \(to)") }
            #expect(abs(warm.bias - cold.bias) < 1e-3 * scale)
        }
    }

    @Test func smoWarmStartReachesTheColdOptimum() {
        let data = xor(count: 300, noise: 0.5, seed: 33), n = data.count
        let y = data.labels.map { $0 == 0 ? Float(1) : -1 }
        let cache = SVMKernelCache(x: data.features.pointer, n: n, d: 2, kernel: .rbf(gamma: 0.7), budgetBytes: 1 << 20)
        for (from, to) in [(1.0, 10.0), (10.0, 1.0)] {
            let cold = SMO(C: to).solve(y: y, cache: cache)
            let warm = SMO(C: to).solve(y: y, cache: cache, start: SMO(C: from).solve(y: y, cache: cache).alpha)
            #expect(cold.converged && warm.converged)
            #expect(abs(zip(warm.alpha, y).map { $0 * Double($1) }.reduce(0, +)) < 1e-9, "Σ yα must stay 0")
            #expect(warm.alpha.allSatisfy { $0 >= 0 && $0 <= to })
            #expect(abs(warm.objective - cold.objective) < 1e-3 * abs(cold.objective), "C \(from) → \(to)")
            #expect(abs(warm.rho - cold.rho) < 1e-2)
        }
    }

    /// Above the subsample size, logreg's final fit is on all m examples (not the subsample's optimum):
    /// converged, with the same objective as a cold fit at the chosen C, and the same model for the same seed.
    @Test func logisticRegressionAtLargeMIsTheOptimumOnAllExamples() throws {
        let data = xor(count: RegularisationSearch.searchedAtMost + 1_000, noise: 0.6, seed: 34)
        let learner = LogisticRegression()
        let model = try #require(try learner.fit(data, seed: 6) as? LogisticRegressionModel)
        #expect(model.statistics["converged"] == 1 && model.statistics["gradient_norm"]! <= learner.tolerance)
        let cold = try learner.fit(data, C: model.statistics["C"]!)
        #expect(abs(model.statistics["objective"]! - cold.statistics["objective"]!) < 1e-6 * abs(cold.statistics["objective"]!))
        let again = try #require(try learner.fit(data, seed: 6) as? LogisticRegressionModel)
        #expect(again.parameters == model.parameters)
    }

    @Test func linearSVMAtLargeMConvergesOnAllExamples() throws {
        let data = separableBlobs(count: RegularisationSearch.searchedAtMost + 1_000, seed: 35)
        let model = try LinearSVM().fit(data, seed: 7)
        #expect(model.statistics["converged_classes"] == Double(data.classCount))
        let again = try LinearSVM().fit(data, seed: 7) as! LinearSVMModel
        #expect(again.weights.scalars == (model as! LinearSVMModel).weights.scalars)
    }

    /// The kernel SVM's search warm-starts each C from the previous one; the final fit is still the plain
    /// fit at the chosen C.
    @Test func kernelSVMSearchEndsWithThePlainFitAtTheChosenC() throws {
        let data = xor(count: 600, noise: 0.5, seed: 36)
        let learner = KernelSVM()
        let model = try #require(try learner.fit(data, seed: 8) as? KernelSVMModel)
        #expect(model.statistics["unconverged_pairs"] == 0)
        let plain = try learner.fit(data, C: model.statistics["C"]!)
        #expect(model.coefficients.scalars == plain.coefficients.scalars && model.rho.scalars == plain.rho.scalars)
    }
}
