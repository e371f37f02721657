import Foundation

extension CurveReport {
    /// What `takeoff curve` prints: the verdict, the table, what the curves say in detail, what ran, and how to continue
    /// when cells are missing (written into `out`).
    public func console(out: String) -> String {
        var lines = verdict + ["", table, ""] + (twoClassTables.map { [$0, ""] } ?? [])
        lines += analysis.summary.map { "- " + $0 }
        let counts = statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append(String(format: "\n%d cells (%@): %d trained now, %d from the store, %.1f s.", outcome.results.count, counts,
                            outcome.ran, outcome.reused, outcome.seconds))
        if !outcome.complete {
            let missing = plan.cells.count - outcome.results.filter(\.status.isStored).count
            lines.append("Not complete: \(missing) of \(plan.cells.count) cells have no result yet. Run the same command again to continue "
                         + "where it stopped, or add --budget none for all of them"
                         + (outcome.remainingSeconds > 0 ? " (about \(Self.duration(outcome.remainingSeconds / Double(compute.workers))) more)." : "."))
        }
        lines.append("Wrote \(out)/curve.svg, curve.png, report.html, results.csv, summary.json")
        return lines.joined(separator: "\n")
    }

    /// `42 s`, `12 min`, `2.5 h`.
    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
