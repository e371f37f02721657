import Foundation

/// Everything a finished (or budget-cut) sweep reports: the figure, a self-contained HTML page,
/// one CSV row per cell, a JSON summary and a terminal table.
public struct CurveReport {
    public var dataName: String
    public var plan: SweepPlan
    public var outcome: SweepRunner.Outcome
    public var analysis: Analysis
    public var poolSize: Int
    public var testSize: Int
    public var budget: Double?
    /// The threads and workers the run used.
    public var compute: Compute
    /// The data's class names, in label order (class 1 is the one precision and recall are about).
    public var classNames: [String] = []
    /// Another measure than the curve's for ``table`` (mean over seeds, as `text` writes it); nil: the
    /// curve's metric (``Analysis/metric``) with its spread.
    var metricOverride: (title: String, value: (Analysis.Point) -> Double?, text: (Double) -> String)?
    /// Where curves measured elsewhere came from (`takeoff fit`): the file, and how it was read; nil for a sweep run here.
    public var sourceFile: String?
    public var sourceFormat: String?
    var source: String? { sourceFile.map { $0 + (sourceFormat.map { " (\($0))" } ?? "") } }

    public init(dataName: String, plan: SweepPlan, outcome: SweepRunner.Outcome, analysis: Analysis, poolSize: Int, testSize: Int,
                budget: Double?, compute: Compute) {
        self.dataName = dataName; self.plan = plan; self.outcome = outcome; self.analysis = analysis
        self.poolSize = poolSize; self.testSize = testSize; self.budget = budget; self.compute = compute
    }

    public var title: String { "Learning curves on \(dataName)" + (plan.networksInBF16 ? " (networks in bf16)" : "") }
    public var chart: CurveChart {
        CurveChart(title: title, analysis: analysis, seedsPlanned: plan.seeds.count,
                   subtitle: (sourceFile.map { "Curves read from " + URL(fileURLWithPath: $0).lastPathComponent + "; " }
                              ?? "Training pool \(Analysis.count(poolSize)), fixed test set \(Analysis.count(testSize)); ")
                       + "each point is the mean over its seeds (\(plan.seeds.count) \(source == nil ? "planned" : "at most"))")
    }

    /// The three sentences the report opens with (``Analysis/verdict(pool:)``).
    public var verdict: [String] { analysis.verdict(pool: source == nil ? poolSize : nil) }

    /// Writes curve.svg and curve.png, report.html, results.csv and summary.json into `directory`.
    public func write(to directory: URL) throws {
        try PNGRenderer.writeFigure(svg: chart.svg, to: directory.appendingPathComponent("curve.svg"))
        try ReportFile.write(html, to: directory.appendingPathComponent("report.html"))
        try ReportFile.write(csv, to: directory.appendingPathComponent("results.csv"))
        try ReportFile.write(summaryJSON(), to: directory.appendingPathComponent("summary.json"))
    }

    /// Cells by status, e.g. ["ok": 90, "skipped-budget": 6].
    public var statusCounts: [String: Int] { outcome.results.statusCounts }

    /// One row per cell of the plan that was stored or skipped.
    public var csv: String {
        var rows = ["learner,m,seed,status,test_accuracy,test_log_loss,fit_seconds,predict_seconds,parameters,configuration,error,"
                    + "test_precision,test_recall,test_f1,test_auc"]
        let q = ReportFile.csvField
        func n(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        for r in outcome.results {
            rows.append([q(r.key.learner), "\(r.key.m)", "\(r.key.seed)", r.status.rawValue, n(r.accuracy), n(r.logLoss), n(r.fitSeconds),
                         n(r.predictSeconds), r.parameters.map(String.init) ?? "", q(r.key.configuration), q(r.error ?? ""),
                         n(r.precision), n(r.recall), n(r.f1), n(r.auc)].joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    struct Summary: Encodable {
        struct Run: Encodable {
            var ran: Int; var reused: Int; var seconds: Double; var complete: Bool; var remaining_seconds: Double
            var threads: Int; var workers: Int; var threads_per_worker: Int; var mpi_ranks: Int
        }
        struct Skipped: Encodable { var learner: String; var m: Int; var seed: UInt64; var status: String; var reason: String }
        /// A fitted accuracy where cells were not measured; never in ``Analysis/LearnerCurve/points``.
        struct Predicted: Encodable { var learner: String; var m: Int; var accuracy: Double; var low: Double; var high: Double; var kind = "predicted" }
        var data: String
        var dataset_fingerprint: String
        var pool_size: Int
        var test_size: Int
        var sizes: [Int]
        var seeds: [UInt64]
        var budget_seconds: Double?
        var run: Run
        var cells: [String: Int]
        var not_measured: [Skipped]
        var predicted: [Predicted]
        /// Each learner's forecast at ``Analysis/forecastTo``, with its 80% interval; never a measurement.
        struct Forecast: Encodable { var learner: String; var m: Double; var value: Double; var low: Double; var high: Double; var cautions: [String]; var kind = "forecast" }
        var forecasts: [Forecast]
        var verdict: [String]
        var summary: [String]
        var analysis: Analysis
    }

    /// The analysis with the run's facts, as pretty JSON.
    public func summaryJSON() throws -> Data {
        let s = Summary(data: dataName, dataset_fingerprint: plan.dataset, pool_size: poolSize, test_size: testSize, sizes: plan.sizes,
                        seeds: plan.seeds, budget_seconds: budget,
                        run: .init(ran: outcome.ran, reused: outcome.reused, seconds: outcome.seconds, complete: outcome.complete,
                                   remaining_seconds: outcome.remainingSeconds, threads: compute.threads, workers: compute.workers,
                                   threads_per_worker: compute.threadsPerWorker, mpi_ranks: compute.ranks),
                        cells: statusCounts,
                        not_measured: outcome.results.filter { $0.status != .ok }.map {
                            .init(learner: $0.key.learner, m: $0.key.m, seed: $0.key.seed, status: $0.status.rawValue, reason: $0.error ?? "")
                        },
                        predicted: analysis.learners.flatMap { c in
                            c.predicted.map { .init(learner: c.learner, m: $0.m, accuracy: $0.accuracy, low: $0.low, high: $0.high) }
                        },
                        forecasts: analysis.learners.compactMap { c in
                            c.forecastEnd.map { .init(learner: c.learner, m: $0.m, value: $0.value, low: $0.low, high: $0.high, cautions: c.cautions) }
                        },
                        verdict: verdict, summary: analysis.summary, analysis: analysis)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(s)
    }

    /// A score of the curve's metric as the table writes it: accuracy in percent (`91.2`), AUC and log loss as they are.
    func number(_ score: Double) -> String {
        analysis.metric == .accuracy ? String(format: "%.1f", score * 100) : analysis.metric.text(ofScore: score)
    }

    /// What the table shows for (learner, m): mean ± sd in percent, the seed count when short of the
    /// plan's, a predicted value marked as such, or why there is no number.
    func cellText(_ configuration: String, _ m: Int, html: Bool = false) -> String {
        let curve = analysis.learners.first { $0.configuration == configuration }
        if let p = curve?.points.first(where: { $0.m == m }) {
            if let metric = metricOverride {
                return metric.value(p).map(metric.text) ?? "—"
            }
            let pm = html ? " ± " : "±"
            let few = p.seeds.count < plan.seeds.count ? (html ? " <small>(\(p.seeds.count) of \(plan.seeds.count) seeds)</small>" : "(\(p.seeds.count))") : ""
            let spread = analysis.metric == .accuracy ? String(format: "%.1f", p.spread * 100)
                : String(format: "%.4f", abs(analysis.metric.value(ofScore: p.mean + p.spread) - analysis.metric.value(ofScore: p.mean)))
            return number(p.mean) + (p.seeds.count > 1 ? pm + spread : "") + few
        }
        // A forecast is of the curve's metric: another measure's table says why the cell has no number.
        if metricOverride == nil, let p = curve?.predicted.first(where: { $0.m == m }) {
            return html ? "<i>≈ \(number(p.accuracy)) predicted</i>" : "~" + number(p.accuracy)
        }
        let statuses = Set(outcome.results.filter { $0.key.configuration == configuration && $0.key.m == m }.map(\.status))
        for (s, text) in [(CellStatus.skippedBudget, "skipped"), (.cutBudget, "cut"), (.gpuFailed, "gpu-failed"), (.diverged, "diverged"), (.failed, "failed")] where statuses.contains(s) { return text }
        return "—"
    }

    /// On two-class data, F1, precision and recall of class 1 per learner and m (the numbers a spam filter is
    /// judged by when nearly all messages are ham); nil otherwise.
    public var twoClassTables: String? {
        guard let positive = classNames.count == 2 ? classNames[1] : nil,
              analysis.learners.contains(where: { $0.points.contains { $0.f1 != nil } }) else { return nil }
        func percent(_ v: Double) -> String { String(format: "%.1f", v * 100) }
        func plain(_ v: Double) -> String { String(format: "%.4f", v) }
        var metrics: [(String, (Analysis.Point) -> Double?, (Double) -> String)] = [
            ("F1 (%) of class '\(positive)'", \.f1, percent), ("precision (%) of class '\(positive)'", \.precision, percent),
            ("recall (%) of class '\(positive)'", \.recall, percent)]
        // Beside the curve's own metric, the other two that rank a click model: AUC, and log loss where measured.
        if analysis.metric != .auc { metrics.append(("test ROC AUC", \.auc, plain)) }
        if analysis.metric != .logloss, analysis.learners.contains(where: { $0.points.contains { $0.logLoss != nil } }) {
            metrics.append(("test log loss (lower is better)", \.logLoss, plain))
        }
        if analysis.metric != .accuracy { metrics.append(("test accuracy (%)", \.accuracy, percent)) }
        return metrics.map { name, value, text in
            var copy = self
            copy.metricOverride = ("\(name) by training size m, mean over the seeds", value, text)
            return copy.table
        }.joined(separator: "\n\n")
    }

    /// The curve's metric (accuracy in %, unless another was chosen) per learner and m, mean ± sd over seeds.
    public var table: String {
        let sizes = plan.sizes
        let nameWidth = max(8, plan.learners.map(\.name.count).max() ?? 0)
        let cols = sizes.map { m in max(Analysis.count(m).count, plan.learners.map { cellText($0.configuration, m).count }.max() ?? 0, 9) }
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let n = max(0, w - s.count)
            return left ? s + String(repeating: " ", count: n) : String(repeating: " ", count: n) + s
        }
        if let metric = metricOverride {
            return ([metric.title, pad("learner", nameWidth, left: true) + zip(sizes, cols).map { " " + pad(Analysis.count($0), $1) }.joined()]
                    + plan.learners.map { l in pad(l.name, nameWidth, left: true) + zip(sizes, cols).map { " " + pad(cellText(l.configuration, $0), $1) }.joined() })
                .joined(separator: "\n")
        }
        let metric = analysis.metric
        var lines = [(metric == .accuracy ? "test accuracy (%)" : "\(metric.title) (\(metric.direction))") + " by training size m" + (plan.seeds.count > 1 ? ", mean±sd over the seeds measured ((n): only n of \(plan.seeds.count))" : "")
                     + (analysis.learners.contains { !$0.predicted.isEmpty } ? "; ~: predicted by the forecast, not measured" : "")]
        lines.append(pad("learner", nameWidth, left: true) + zip(sizes, cols).map { " " + pad(Analysis.count($0), $1) }.joined())
        for l in plan.learners {
            lines.append(pad(l.name, nameWidth, left: true) + zip(sizes, cols).map { " " + pad(cellText(l.configuration, $0), $1) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
