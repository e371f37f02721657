import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffClassic

@Suite struct RegularisationSearchTests {
    @Test func marginIsOneStandardErrorCappedAtHalfAPoint() {
        // 20 validation examples: the standard error (0.10) would let any C within 10 points of the best win.
        #expect(RegularisationSearch.margin(best: 0.7, validationCount: 20) == 0.005)
        // 90,000 examples at 90%: one standard error, 0.001, is below the cap.
        #expect(abs(RegularisationSearch.margin(best: 0.9, validationCount: 90_000) - 0.001) < 1e-12)
    }

    @Test func smallSetsCrossValidateAndLargeOnesHoldOutOneSplit() throws {
        for (m, fitsPerC) in [(100, 5), (995, 5), (1_000, 1)] {
            let data = separableBlobs(count: m, seed: 1)
            var fitted: [(rows: Int, C: Double)] = []
            let search = try RegularisationSearch.choose(from: [0.1, 1], on: data, seed: 2) { part, c in
                fitted.append((part.count, c))
                return try LinearSVM(C: c).fit(part, seed: 0)
            }
            #expect(fitted.count == 2 * fitsPerC, "m = \(m)")
            // Every C sees the same parts, all of one C before the next.
            #expect(fitted.prefix(fitsPerC).allSatisfy { $0.C == 0.1 })
            #expect(fitted.prefix(fitsPerC).map(\.rows) == fitted.suffix(fitsPerC).map(\.rows))
            #expect(search.accuracies.count == 2 && search.accuracies.allSatisfy { $0 > 0.9 })
        }
    }

    @Test func searchedConfigurationsNameTheRule() {
        #expect(LogisticRegression().configuration["C"]?.hasSuffix(";within:min(1se,0.005);cv5<200;on:nested12000;scaled:decades(157.0/mean|x|^2)") == true)
        #expect(LinearSVM().configuration["C"]?.hasSuffix(";within:min(1se,0.005);cv5<200;on:nested12000") == true)
        #expect(LogisticRegression(C: 0.5).configuration["C"] == "0.5")
    }

    /// The grid moves by whole decades to the data's mean squared row norm: unit rows (TF-IDF) get 100×,
    /// rows like Fashion-MNIST's pixels (mean ‖x‖² ≈ 157) keep it exactly.
    @Test func theGridFollowsTheScaleOfTheRowsByDecades() {
        func rows(_ value: Float, width: Int) -> Dataset {
            Dataset(name: "r", features: Tensor([Float](repeating: value, count: 4 * width), shape: [4, width]),
                    labels: [0, 1, 0, 1], classNames: ["a", "b"])
        }
        let grid = [0.001, 0.01, 0.1, 1]
        let unit = RegularisationSearch.scaled(grid, to: rows(0.5, width: 4))  // ‖x‖² = 1
        #expect(unit.factor == 100 && zip(unit.grid, [0.1, 1, 10, 100]).allSatisfy { abs($0 - $1) < 1e-12 })
        let pixels = RegularisationSearch.scaled(grid, to: rows(0.45, width: 784))  // ‖x‖² ≈ 159
        #expect(pixels.factor == 1 && pixels.grid == grid)
        #expect(RegularisationSearch.scaled(grid, to: rows(0, width: 3)).grid == grid)
    }
}
