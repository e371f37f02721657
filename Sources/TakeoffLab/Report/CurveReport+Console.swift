import Foundation

extension CurveReport {
    /// What `takeoff curve` prints: the verdict, the table, what the curves say in detail, what ran, and how to continue
    /// when cells are missing (written into `out`).
    public func console(out: String) -> String {
        var lines = (metricNote.map { [$0] } ?? []) + verdict + ["", table, ""] + (twoClassTables.map { [$0, ""] } ?? [])
        lines += analysis.summary.map { "- " + $0 }
        lines += outcome.closingLines(planned: plan.cells.count, workers: compute.workers)
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
    /// A sweep's closing lines (curve and scale alike): its cells by status, what ran and, when cells are
    /// missing, how to continue and about how long that would take with `workers` cells at once.
    func closingLines(planned: Int, workers: Int) -> [String] {
        let counts = results.statusCounts.sorted { $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let cut = results.filter { $0.status == .cutBudget }.count
        var lines = [String(format: "\n%d cells (%@): %d trained now, %d from the store, %.1f s.", results.count, counts, ran, reused, seconds)]
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

    /// `42 s`, `12 min`, `2.5 h`.
    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
