import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffNN

/// `takeoff scale`: the sized networks, the joint law and its fit, the answers, the teacher ordering, bad input.
@Suite struct ScaleTests {
    static let widths = [16, 32, 64, 128, 256]
    static let sizes = [200, 500, 1_200, 3_000, 7_500]
    static let truth = (a: 0.25, alpha: 0.45, b: 0.12, beta: 0.55, c: 0.03)

    /// Cells whose errors follow a known law (with a little seeded noise), keyed like a real sweep's.
    static func syntheticResults(noise: Double = 0.01, outlier: Bool = false) -> (results: [CellResult], setting: ScaleAnalysis.Setting) {
        let shapes = widths.map { NetworkShape(.mlp, width: $0, depth: 2) }
        let configurations = shapes.map { SweepPlan.canonicalConfiguration(of: NeuralLearner(shape: $0)) }
        let setting = ScaleAnalysis.Setting(shapes: shapes, configurations: configurations, sizes: sizes, pool: 60_000, inputShape: [784],
                                            classes: 10, target: 0.8, bootstraps: 12, epochs: nil)
        let n0 = Double(shapes.last!.size(inputShape: [784], classes: 10).parameters)
        let law = ScalingLaw(a: truth.a, alpha: truth.alpha, b: truth.b, beta: truth.beta, c: truth.c, randomGuess: 0.9, m0: 7_500, n0: n0)
        var rng = RandomGenerator(seed: 7)
        var results: [CellResult] = []
        for (shape, configuration) in zip(shapes, configurations) {
            let n = shape.size(inputShape: [784], classes: 10).parameters
            for m in sizes {
                for seed: UInt64 in [0, 1] {
                    var error = law.error(m: Double(m), n: Double(n)) * (1 + noise * Double(rng.normal()))
                    if outlier && shape.width == 64 && m == 1_200 && seed == 0 { error *= 2.5 }
                    let key = CellKey(dataset: "synthetic", learner: shape.name, configuration: configuration, m: m, seed: seed)
                    results.append(CellResult(key: key, status: .ok, accuracy: 1 - error, fitSeconds: 1, parameters: n))
                }
            }
        }
        return (results, setting)
    }

    @Test func fitRecoversKnownExponents() throws {
        let (results, setting) = Self.syntheticResults(outlier: true)
        let analysis = ScaleAnalysis(results: results, setting: setting)
        let fit = try #require(analysis.fit)
        #expect(abs(fit.law.alpha - Self.truth.alpha) < 0.06, "α = \(fit.law.alpha)")
        #expect(abs(fit.law.beta - Self.truth.beta) < 0.08, "β = \(fit.law.beta)")
        // The irreducible term is the least identified (the data term is still large at the largest m): only its size is checked.
        #expect(fit.law.irreducible < 0.06, "c = \(fit.law.irreducible)")
        #expect(fit.alpha.low <= fit.law.alpha && fit.law.alpha <= fit.alpha.high && fit.alpha.low < fit.alpha.high)
        // The back-test: a law that is true predicts the largest cells better than either per-width baseline.
        let backtest = try #require(analysis.backtest)
        #expect(backtest.jointWins, "joint \(backtest.jointError), last \(String(describing: backtest.lastValueError)), 1-D \(String(describing: backtest.perWidthFitError))")
        #expect(analysis.summary.contains { $0.contains("Back-test") && $0.contains("beats both") })
        // The frontier never narrows as data grows and the compute-optimal width grows with the budget.
        let widths = analysis.frontier.map(\.width)
        #expect(zip(widths, widths.dropFirst()).allSatisfy { $0 <= $1 } && widths.last! > widths.first!, "\(widths)")
        let optimal = try #require(analysis.computeOptimal)
        #expect(optimal.widthExponent.value > 0 && optimal.dataExponent.value > 0)
        // 80% accuracy is within reach of the widest network, with an m that shrinks as the width grows.
        let target = try #require(analysis.target)
        let needs = target.widths.compactMap { $0.m?.value }
        #expect(target.smallestWidth != nil && zip(needs, needs.dropFirst()).allSatisfy { $0 >= $1 })
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = try encoder.encode(analysis)  // a refit that never reaches the target makes an interval end infinite
        #expect(json.count > 1000)
    }

    @Test func unreachableTargetNamesTheClosestWidth() throws {
        var (results, setting) = Self.syntheticResults()
        setting.target = 0.99  // below the irreducible 3% error
        setting.bootstraps = 5
        let analysis = ScaleAnalysis(results: results, setting: setting)
        let target = try #require(analysis.target)
        #expect(target.smallestWidth == nil && target.closestWidth == 256)
        #expect(analysis.summary.contains { $0.contains("no width measured can reach it") && $0.contains("closest is width 256") })
    }

    @Test func tooFewWidthsOrSizesSaySo() throws {
        var request = ScaleRequest(data: "teacher", compute: try Compute(threads: 1, workers: 1))
        request.widths = [64]
        #expect { try request.validate() } throws: { "\($0)".contains("at least 3 widths, got 1") }
        request.widths = [16, 32, 32, 64]
        #expect { try request.validate() } throws: { "\($0)".contains("width 32 is listed more than once") }
        request.widths = [16, 32, 64]
        request.sizes = [100, 1_000]
        #expect { try request.validate() } throws: { "\($0)".contains("at least 3 training sizes, got 2") }
        // An analysis with results at too few widths says so rather than fitting.
        let (results, setting) = Self.syntheticResults()
        let two = results.filter { $0.key.learner == "mlp-w16-d2" || $0.key.learner == "mlp-w32-d2" }
        let analysis = ScaleAnalysis(results: two, setting: setting)
        #expect(analysis.fit == nil && analysis.summary.first!.contains("needs results at 3 or more widths"))
    }

    /// Each bootstrap refit is a whole fit, run after training: a count past the ceiling is refused before any.
    @Test func bootstrapsHaveACeiling() throws {
        var request = ScaleRequest(data: "teacher", compute: try Compute(threads: 1, workers: 1))
        request.bootstraps = ScaleRequest.maxBootstraps
        try request.validate()
        for bad in [ScaleRequest.maxBootstraps + 1, Int.max, -1] {
            request.bootstraps = bad
            #expect { try request.validate() } throws: { "\($0)" == "bootstraps: must be in 0...100000, got \(bad)" }
        }
    }

    @Test func badRequestLosesNothingFromTheStore() throws {
        let dir = temporaryDirectory("scale-store")
        let path = dir.appendingPathComponent("scale.sqlite").path
        let store = try ResultStore(path: path)
        let key = CellKey(dataset: "d", learner: "mlp-w16-d2", configuration: "{}", m: 10, seed: 0)
        try store.record(CellResult(key: key, status: .ok, accuracy: 0.5, trainingFLOPs: 1e6))
        var request = ScaleRequest(data: "teacher", compute: try Compute(threads: 1, workers: 1))
        request.store = path
        request.widths = [16, 16, 32]
        #expect(throws: LabError.self) { _ = try ScaleExperiment(request) }
        let reopened = try ResultStore(path: path)
        #expect(try reopened.count() == 1 && reopened.results(dataset: "d")[key]?.trainingFLOPs == 1e6)
    }

    @Test func sizedNetworksAreKeyedApartAndPresetsUnchanged() throws {
        // Every preset's configuration exactly as stored curve cells have it.
        #expect(NeuralLearner(preset: .mlpSmall).configuration
            == ["preset": "mlp-small", "activation": "relu", "optimizer": OptimizerKind.adam().description, "dropout": "0.0", "recipe": NeuralLearner.Recipe.version])
        #expect(NeuralLearner(preset: .mlpLarge).configuration["dropout_masks"] == "hashed")
        let sized = NeuralLearner(shape: NetworkShape(.mlp, width: 64, depth: 2)).configuration
        #expect(sized["preset"] == nil && sized["width"] == "64" && sized["depth"] == "2" && sized["network"] == "mlp")
        for shape in [NetworkShape(.mlp, width: 24, depth: 3), NetworkShape(.cnn, width: 4, depth: 2)] {
            let input = shape.family == .cnn ? [1, 28, 28] : [784]
            let model = shape.model(inputShape: input, classes: 10, activation: .relu, seed: 0)
            let size = shape.size(inputShape: input, classes: 10)
            #expect(size.parameters == model.parameterCount && size.flopsPerExample == model.flopsPerExample, "\(shape.name)")
        }
    }

    /// On `teacher` (labels from a known network) the measured grid and the fit show the expected ordering:
    /// the wide network wins at large m by more than at small m (where it loses or ties), and the
    /// frontier's width grows with m. Small and fast: 3 widths × 3 sizes × 1 seed, few epochs.
    @Test func teacherOrdering() throws {
        var request = ScaleRequest(data: "teacher", compute: try Compute(threads: 2, workers: 1))
        request.loading = LoadOptions(size: 6_000, seed: 0)
        request.widths = [2, 8, 48]
        request.sizes = [40, 400, 4_000]
        request.seeds = 1
        request.bootstraps = 10
        request.learnerOptions.epochs = 12
        request.learnerOptions.learningRate = 0.01
        request.budget = .unlimited
        request.out = temporaryDirectory("scale-teacher").path
        let report = try ScaleExperiment(request).run()
        let a = report.analysis
        func error(_ w: Int, _ m: Int) throws -> Double { try #require(a.cells.first { $0.width == w && $0.m == m }).error }
        let gainLarge = try error(2, 4_000) - error(48, 4_000), gainSmall = try error(2, 40) - error(48, 40)
        #expect(gainLarge > 0.05, "the widest network wins at m = 4,000: gain \(gainLarge)")
        #expect(gainSmall < gainLarge, "at m = 40 the widest gains less (loses or ties): \(gainSmall) against \(gainLarge)")
        let frontier = a.frontier.map(\.width)
        #expect(zip(frontier, frontier.dropFirst()).allSatisfy { $0 <= $1 } && frontier.last! > frontier.first!, "\(frontier)")
        #expect(FileManager.default.fileExists(atPath: request.out + "/scale-heatmap.svg"))
    }
}
