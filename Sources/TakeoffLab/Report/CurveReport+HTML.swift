import Foundation

extension CurveReport {
    /// A self-contained page: summary, figure (inline SVG), accuracy table, fits, crossovers, ranking, cells not measured.
    public var html: String {
        let e = Plot.escape
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1080px; color: #222; }
        table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f4f4f4; }
        .note { color: #666; font-size: 13px; }
        svg { max-width: 100%; height: auto; }
        </style></head><body>
        <h1>\(e(title))</h1>

        """
        let counts = statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        h += "<p class=\"note\">Training pool \(Analysis.count(poolSize)) examples, fixed test set \(Analysis.count(testSize)); "
        h += "sizes \(plan.sizes.map(Analysis.count).joined(separator: ", ")); seeds \(plan.seeds.map(String.init).joined(separator: ", ")); "
        h += "cells: \(counts); this run trained \(outcome.ran) and reused \(outcome.reused) from the store in "
        h += String(format: "%.1f s", outcome.seconds) + " (\(compute.description))"
        h += budget.map { String(format: ", budget %.0f s", $0) } ?? ""
        h += outcome.complete ? ".</p>\n" : "; <b>the run was stopped before every cell was done</b>.</p>\n"

        h += "<h2>What the data says</h2>\n<ul>\n" + analysis.summary.map { "<li>\(e($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        h += "<figure>\n" + chart.svg.replacingOccurrences(of: "<?xml version=\"1.0\"?>", with: "") + "</figure>\n"

        h += "<h2>Test accuracy (%)</h2>\n<p class=\"note\">Mean ± standard deviation over seeds.</p>\n<table><tr><th>learner</th>"
        h += plan.sizes.map { "<th>m = \(Analysis.count($0))</th>" }.joined() + "</tr>\n"
        for l in plan.learners {
            h += "<tr><td>\(e(l.name))</td>" + plan.sizes.map { "<td>\(cellText(l.configuration, $0, html: true))</td>" }.joined() + "</tr>\n"
        }
        h += "</table>\n"

        h += "<h2>Fitted curves</h2>\n<p class=\"note\">Each family is fitted (Levenberg–Marquardt, 24 restarts) to the smaller sizes and judged by "
        h += "its mean absolute error on the largest measured ones (back-test, in accuracy points); the best is refitted to every size. "
        h += "Plateau: the fit's asymptote, ± its standard deviation over per-seed fits. Slope: accuracy points gained per doubling of m at the largest sizes.</p>\n"
        h += "<table><tr><th>learner</th><th>chosen</th><th>parameters</th>"
        h += CurveFamily.allCases.map { "<th>back-test \($0.rawValue)</th>" }.joined()
        h += "<th>plateau</th><th>slope / doubling</th>" + (analysis.target.map { String(format: "<th>m for %.1f%%</th>", $0 * 100) } ?? "") + "</tr>\n"
        for c in analysis.learners {
            h += "<tr><td>\(e(c.learner))</td>"
            if let s = c.selection {
                let params = zip(s.fit.family.parameterNames, s.fit.parameters).map { "\($0) = \(String(format: "%.4g", $1))" }.joined(separator: ", ")
                h += "<td>\(s.fit.family.rawValue): \(e(s.fit.family.formula))</td><td>\(params)</td>"
                h += CurveFamily.allCases.map { f in
                    let err = s.backtests.first { $0.family == f }?.error
                    let text = err.map { String(format: "%.2f", $0 * 100) } ?? "—"
                    return f == s.fit.family ? "<td><b>\(text)</b></td>" : "<td>\(text)</td>"
                }.joined()
            } else {
                h += "<td>—</td><td>—</td>" + CurveFamily.allCases.map { _ in "<td>—</td>" }.joined()
            }
            let below = c.measuredAbovePlateau.map { " (below the \(Analysis.percent($0.mean, nil)) measured)" } ?? ""
            h += "<td>\(c.asymptote.map { Analysis.percent($0, c.asymptoteSpread) + below } ?? "—")</td>"
            h += "<td>\(c.slopePerDoubling.map { String(format: "%+.2f", $0 * 100) } ?? "—")</td>"
            if analysis.target != nil {
                let t = c.target
                let text = t.map { t in
                    t.m.map { Analysis.count(Int($0.rounded())) + (t.measured ? " (measured)" : t.extrapolated ? " (extrapolated, beyond 2×)" : " (fitted)") }
                        ?? "not reachable"
                } ?? "—"
                h += "<td>\(text)</td>"
            }
            h += "</tr>\n"
        }
        h += "</table>\n"

        h += "<h2>Crossovers</h2>\n"
        if analysis.crossovers.isEmpty {
            h += "<p>No learner overtakes another within the sizes measured, nor within ten times them by the fitted curves.</p>\n"
        } else {
            h += "<table><tr><th>overtakes</th><th>at m ≈</th><th>per-seed range</th><th>seeds ending in this order</th><th>lead at the end</th><th>source</th></tr>\n"
            for c in analysis.crossovers {
                let range = c.low.flatMap { lo in c.high.map { "\(Analysis.count(Int(lo)))–\(Analysis.count(Int($0)))" } } ?? "—"
                let source = c.projected ? (c.extrapolated ? "fitted curves, beyond 2× the data" : "fitted curves") : "measured"
                h += "<tr><td>\(e(c.winner)) overtakes \(e(c.loser))</td><td>\(Analysis.count(Int(c.m)))</td><td>\(range)</td>"
                h += "<td>\(c.projected ? "—" : "\(c.seedsAgreeing) of \(c.seedsTotal)")</td>"
                h += "<td>\(c.projected ? "—" : String(format: "%.1f points", c.finalLead * 100) + (c.clear ? "" : " (within noise)"))</td><td>\(source)</td></tr>\n"
            }
            h += "</table>\n"
        }

        h += "<h2>Ranking stability</h2>\n<p class=\"note\">Where the seeds disagree about the order, the data is too small to tell the learners apart.</p>\n"
        h += "<table><tr><th>m</th><th>leader</th><th>seeds compared</th><th>seeds agreeing on the leader</th>"
            + "<th>learner pairs ordered alike by every seed</th><th>left out (one seed here)</th></tr>\n"
        for r in analysis.rankings {
            h += "<tr><td>\(Analysis.count(r.m))</td><td>\(e(r.leader))</td><td>\(r.seeds)</td>"
            h += String(format: "<td>%.0f%%</td><td>%.0f%%</td>", r.leaderAgreement * 100, r.pairAgreement * 100)
            let leftOut = r.singleSeed.map { name in e(name) + (r.challengers.contains(name) ? " (beats the leader on its seed)" : "") }
            h += "<td>\(leftOut.isEmpty ? "—" : leftOut.joined(separator: ", "))</td></tr>\n"
        }
        h += "</table>\n"

        let missing = outcome.results.filter { $0.status != .ok }
        if !missing.isEmpty {
            h += "<h2>Cells without a measurement</h2>\n<table><tr><th>learner</th><th>m</th><th>seed</th><th>status</th><th>reason</th></tr>\n"
            for r in missing {
                h += "<tr><td>\(e(r.key.learner))</td><td>\(Analysis.count(r.key.m))</td><td>\(r.key.seed)</td><td>\(r.status.rawValue)</td>"
                h += "<td style=\"text-align:left\">\(e(r.error ?? ""))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<p class=\"note\">Every cell: results.csv. Machine-readable analysis: summary.json. Learner configurations:</p>\n<ul class=\"note\">\n"
        h += plan.learners.map { "<li><code>\(e($0.configuration))</code></li>" }.joined(separator: "\n")
        return h + "\n</ul>\n</body></html>\n"
    }
}
