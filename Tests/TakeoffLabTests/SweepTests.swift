import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffLab

@Suite struct SweepTests {
    func plan(_ split: TrainTestSplit) throws -> SweepPlan {
        try SweepPlan(learners: [learner("logreg"), learner("mlp-small", epochs: 8)], sizes: [40, 80, 160, 320], seeds: [0, 1], split: split)
    }

    @Test func anInterruptedRunResumesToTheSameResults() throws {
        let split = try xorSplit(size: 800)
        let whole = try SweepRunner(plan: plan(split), split: split,
                                    store: ResultStore(path: temporaryDirectory("whole").appendingPathComponent("s.sqlite").path)).run()
        #expect(whole.complete && whole.ran == 16)

        let path = temporaryDirectory("resume").appendingPathComponent("s.sqlite").path
        let cut = SweepRunner(plan: try plan(split), split: split, store: try ResultStore(path: path))
        cut.cellLimit = 5
        let partial = try cut.run()
        #expect(!partial.complete && partial.ran == 5 && partial.results.count == 5)
        let reportOnly = SweepRunner(plan: try plan(split), split: split, store: try ResultStore(path: path))
        reportOnly.cellLimit = 0
        let stored = try reportOnly.run()
        #expect(stored.ran == 0 && stored.reused == 5 && outcomes(stored.results) == outcomes(partial.results))
        let resumed = try SweepRunner(plan: plan(split), split: split, store: ResultStore(path: path)).run()
        #expect(resumed.complete && resumed.reused == 5 && resumed.ran == 11)
        #expect(outcomes(resumed.results) == outcomes(whole.results))
    }

    /// Each cell uses `threads / workers` threads; with one thread per cell, one worker or two give the same numbers.
    @Test func parallelWorkersGiveTheResultsOfOneWorker() throws {
        let split = try xorSplit(size: 800)
        func run(workers: Int) throws -> SweepRunner.Outcome {
            let runner = SweepRunner(plan: try plan(split), split: split,
                                     store: try ResultStore(path: temporaryDirectory("w\(workers)").appendingPathComponent("s.sqlite").path))
            runner.compute = try Compute(threads: workers, workers: workers)  // one thread per cell either way
            return try runner.run()
        }
        let one = try run(workers: 1), two = try run(workers: 2)
        #expect(two.complete && two.ran == 16)
        #expect(outcomes(two.results) == outcomes(one.results))
    }

    @Test func cellsOverTheBudgetAreSkippedAndReported() throws {
        let split = try xorSplit(size: 800)
        let plan = try SweepPlan(learners: [learner("logreg")], sizes: [40, 80, 160, 320], seeds: [0], split: split)
        let store = try ResultStore(path: temporaryDirectory("budget").appendingPathComponent("s.sqlite").path)
        // Earlier measurements say the cost doubles with m: 10 s at 40, 20 s at 80, so 160 needs 40 s.
        for (m, t) in [(40, 10.0), (80, 20.0)] {
            let key = plan.cells.first { $0.m == m }!
            try store.record(CellResult(key: key, status: .ok, accuracy: 0.5, fitSeconds: t, predictSeconds: 0, parameters: 6, precision: 0.5, recall: 0.5))
        }
        let runner = SweepRunner(plan: plan, split: split, store: store)
        runner.budget = 30
        var lines: [String] = []
        runner.log = { lines.append($0) }
        let outcome = try runner.run()
        #expect(outcome.ran == 0 && outcome.reused == 2 && !outcome.complete)
        let skipped = outcome.results.filter { $0.status == .skippedBudget }
        #expect(skipped.map(\.key.m) == [160, 320])
        // The largest size is tried before the second-largest: each is skipped on its own prediction.
        #expect(skipped.map { $0.error?.contains("predicted \($0.key.m == 160 ? "60.0" : "120.0") s") } == [true, true])
        // Skipped cells are summed up per learner at the end, not logged one by one (unless asked).
        #expect(lines.isEmpty, "\(lines)")
        #expect(try store.count() == 2)
        var report = CurveReport(dataName: "xor", plan: plan, outcome: outcome,
                                 analysis: Analysis(results: outcome.results, learners: [("logreg", plan.learners[0].configuration)]),
                                 poolSize: split.train.count, testSize: split.test.count, budget: 30, compute: try Compute(threads: 1))
        report.classNames = ["no", "yes"]
        // The forecast is of the curve's metric: the F1, precision and recall tables say the cells were skipped.
        let others = try #require(report.twoClassTables)
        #expect(!others.contains("~") && others.contains("skipped"), "\(others)")
        let console = report.console(out: "out")
        #expect(console.contains("logreg: 2 cells skipped at the budget (m ≥ 160 not measured, forecast used)"), "\(console)")
        let verbose = SweepRunner(plan: plan, split: split, store: store)
        (verbose.budget, verbose.logsSkippedCells) = (30, true)
        verbose.log = { lines.append($0) }
        _ = try verbose.run()
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("skipped-budget") })
        #expect(report.csv.components(separatedBy: "skipped-budget").count == 3)
        // The skipped sizes show the forecast, marked as not measured.
        #expect(report.table.contains("~") && report.table.contains("predicted by the forecast, not measured"))
        #expect(report.html.contains("skipped-budget"))
    }

    @Test func theBudgetLinesSayWhatEachLearnerLost() throws {
        func cell(_ learner: String, _ m: Int, _ seed: UInt64, _ status: CellStatus) -> CellResult {
            CellResult(key: CellKey(dataset: "d", learner: learner, configuration: learner, m: m, seed: seed), status: status, accuracy: status == .ok ? 0.8 : nil)
        }
        var results: [CellResult] = []
        for m in [100, 1000, 15_600, 60_000] {
            for seed: UInt64 in 0...2 {
                results.append(cell("mlp-large", m, seed, m >= 15_600 ? .skippedBudget : seed == 0 || m == 100 ? .ok : .skippedBudget))
                results.append(cell("logreg", m, seed, .ok))
                results.append(cell("cnn", m, seed, m == 60_000 && seed == 0 ? .cutBudget : m == 60_000 ? .skippedBudget : .ok))
            }
        }
        let outcome = SweepRunner.Outcome(results: results, ran: 0, reused: 0, complete: false, seconds: 1, remainingSeconds: 10)
        #expect(outcome.budgetLines(forecast: ["mlp-large"]) == [
            "mlp-large: 8 cells skipped at the budget (m ≥ 15,600 not measured, forecast used; 2 repeat seeds at m = 1,000)",
            "cnn: 2 cells skipped at the budget, 1 cell cut when it ran out (m = 60,000 not measured)",
        ])
    }

    @Test func aCellLineReportsTheSweepsMetric() {
        let key = CellKey(dataset: "d", learner: "logreg", configuration: "logreg", m: 600, seed: 0)
        let r = CellResult(key: key, status: .ok, accuracy: 0.7, fitSeconds: 1, predictSeconds: 0, auc: 0.61234)
        #expect(SweepRunner.describe(r) == "logreg m=600 seed 0: ok 70.00% (fit 1.00 s, predict 0.00 s)")
        #expect(SweepRunner.describe(r, metric: .auc) == "logreg m=600 seed 0: ok ROC AUC 0.6123 (fit 1.00 s, predict 0.00 s)")
        #expect(SweepRunner.describe(r, metric: .logloss).contains("ok (no log loss)"))
    }

    @Test func nonFiniteScoresAreNotAnAccuracy() throws {
        let finite = try Metrics(scores: Tensor([0.9, 0.1, 0.3, 0.7], shape: [2, 2]), labels: [0, 0], probabilities: true)
        #expect(finite.accuracy == 0.5)
        #expect(throws: NonFiniteScores.self) {
            try Metrics(scores: Tensor([0.9, 0.1, .nan, 0.7], shape: [2, 2]), labels: [0, 1], probabilities: false)
        }
    }

    @Test func linearLearnersPlateauNearChanceOnXor() throws {
        let split = try xorSplit(size: 2_000)
        let plan = try SweepPlan(learners: [learner("logreg"), learner("linear-svm"), learner("mlp-small", epochs: 30)],
                                 sizes: [100, 200, 400, 800, 1600], seeds: [0], split: split)
        let outcome = try SweepRunner(plan: plan, split: split,
                                      store: ResultStore(path: temporaryDirectory("xor").appendingPathComponent("s.sqlite").path)).run()
        let analysis = Analysis(results: outcome.results, learners: plan.learners.map { ($0.name, $0.configuration) }, target: 0.9)
        let mlp = try #require(analysis.learners.first { $0.learner == "mlp-small" })
        let mlpFinal = try #require(mlp.points.last).mean
        #expect(mlpFinal > 0.9)
        // No line separates xor: the best one gets about two thirds right, and more data does not help.
        for name in ["logreg", "linear-svm"] {
            let c = try #require(analysis.learners.first { $0.learner == name })
            #expect(c.points.allSatisfy { $0.mean < 0.7 }, "\(name): \(c.points.map(\.mean))")
            #expect(try #require(c.slopePerDoubling) < 0.02)
            #expect(try #require(c.asymptote) < 0.72)
            #expect(c.target?.m == nil)
            let final = try #require(c.points.last).mean
            #expect(mlpFinal > final + 0.25)
        }
        #expect(analysis.rankings.last?.leader == "mlp-small")
        #expect(analysis.summary.contains { $0.contains("mlp-small leads") })
        // The figure and page are written and name every learner.
        let report = CurveReport(dataName: "xor", plan: plan, outcome: outcome, analysis: analysis, poolSize: split.train.count,
                                 testSize: split.test.count, budget: nil, compute: try Compute(threads: 1))
        let dir = temporaryDirectory("report")
        try report.write(to: dir)
        let svg = try String(contentsOf: dir.appendingPathComponent("curve.svg"), encoding: .utf8)
        for name in ["logreg", "linear-svm", "mlp-small", "forecast", "test accuracy", "fit time"] { #expect(svg.contains(name)) }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as? [String: Any]
        #expect((json?["cells"] as? [String: Int])?["ok"] == 15)
    }

    /// `evaluate` checks a model's feature count before scoring; a classic model on data of another
    /// width trapped in its matrix product. Missing files and directories are named as such.
    @Test func savedModelsReportTheirFeatureCountAndBadPathsAreNamed() throws {
        let split = try xorSplit(size: 200)
        let dir = temporaryDirectory("models")
        for name in ["logreg", "rbf-svm", "mlp-small"] {
            let url = dir.appendingPathComponent("\(name).safetensors")
            try learner(name, epochs: 1, C: 1).fit(split.train, seed: 0).save(to: url)
            #expect(try LearnerRegistry.loadModel(from: url).featureCount == 2)
        }
        for (url, reason) in [(dir, "is a directory"), (dir.appendingPathComponent("none.safetensors"), "no such file")] {
            do {
                _ = try LearnerRegistry.loadModel(from: url)
                Issue.record("\(url.path) loaded")
            } catch let SafetensorsError.io(path, r) {
                #expect(path == url.path && r.contains(reason))
            }
        }
    }
}
