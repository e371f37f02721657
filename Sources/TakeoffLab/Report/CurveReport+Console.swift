import Foundation

extension CurveReport {
    /// What `takeoff curve` prints: the verdict, the table, what the curves say in detail, what ran, and how to continue
    /// when cells are missing (written into `out`).
    public func console(out: String) -> String {
        var lines = (metricNote.map { [$0] } ?? []) + verdict + ["", table, ""] + (twoClassTables.map { [$0, ""] } ?? [])
        lines += analysis.summary.map { "- " + $0 }
        lines += outcome.closingLines(planned: plan.cells.count, workers: compute.workers,
                                      forecast: Set(analysis.learners.filter { !$0.predicted.isEmpty }.map(\.learner)))
        lines.append("Wrote \(out)/curve.svg, curve.png, report.html, results.csv, summary.json")
        return lines.joined(separator: "\n")
    }
}

extension CurveReport {
    /// What the figures and sentences are of when the curve's metric is not accuracy; nil for accuracy.
    var metricNote: String? {
        switch analysis.metric {
        case .accuracy: nil
        case .auc: "Curves, fits and the sentences below are of the test ROC AUC (its \"points\" and percentages are AUC × 100)."
        case .logloss: "Curves, fits and the sentences below are of e^(−log loss), the geometric mean of the probability given to the true class "
            + "(its \"points\" and percentages are that × 100); the figure and tables label it in log loss."
        }
    }
}

extension SweepRunner.Outcome {
    /// A sweep's closing lines (curve and scale alike): its cells by status, one line per learner that had cells
    /// skipped or cut at the budget (``budgetLines(forecast:)``), what ran and, when cells are missing, how to
    /// continue and about how long that would take with `workers` cells at once.
    func closingLines(planned: Int, workers: Int, forecast: Set<String> = []) -> [String] {
        let counts = results.statusCounts.sorted { $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let cut = results.filter { $0.status == .cutBudget }.count
        var lines = [String(format: "\n%d cells (%@): %d trained now, %d from the store, %.1f s.", results.count, counts, ran, reused, seconds)]
        lines += budgetLines(forecast: forecast)
        if !complete {
            let missing = planned - results.filter(\.status.isStored).count
            lines.append("Not complete: \(missing) of \(planned) cells have no result yet. Run the same command again to continue "
                         + "where it stopped, or add --budget none for all of them"
                         + (remainingSeconds > 0 ? " (\(cut > 0 ? "at least" : "about") \(Self.duration(remainingSeconds / Double(max(workers, 1)))) more)." : "."))
        }
        if cut > 0 {
            lines.append("\(cut) cell\(cut == 1 ? " was" : "s were") stopped when the budget ran out (cut-budget, not stored): "
                         + "a run with a larger --budget trains \(cut == 1 ? "it" : "them").")
        }
        return lines
    }

    /// One line per learner with cells skipped or cut at the budget, in plan order, e.g. `mlp-large: 12 cells
    /// skipped at the budget (m ≥ 15,600 not measured, forecast used; 2 repeat seeds at m = 1,000–6,000)`: the
    /// sizes left without any measurement (a forecast stands in for them where the learner is in `forecast`),
    /// and the seeds missing at sizes that were measured.
    func budgetLines(forecast: Set<String>) -> [String] {
        let missed = results.filter { $0.status == .skippedBudget || $0.status == .cutBudget }
        let learners = results.map(\.key.learner).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return learners.compactMap { learner -> String? in
            let mine = results.filter { $0.key.learner == learner }
            let lost = missed.filter { $0.key.learner == learner }
            guard !lost.isEmpty else { return nil }
            let skipped = lost.filter { $0.status == .skippedBudget }.count, cut = lost.count - skipped
            let measured = Set(mine.filter(\.status.isStored).map(\.key.m))
            let sizes = Set(mine.map(\.key.m)).sorted()
            let unmeasured = sizes.filter { !measured.contains($0) }
            var parts: [String] = []
            if unmeasured == sizes {
                parts.append("no size measured")
            } else if let first = unmeasured.first {
                let tail = sizes.filter { $0 >= first } == unmeasured
                parts.append((tail && unmeasured.count > 1 ? "m ≥ \(Analysis.count(first))" : "m = " + unmeasured.map(Analysis.count).joined(separator: ", "))
                             + " not measured" + (forecast.contains(learner) ? ", forecast used" : ""))
            }
            let repeats = lost.filter { measured.contains($0.key.m) }.map(\.key.m)
            if let lo = repeats.min(), let hi = repeats.max() {
                parts.append("\(repeats.count) repeat seed\(repeats.count == 1 ? "" : "s") at m = " + (lo == hi ? Analysis.count(lo) : "\(Analysis.count(lo))–\(Analysis.count(hi))"))
            }
            let what = [skipped > 0 ? "\(skipped) cell\(skipped == 1 ? "" : "s") skipped at the budget" : nil,
                        cut > 0 ? "\(cut) cell\(cut == 1 ? "" : "s") cut when it ran out" : nil].compactMap { $0 }.joined(separator: ", ")
            return "\(learner): \(what) (\(parts.joined(separator: "; ")))"
        }
    }

    /// `42 s`, `12 min`, `2.5 h`.
    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
