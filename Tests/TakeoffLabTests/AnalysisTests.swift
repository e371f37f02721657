import Foundation
import Testing
@testable import TakeoffLab

@Suite struct AnalysisTests {
    /// Results for a learner whose accuracy at m for each seed is `f(m, seed)`.
    func cells(_ name: String, _ f: (Double, UInt64) -> Double, sizes: [Int] = [100, 200, 400, 800, 1600, 3200, 6400, 12800]) -> [CellResult] {
        sizes.flatMap { m in
            (0..<3).map { seed in
                CellResult(key: CellKey(dataset: "d", learner: name, configuration: name, m: m, seed: UInt64(seed)), status: .ok,
                           accuracy: f(Double(m), UInt64(seed)), fitSeconds: Double(m) / 1000, predictSeconds: 0, parameters: 1)
            }
        }
    }

    @Test func crossoverAsymptoteAndTarget() throws {
        // A line of slope 0.05 per doubling crosses the flat 0.8 at m = 1600·2^(±0.2 per seed).
        let flat = cells("flat") { _, s in 0.8 + 0.001 * Double(s) }
        let rising = cells("rising") { m, s in 0.8 + 0.05 * (log2(m / 1600) - 0.2 * (Double(s) - 1)) }
        let a = Analysis(results: flat + rising, learners: [("flat", "flat"), ("rising", "rising")], target: 0.85)
        let c = try #require(a.crossovers.first)
        #expect(a.crossovers.count == 1 && c.winner == "rising" && c.loser == "flat" && !c.projected)
        #expect(abs(log2(c.m / 1600)) < 0.1, "m ≈ \(c.m)")
        #expect(try #require(c.low) < c.m && c.m < (try #require(c.high)))
        #expect(c.seedsAgreeing == 3)
        let rise = a.learners[1]
        #expect(abs(try #require(rise.slopePerDoubling) - 0.05) < 1e-9)
        #expect(rise.target?.m == 3200 && rise.target?.measured == true)
        #expect(a.learners[0].target?.m == nil)
        #expect(abs(try #require(a.learners[0].asymptote) - 0.801) < 0.01)
        // Below the crossover the seeds disagree; above it they all put `rising` first.
        #expect(a.settledFrom == 3200)
        #expect(a.rankings.first?.leader == "flat")
    }

    @Test func manyLearnersCrossingNameOnlyTheFirstCrossoversInTheSummary() {
        // Seven lines through one point at m = 400: every one of the 21 pairs crosses there, clearly.
        let names = (0..<7).map { "l\($0)" }
        let results = names.enumerated().flatMap { k, name in
            cells(name, { m, s in 0.55 + 0.02 * Double(k) * (log2(m / 100) - 2) + 0.0005 * Double(s) }, sizes: [100, 200, 400, 800, 1600])
        }
        let a = Analysis(results: results, learners: names.map { ($0, $0) })
        #expect(a.crossovers.count == 21)
        let lines = a.summary
        #expect(lines.filter { $0.contains(" overtakes ") }.count == Analysis.summaryCrossovers)
        #expect(lines.contains("\(21 - Analysis.summaryCrossovers) more clear crossing (see the crossover table)."), "\(lines)")
    }

    @Test func learnersTakeoffDoesNotKnowAreNotCalledTraditional() {
        let rising = { (m: Double, s: UInt64) in 0.6 + 0.03 * log2(m / 100) + 0.001 * Double(s) }
        let sizes = [100, 200, 400, 800]
        let unknown = Analysis(results: cells("MLPClassifier", rising, sizes: sizes) + cells("SVC", rising, sizes: sizes),
                               learners: [("MLPClassifier", "MLPClassifier"), ("SVC", "SVC")])
        let line = unknown.verdict()[1]
        #expect(line.hasPrefix("These learners have not plateaued yet: MLPClassifier +3.0 and SVC +3.0"), "\(line)")
        let known = Analysis(results: cells("logreg", rising, sizes: sizes) + cells("SVC", rising, sizes: sizes), learners: [("logreg", "logreg"), ("SVC", "SVC")])
        #expect(known.verdict()[1].hasPrefix("The traditional learners have not plateaued yet: logreg +3.0 points"), "\(known.verdict()[1])")
    }

    @Test func aLearnerWithOneSeedIsLeftOutOfTheAgreementButCanUnsettleIt() throws {
        // `a` leads `b` on every seed everywhere; `c` ran one seed (the budget stopped the rest) at the top size.
        let a = cells("a") { _, s in 0.8 + 0.001 * Double(s) }, b = cells("b") { _, s in 0.7 + 0.001 * Double(s) }
        let c = [CellResult(key: CellKey(dataset: "d", learner: "c", configuration: "c", m: 12800, seed: 0), status: .ok,
                            accuracy: 0.75, fitSeconds: 1, predictSeconds: 0, parameters: 1)]
        let learners = [("a", "a"), ("b", "b"), ("c", "c")]
        let calm = Analysis(results: a + b + c, learners: learners, target: nil)
        let top = try #require(calm.rankings.last)
        #expect(top.m == 12800 && top.seeds == 3 && top.singleSeed == ["c"] && top.challengers.isEmpty)
        #expect(calm.settledFrom == 100)
        // If `c` beats the leader on its seed, no settled ranking is claimed from there on.
        var beating = c
        beating[0].accuracy = 0.9
        let unsettled = Analysis(results: a + b + beating, learners: learners, target: nil)
        #expect(unsettled.rankings.last?.challengers == ["c"])
        #expect(unsettled.settledFrom == nil)
    }

    @Test func aPlateauBelowAMeasuredPointIsNoEstimate() throws {
        func point(_ m: Int, _ mean: Double) -> Analysis.Point {
            Analysis.Point(m: m, mean: mean, spread: 0, seeds: [0], accuracies: [mean], fitSeconds: 1, parameters: nil)
        }
        var curve = Analysis.LearnerCurve(learner: "mlp-large", configuration: "", points: [point(9600, 0.86), point(24000, 0.884)],
                                          selection: nil, asymptote: 0.875, asymptoteSpread: 0.02, slopePerDoubling: 0.02,
                                          target: nil, statuses: [:])
        #expect(curve.measuredAbovePlateau?.m == 24000)
        curve.asymptote = 0.9
        #expect(curve.measuredAbovePlateau == nil)
    }

    @Test func targetBeyondTheDataIsReadOffTheForecast() throws {
        let r = cells("p") { m, s in 0.95 - 2 * pow(m, -0.5) + 0.002 * (Double(s) - 1) }
        let a = Analysis(results: r, learners: [("p", "p")], target: 0.94)
        let t = try #require(a.learners[0].target)
        let expected = pow(2 / 0.01, 2.0)  // 0.95 − 2·m^−0.5 = 0.94
        // Read off the forecast: the true size lies in its 80% interval, and the median is within a factor of two.
        #expect(!t.measured && t.extrapolated)
        let m = try #require(t.m)
        #expect(m / expected > 0.5 && m / expected < 2, "m ≈ \(m), expected \(expected)")
        #expect((t.early ?? 0) <= expected && expected <= (t.late ?? .infinity), "m ≈ \(m) [\(t.early ?? 0), \(t.late ?? .infinity)], expected \(expected)")
        #expect(abs(try #require(a.learners[0].asymptote) - 0.95) < 0.01)
        #expect(try #require(a.learners[0].asymptoteSpread) < 0.01)
    }

    /// Tick labels of huge or infinite values (a diverged run's loss) trapped converting to Int.
    @Test func tickLabelsOfHugeValues() {
        #expect(Plot.number(1e30) == "1e+24M")
        #expect(Plot.number(-Double.infinity) == "-inf")
        #expect(Plot.number(2e6) == "2M" && Plot.number(0.5) == "0.5")
    }
}
