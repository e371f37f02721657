import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffLab

/// The experiment layer: a request in, a result out, the same for the command line, MPI ranks and tests.
@Suite struct ExperimentTests {
    /// summary.json wrote `workers: 1` always and the per-worker thread count as `threads`.
    @Test func theSummarySaysTheThreadsAndWorkersTheRunUsed() throws {
        var request = CurveRequest(data: "xor", compute: try Compute(threads: 2, workers: 2))
        request.loading = LoadOptions(size: 600, seed: 0)
        (request.learners, request.sizes, request.seeds, request.out) = (["logreg"], [100, 200], 2, temporaryDirectory("summary").path)
        let report = try CurveExperiment(request).run()
        let json = try JSONSerialization.jsonObject(with: report.summaryJSON()) as? [String: Any]
        let run = try #require(json?["run"] as? [String: Any])
        #expect(run["threads"] as? Int == 2 && run["workers"] as? Int == 2 && run["threads_per_worker"] as? Int == 1)
        #expect(run["complete"] as? Bool == true && run["ran"] as? Int == 4)
    }

    /// `train` and a curve cell are one computation: the same learner, subset and seed give the same numbers.
    @Test func aTrainRequestAndASweepCellAgree() throws {
        var request = TrainRequest(data: "xor", learner: "mlp-small")
        (request.loading, request.trainSize, request.seed) = (LoadOptions(size: 800, seed: 0), 200, 3)
        request.options.epochs = 5
        let trained = try request.run()
        let split = try DataCatalog.load("xor", options: LoadOptions(size: 800, seed: 3))
        let plan = try SweepPlan(learners: [learner("mlp-small", epochs: 5)], sizes: [200], seeds: [3], split: split)
        let cell = CellEvaluator(plan: plan, split: split).evaluate(CellJob(key: plan.cells[0], learner: 0))
        #expect(cell.accuracy == trained.cell.metrics.accuracy && cell.logLoss == trained.cell.metrics.logLoss)
    }

    /// An option a learner does not take is an error naming both (it was silently ignored).
    @Test func optionsALearnerDoesNotTakeAreRefused() throws {
        var request = TrainRequest(data: "xor", learner: "mlp-small")
        request.options.tolerance = 1e-3
        #expect(throws: LearnerError.optionNotTaken(learner: "mlp-small", option: .tolerance,
                                                    takes: [.activation, .epochs, .batchSize, .learningRate, .dropout, .augment, .precision])) { try request.run() }
        // A curve gives each learner the options it takes: epochs go to the networks only.
        var curve = CurveRequest(data: "xor", compute: try Compute(threads: 1))
        (curve.learners, curve.learnerOptions.epochs) = (["logreg", "mlp-small"], 7)
        let made = try curve.makeLearners(for: try DataCatalog.load("xor", options: LoadOptions(size: 400, seed: 0)).train)
        #expect(made[0].configuration["epochs"] == nil && made[1].configuration["epochs"] == "7")
    }

    /// Every option is set and cleared through its declaration; `given` lists exactly the set ones.
    @Test func everyOptionRoundTrips() {
        var o = LearnerOptions()
        (o.C, o.gamma, o.kernel, o.degree, o.loss, o.tolerance, o.maxIterations, o.cacheMB) = (1, 2, "rbf", 3, "hinge", 4, 5, 6)
        (o.activation, o.epochs, o.batchSize, o.learningRate, o.dropout) = (.tanh, 7, 8, 0.5, 0.25)
        (o.augment, o.precision) = (ImageAugmentation(flip: true), .bf16)
        #expect(o.given.map(\.option) == LearnerOption.allCases)
        for option in LearnerOption.allCases { o.clear(option) }
        #expect(o.given.isEmpty)
    }

    @Test func everyLearnerIsDeclaredOnceAndLoadsItsOwnModels() throws {
        #expect(Set(LearnerRegistry.names).count == LearnerRegistry.names.count)
        let split = try xorSplit(size: 400)
        for name in ["logreg", "linear-svm", "rbf-svm", "mlp-small"] {
            let url = temporaryDirectory("declared").appendingPathComponent("\(name).safetensors")
            try learner(name, epochs: 1, C: 1).fit(split.train, seed: 0).save(to: url)
            let loaded = try LearnerRegistry.loadModel(from: url)
            #expect(loaded.learnerName == name && loaded.featureCount == 2)
        }
    }

    /// The README's experiment-layer example, as written but for the output folder.
    @Test func readmeExample() throws {
        var request = CurveRequest(data: "xor", compute: try Compute(threads: 2))
        (request.quick, request.out) = (true, temporaryDirectory("readme").path)
        let report = try CurveExperiment(request).run()
        #expect(report.console(out: request.out).contains("test accuracy (%)") && report.outcome.results.count == report.plan.cells.count)
    }
}
