import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffLab

/// A click log with known structure: a user field with a main effect, and two fields (ad × site) whose
/// values matter only together (a click is likelier where their parities agree): what a sum of per-field
/// weights cannot express and an MLP over per-field embeddings can, given enough rows per combination.
func plantedClicks(count: Int, seed: UInt64) throws -> Dataset {
    var rng = RandomGenerator(seed: seed)
    var records: [[String]] = [], labels: [Int] = []
    for _ in 0..<count {
        let user = Int(rng.next() % 10), ad = Int(rng.next() % 12), site = Int(rng.next() % 12), hour = Int(rng.next() % 24)
        let z = 1.5 * (user < 5 ? 1.0 : -1.0) + 2.5 * ((ad + site) % 2 == 0 ? 1.0 : -1.0)
        let p = 1 / (1 + exp(-z))
        records.append(["u\(user)", "a\(ad)", "s\(site)", "h\(hour)"])
        labels.append(Double(rng.next() % 1_000_000) / 1_000_000 < p ? 1 : 0)
    }
    return Dataset(name: "planted-clicks", categorical: try CategoricalFields(names: ["user", "ad", "site", "hour"], records: records),
                   labels: labels, classNames: ["not clicked", "clicked"])
}

@Suite(.serialized) struct ClickLearnerTests {
    /// Test AUC of `learner` trained on the first `m` rows of `pool`.
    func auc(_ learner: String, m: Int, pool: Dataset, test: Dataset) throws -> Double {
        let model = try LearnerRegistry.learner(named: learner).fit(pool.subset(Array(0..<m)), seed: 0)
        return try Metrics(scores: model.scores(on: test), labels: test.labels, probabilities: true).positive!.auc!
    }

    /// The lecture's shape on click data: with little data the linear baseline is as good or better; with
    /// plenty, the embedding network learns the ad × site interaction and pulls clearly ahead.
    @Test func theEmbeddingNetworkBeatsHashedLogisticRegressionOnlyWithEnoughData() throws {
        let pool = try plantedClicks(count: 6_000, seed: 1), test = try plantedClicks(count: 2_000, seed: 2)
        let small = (linear: try auc("sparse-logreg", m: 150, pool: pool, test: test), network: try auc("embed-mlp", m: 150, pool: pool, test: test))
        let large = (linear: try auc("sparse-logreg", m: 6_000, pool: pool, test: test), network: try auc("embed-mlp", m: 6_000, pool: pool, test: test))
        print("planted clicks, test AUC: m = 150 linear \(small.linear) network \(small.network); m = 6000 linear \(large.linear) network \(large.network)")
        #expect(small.network <= small.linear + 0.02)
        #expect(large.network >= large.linear + 0.10)
        #expect(large.linear < 0.8)  // the interaction is out of a linear model's reach
    }

    @Test func learnersSayWhichDataTheyTake() throws {
        let clicks = try plantedClicks(count: 50, seed: 3)
        let logreg = try LearnerRegistry.declaration(named: "logreg")
        #expect(throws: LearnerError.self) { try logreg.check(clicks) }
        do { try logreg.check(clicks) } catch { #expect("\(error)".contains("sparse-logreg") && "\(error)".contains("dense features")) }
        #expect(LearnerRegistry.names(suiting: clicks) == ["sparse-logreg", "embed-mlp"])
        let dense = try Synthetic.xor(count: 40, seed: 1)
        #expect(!LearnerRegistry.names(suiting: dense).contains("sparse-logreg"))
        #expect(throws: (any Error).self) { try LearnerRegistry.learner(named: "sparse-logreg").fit(dense, seed: 0) }
    }

    /// Saved and loaded, each click model scores the same.
    @Test func clickModelsSaveAndLoad() throws {
        let clicks = try plantedClicks(count: 300, seed: 4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-clicks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["sparse-logreg", "embed-mlp"] {
            var options = LearnerOptions()
            if name == "embed-mlp" { options.epochs = 2 }
            let model = try LearnerRegistry.learner(named: name, options: options).fit(clicks, seed: 0)
            let url = dir.appendingPathComponent("\(name).safetensors")
            try model.save(to: url)
            let loaded = try LearnerRegistry.loadModel(from: url)
            #expect(loaded.scores(on: clicks).scalars == model.scores(on: clicks).scalars, "\(name)")
        }
    }

    /// A click model evaluated on a click log that lacks one of its fields: an error naming the model file and the field.
    @Test(.enabled(if: (try? MovieLensClicks.directory()) != nil, "MovieLens-100k (pip install --no-deps recbole) is not installed"))
    func evaluatingOnDataWithoutAFieldOfTheModelNamesTheField() throws {
        let clicks = try plantedClicks(count: 200, seed: 5)  // user, ad, site, hour: MovieLens has no ad
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-clicks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["sparse-logreg", "embed-mlp"] {
            var options = LearnerOptions()
            if name == "embed-mlp" { options.epochs = 1 } else { options.C = 1 }
            let url = dir.appendingPathComponent("\(name).safetensors")
            try LearnerRegistry.learner(named: name, options: options).fit(clicks, seed: 0).save(to: url)
            #expect {
                _ = try EvaluateRequest(model: url.path, data: "movielens-clicks").run()
            } throws: { error in
                "\(error)".contains(url.path) && "\(error)".contains("'ad'")
            }
        }
    }

    @Test func theCurveMetricChoosesWhatTheAnalysisReads() throws {
        func cell(_ m: Int, _ acc: Double, _ auc: Double, _ loss: Double) -> CellResult {
            CellResult(key: CellKey(dataset: "d", learner: "l", configuration: "c", m: m, seed: 0), status: .ok, accuracy: acc,
                       logLoss: loss, auc: auc)
        }
        let cells = [cell(100, 0.6, 0.7, 0.65), cell(400, 0.7, 0.8, 0.5)]
        let byAUC = Analysis(results: cells, learners: [("l", "c")], metric: .auc)
        #expect(byAUC.metric == .auc && byAUC.learners[0].points.map(\.mean) == [0.7, 0.8])
        let byLoss = Analysis(results: cells, learners: [("l", "c")], metric: .logloss)
        #expect(byLoss.learners[0].points.map { CurveMetric.logloss.value(ofScore: $0.mean) }.map { ($0 * 1e9).rounded() } == [0.65e9, 0.5e9])
        #expect(Analysis(results: cells, learners: [("l", "c")]).learners[0].points.map(\.mean) == [0.6, 0.7])
        #expect(CurveMetric.default(for: try Synthetic.xor(count: 10, seed: 1)) == .accuracy)
        #expect(CurveMetric.logloss.text(ofScore: exp(-0.25)) == "0.2500" && CurveMetric.accuracy.text(ofScore: 0.5) == "50.0%")
    }

    /// A metric the data cannot have, or a target that does not fit the metric: an error before anything trains.
    @Test func aCurveMetricTheDataCannotHaveIsRefused() throws {
        var request = CurveRequest(data: "teacher", compute: try Compute(threads: 1, workers: 1))
        request.loading = LoadOptions(size: 300, seed: 0)
        request.metric = .auc
        do {
            _ = try CurveExperiment(request)
            Issue.record("AUC on five classes was accepted")
        } catch let e as LabError {
            #expect("\(e)".contains("auc needs two classes") && "\(e)".contains("teacher has 5"))
        }
        request.metric = .logloss
        request.target = 0.9
        #expect(throws: LabError.self) { try request.validate() }
        // The click set's quick grid: the quick learners that suit it, not ones that would refuse it.
        var clicks = CurveRequest(data: "planted", compute: try Compute(threads: 1, workers: 1))
        clicks.quick = true
        #expect(try clicks.makeLearners(for: try plantedClicks(count: 40, seed: 1)).map(\.name) == ["sparse-logreg", "embed-mlp"])
    }
}
