import Foundation
import TakeoffEngine

/// `takeoff fit`: forecasts for every curve of a ``CurveTable`` at chosen sizes, and, over many data sets,
/// where the neural networks overtake the traditional learners (``LectureCheck``).
public struct FitRequest: Sendable {
    public var table: CurveTable
    /// Absolute sizes, or multiples of each curve's largest measured size.
    public enum Horizon: Sendable, Equatable { case size(Double), times(Double) }
    public var horizons: [Horizon]
    public var target: Double?

    /// The largest size a forecast is made at.
    public static let largestHorizon = 1e15

    /// `at`: `M[,M…]` or `Nx`, each at most ``largestHorizon`` (a multiple times every curve's largest size);
    /// throws ``CurveError/invalidGrid(_:)`` naming the bad item.
    public init(table: CurveTable, at: String, target: Double?) throws {
        self.table = table
        self.target = target
        let largest = Double(table.curves.compactMap { $0.points.map(\.m).max() }.max() ?? 1)
        horizons = try CommaList.items(at).map { item in
            let text = item.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "")
            let beyond = "beyond m = \(Analysis.count(Self.largestHorizon)), the largest size forecast"
            if text.hasSuffix("x"), let n = Double(text.dropLast()), n.isFinite, n > 0 {
                guard n * largest <= Self.largestHorizon else {
                    throw CurveError.invalidGrid("--at: '\(item)' of the largest size measured (\(Analysis.count(largest))) is \(beyond)")
                }
                return .times(n)
            }
            guard let m = Double(text), m.isFinite, m >= 1 else {
                throw CurveError.invalidGrid("--at: '\(item)' is neither a size (a positive number) nor a multiple such as 10x")
            }
            guard m <= Self.largestHorizon else { throw CurveError.invalidGrid("--at: '\(item)' is \(beyond)") }
            return .size(m)
        }
        guard !horizons.isEmpty else { throw CurveError.invalidGrid("--at: no sizes given") }
        if let target, !(0...1).contains(target) { throw CurveError.invalidGrid("--target must be a score in 0–1 (or a percent), got \(target)") }
    }

    public func run() -> FitResult {
        var forecasts = [FitResult.LearnerForecast?](repeating: nil, count: table.curves.count)
        let curves = table.curves, horizons = self.horizons, target = self.target
        forecasts.withUnsafeMutableBufferPointer { buffer in
            Parallel.forEach(curves.count) { i in buffer[i] = FitResult.LearnerForecast(curves[i], horizons: horizons, target: target) }
        }
        let all = forecasts.compactMap { $0 }
        return FitResult(table: table, learners: all, target: target,
                         lecture: table.datasets.count > 1 ? LectureCheck.run(table.curves) : [])
    }
}

/// What `takeoff fit` found.
public struct FitResult: Sendable {
    /// One curve's forecasts.
    public struct LearnerForecast: Sendable, Codable {
        public struct Point: Sendable, Codable { public var m: Double; public var value: Double; public var low: Double; public var high: Double }
        public struct Need: Sendable, Codable {
            public var target: Double
            /// nil: not within ``Analysis/targetLimit`` times the largest size.
            public var m: Double?; public var low: Double?; public var high: Double?
            public var measured: Bool
        }
        public var dataset: String
        public var learner: String
        public var largest_m: Int
        public var last: Double
        public var seeds: Int
        public var forecasts: [Point]
        public var cautions: [String]
        public var target: Need?

        init(_ curve: ObservedCurve, horizons: [FitRequest.Horizon], target: Double?) {
            let features = curve.features()
            let forecast = Forecaster.calibrated.forecast(features)
            dataset = curve.dataset; learner = curve.learner; largest_m = curve.points.last!.m; last = features.last
            seeds = curve.points.map(\.scores.count).max() ?? 0
            forecasts = horizons.map { h in
                let m: Double = switch h { case .size(let m): m; case .times(let n): n * features.largest }
                let v = forecast.at(m)
                return Point(m: m, value: v.value, low: v.low, high: v.high)
            }
            cautions = forecast.cautions
            if let far = forecasts.map(\.m).max(), far > Analysis.targetLimit * features.largest {
                cautions.append("m = \(Analysis.count(far)) is more than \(Int(Analysis.targetLimit))× the largest size measured, "
                                + "far past the 16× the forecaster was checked on: a guess")
            }
            self.target = target.map { t in
                let found = forecast.sizeFor(t)
                return Need(target: t, m: found.m, low: found.early, high: found.late, measured: found.measured)
            }
        }
    }

    public var table: CurveTable
    public var learners: [LearnerForecast]
    public var target: Double?
    public var lecture: [LectureCheck.Pair]

    public func json() throws -> Data {
        struct Out: Encodable {
            var file_layout: String; var metric: String; var curves: [LearnerForecast]; var lecture: [LectureCheck.Pair]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Out(file_layout: table.layout.rawValue, metric: table.metricColumn, curves: learners, lecture: lecture))
    }

    /// A line per curve: its last measurement and each forecast with its interval; then the lecture's check.
    public var console: String {
        func pct(_ v: Double) -> String { String(format: "%.1f", v * 100) }
        var lines: [String] = []
        let many = table.datasets.count > 1
        if many {
            lines.append("\(learners.count) curves on \(table.datasets.count) data sets (\(table.metricColumn)); forecasts per curve: --json.")
        } else {
            lines.append("Forecasts of \(table.metricColumn) (%), median [80% interval]:")
            for l in learners {
                let f = l.forecasts.map { "m = \(Analysis.count($0.m)): \(pct($0.value)) [\(pct($0.low)), \(pct($0.high))]" }
                var line = "  \(LectureCheck.shortName(l.learner)): \(pct(l.last)) measured at m = \(Analysis.count(l.largest_m)); " + f.joined(separator: "; ")
                if let t = l.target {
                    line += t.measured ? "; reaches \(pct(t.target)) by m = \(Analysis.count(t.m!))"
                        : "; \(pct(t.target)) needs " + (t.m.map { "m ≈ \(Analysis.count($0))" } ?? "more than \(Int(Analysis.targetLimit))× the data (as far as the forecast reaches)")
                            + " [" + (t.low.map { Analysis.count($0) } ?? "—") + ", " + (t.high.map { Analysis.count($0) } ?? "beyond") + "]"
                }
                if !l.cautions.isEmpty { line += " (" + l.cautions.joined(separator: "; ") + ")" }
                lines.append(line)
            }
        }
        if !lecture.isEmpty {
            lines.append("")
            lines.append(LectureCheck.table(lecture))
        }
        return lines.joined(separator: "\n")
    }

    /// The metric the columns hold, for the figure's labels.
    var metric: CurveMetric {
        let c = table.metricColumn
        return c.contains("auc") ? .auc : c.contains("log_loss") || c.contains("logloss") ? .logloss : .accuracy
    }

    /// The same report and figure `takeoff curve` writes, for a file of one data set; nil for several.
    public func report(file: String) -> CurveReport? {
        guard table.datasets.count == 1 else { return nil }
        let dataset = table.datasets[0]
        let metric = self.metric
        var results: [CellResult] = []
        var learners: [(name: String, configuration: String)] = []
        // scikit-learn's learners by their class names, where those are unique (sklearn.svm.SVC: SVC).
        let short = table.curves.map { LectureCheck.shortName($0.learner) }
        let names = Set(short).count == short.count ? short : table.curves.map(\.learner)
        for (c, name) in zip(table.curves, names) {
            let configuration = "{\"learner\":\"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"}"
            learners.append((name, configuration))
            for p in c.points {
                for (i, s) in p.scores.enumerated() {
                    var r = CellResult(key: CellKey(dataset: dataset, learner: name, configuration: configuration, m: p.m, seed: UInt64(i)), status: .ok)
                    switch metric {
                    case .accuracy: r.accuracy = s
                    case .auc: r.auc = s
                    case .logloss: r.logLoss = -log(max(s, 1e-300))
                    }
                    results.append(r)
                }
            }
        }
        let sizes = Set(results.map(\.key.m)).sorted(), seeds = Set(results.map(\.key.seed)).sorted()
        let plan = SweepPlan(recorded: learners, sizes: sizes, seeds: seeds, dataset: dataset)
        let largest = Double(sizes.last!)
        let reach = learners.isEmpty ? largest : self.learners.flatMap { $0.forecasts.map(\.m) }.max() ?? largest
        let analysis = Analysis(results: results, learners: learners, target: target, metric: metric, forecastTo: max(reach, largest))
        let outcome = SweepRunner.Outcome(results: results, ran: 0, reused: results.count, complete: true, seconds: 0, remainingSeconds: 0)
        var report = CurveReport(dataName: URL(fileURLWithPath: file).lastPathComponent + (dataset.isEmpty ? "" : " (data set \(dataset))"),
                                 plan: plan, outcome: outcome, analysis: analysis, poolSize: Int(largest), testSize: 0, budget: nil,
                                 compute: (try? Compute(threads: 1, workers: 1))!)
        (report.sourceFile, report.sourceFormat) = (file, "\(table.layout.rawValue) layout, \(table.metricColumn)")
        return report
    }
}
