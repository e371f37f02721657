import Foundation

/// Everything a scaling sweep reports: three figures (SVG, and a PNG beside each by ``PNGRenderer``, librsvg),
/// a self-contained HTML page, one CSV row per cell, a JSON summary and console text.
public struct ScaleReport {
    public var dataName: String
    public var request: ScaleRequest
    public var plan: SweepPlan
    public var outcome: SweepRunner.Outcome
    public var analysis: ScaleAnalysis
    public var poolSize: Int
    public var testSize: Int
    public init(dataName: String, request: ScaleRequest, plan: SweepPlan, outcome: SweepRunner.Outcome, analysis: ScaleAnalysis,
                poolSize: Int, testSize: Int) {
        (self.dataName, self.request, self.plan, self.outcome, self.analysis) = (dataName, request, plan, outcome, analysis)
        (self.poolSize, self.testSize) = (poolSize, testSize)
    }

    public var chart: ScaleChart { ScaleChart(dataName: dataName, analysis: analysis, seeds: plan.seeds.count) }

    /// Writes the figures (SVG + PNG), report.html, results.csv and summary.json into `directory`.
    public func write(to directory: URL) throws {
        for (name, svg) in chart.figures { try PNGRenderer.writeFigure(svg: svg, to: directory.appendingPathComponent(name + ".svg")) }
        try ReportFile.write(html, to: directory.appendingPathComponent("report.html"))
        try ReportFile.write(csv, to: directory.appendingPathComponent("results.csv"))
        try ReportFile.write(summaryJSON(), to: directory.appendingPathComponent("summary.json"))
    }

    public var statusCounts: [String: Int] { outcome.results.statusCounts }

    /// One row per cell: width, depth, parameters and training FLOPs beside the curve's columns.
    public var csv: String {
        var rows = ["width,depth,m,seed,status,test_accuracy,test_error,parameters,training_flops,fit_seconds,learner,error"]
        let widthOf = Dictionary(uniqueKeysWithValues: analysis.widths.map { ($0.configuration, $0.width) })
        func n(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        let q = ReportFile.csvField
        for r in outcome.results {
            rows.append(["\(widthOf[r.key.configuration] ?? 0)", "\(request.depth)", "\(r.key.m)", "\(r.key.seed)", r.status.rawValue, n(r.accuracy),
                         n(r.accuracy.map { 1 - $0 }), r.parameters.map(String.init) ?? "", n(r.trainingFLOPs), n(r.fitSeconds), r.key.learner,
                         q(r.error ?? "")].joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    struct Summary: Encodable {
        struct Run: Encodable { var ran: Int; var reused: Int; var seconds: Double; var complete: Bool; var remaining_seconds: Double; var threads: Int }
        var data: String
        var family: String
        var depth: Int
        var widths: [Int]
        var sizes: [Int]
        var seeds: [UInt64]
        var pool_size: Int
        var test_size: Int
        var budget_seconds: Double?
        var run: Run
        var cells: [String: Int]
        var summary: [String]
        var analysis: ScaleAnalysis
    }

    public func summaryJSON() throws -> Data {
        let s = Summary(data: dataName, family: request.family.rawValue, depth: request.depth, widths: analysis.widths.map(\.width), sizes: plan.sizes,
                        seeds: plan.seeds, pool_size: poolSize, test_size: testSize, budget_seconds: request.budget.seconds,
                        run: .init(ran: outcome.ran, reused: outcome.reused, seconds: outcome.seconds, complete: outcome.complete,
                                   remaining_seconds: outcome.remainingSeconds, threads: request.compute.threads),
                        cells: statusCounts, summary: analysis.summary, analysis: analysis)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(s)
    }

    /// Mean test error (%) per width and m.
    public var table: String {
        let sizes = plan.sizes
        var lines = ["test error (%) by width and training size m" + (plan.seeds.count > 1 ? ", mean over \(plan.seeds.count) seeds" : "")]
        lines.append("width".padding(toLength: 8, withPad: " ", startingAt: 0) + sizes.map { pad(Analysis.count($0), 9) }.joined())
        for w in analysis.widths {
            let row = sizes.map { m -> String in
                if let c = analysis.cells.first(where: { $0.width == w.width && $0.m == m }) { return pad(String(format: "%.1f", c.error * 100), 9) }
                let status = outcome.results.first { $0.key.configuration == w.configuration && $0.key.m == m }?.status
                return pad(status == .skippedBudget ? "skipped" : status.map(\.rawValue) ?? "—", 9)
            }
            lines.append("\(w.width)".padding(toLength: 8, withPad: " ", startingAt: 0) + row.joined())
        }
        return lines.joined(separator: "\n")
    }

    func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }

    /// What `takeoff scale` prints.
    public func console(out: String) -> String {
        var lines = [table, ""]
        lines += analysis.summary.map { "- " + $0 }
        lines += outcome.closingLines(planned: plan.cells.count, workers: 1)
        lines.append("Wrote \(out)/" + chart.figures.map { $0.name + ".svg" }.joined(separator: ", ") + " (and PNGs)"
                     + ", report.html, results.csv, summary.json")
        return lines.joined(separator: "\n")
    }
}
