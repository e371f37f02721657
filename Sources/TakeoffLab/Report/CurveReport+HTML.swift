import Foundation

extension CurveReport {
    /// The most crossovers the page lists.
    static let crossoverRows = 100

    /// A self-contained page: summary, figure (inline SVG), accuracy table, fits, crossovers, ranking, cells not measured.
    public var html: String {
        let e = Plot.escape
        var h = ReportPage.head(title: title, heading: title, maxWidth: 1200, extraStyle: """
            .verdict { font-size: 17px; line-height: 1.45; margin: 12px 0 18px; padding: 10px 16px; border-left: 4px solid #1f77b4; background: #f6f9fc; }
            .verdict p { margin: 4px 0; }

            """)
        h += "<div class=\"verdict\">\n" + verdict.map { "<p>\(e($0))</p>" }.joined(separator: "\n") + "\n</div>\n"
        h += "<figure>\n" + chart.svg.replacingOccurrences(of: "<?xml version=\"1.0\"?>", with: "") + "</figure>\n"
        let counts = statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        if let source {
            h += "<p class=\"note\">Learning curves read from \(e(source)): sizes \(plan.sizes.map(Analysis.count).joined(separator: ", ")); \(counts) measurements.</p>\n"
        } else {
            h += "<p class=\"note\">Training pool \(Analysis.count(poolSize)) examples, fixed test set \(Analysis.count(testSize)); "
            h += "sizes \(plan.sizes.map(Analysis.count).joined(separator: ", ")); seeds \(plan.seeds.map(String.init).joined(separator: ", ")); "
            h += "cells: \(counts); this run trained \(outcome.ran) and reused \(outcome.reused) from the store in "
            h += String(format: "%.1f s", outcome.seconds) + " (\(compute.description))"
            h += budget.map { String(format: ", budget %.0f s", $0) } ?? ""
            h += outcome.complete ? ".</p>\n" : "; <b>the run was stopped before every cell was done</b>.</p>\n"
        }

        h += "<h2>In detail</h2>\n<ul>\n" + analysis.summary.map { "<li>\(e($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"

        h += (analysis.metric == .accuracy ? "<h2>Test accuracy (%)</h2>\n" : "<h2>\(e(analysis.metric.title.prefix(1).uppercased() + analysis.metric.title.dropFirst())) (\(analysis.metric.direction))</h2>\n")
            + (metricNote.map { "<p class=\"note\">\(e($0))</p>\n" } ?? "") + "<p class=\"note\">Mean ± standard deviation over the seeds measured (\(plan.seeds.count) planned; a cell with fewer says how many). "
            + "<i>Predicted</i>: read off the forecast where the cells could not be measured, not a measurement.</p>\n<table><tr><th>learner</th>"
        h += plan.sizes.map { "<th>m = \(Analysis.count($0))</th>" }.joined() + "</tr>\n"
        for l in plan.learners {
            h += "<tr><td>\(e(l.name))</td>" + plan.sizes.map { "<td>\(cellText(l.configuration, $0, html: true))</td>" }.joined() + "</tr>\n"
        }
        h += "</table>\n"
        if let tables = twoClassTables {
            h += "<h2>The rare class</h2>\n<p class=\"note\">On two-class data accuracy hides how the rarer class fares: "
                + "F1, precision and recall of class '\(e(classNames[1]))' (ROC AUC per cell in results.csv).</p>\n<pre>\(e(tables))</pre>\n"
        }

        h += "<h2>What more data would buy</h2>\n<p class=\"note\">The forecast past each learner's largest size: the last value plus a gain "
        h += "predicted from the curve's shape (a power law's gain, its recent slopes per doubling of m, the room left, its roughness and seed spread), "
        h += "with an interval meant to hold the true score 80% of the time. Its coefficients were fitted on half of the Learning Curve Database's "
        h += "real curves and checked on the other half (BENCHMARKS.md): there the forecast's error was about 0.6× the last value's, and its "
        h += "intervals held the truth on 79–81% of curves. Not measured: run the sizes to know.</p>\n"
        h += "<table><tr><th>learner</th><th>largest m measured</th><th>there</th><th>at twice that m</th>"
            + "<th>at m = \(Analysis.count(Int(analysis.forecastTo.rounded())))</th><th>cautions</th></tr>\n"
        for c in analysis.learners {
            guard let last = c.points.last, let features = c.features else { continue }
            let forecast = Forecaster.calibrated.forecast(features)
            h += "<tr><td>\(e(c.learner))</td><td>\(Analysis.count(last.m))</td><td>\(analysis.metric.text(ofScore: last.mean))</td>"
            for m in [2 * Double(last.m), analysis.forecastTo] {
                let v = forecast.at(m)
                h += v.measured ? "<td>—</td>" : "<td>\(analysis.metric.text(ofScore: v.value)) <small>[\(analysis.metric.text(ofScore: v.low)), \(analysis.metric.text(ofScore: v.high))]</small></td>"
            }
            h += "<td style=\"text-align:left\">\(e(c.cautions.joined(separator: "; ")))</td></tr>\n"
        }
        h += "</table>\n"

        h += "<h2>Fitted curve families</h2>\n<p class=\"note\">A diagnostic beside the forecast: each family is fitted (Levenberg–Marquardt, 24 restarts) to the smaller sizes and judged by "
        h += "its mean absolute error on the next ones (selection, in accuracy points); the best whose fit to every size passes within the spread of "
        h += "the two largest measurements is chosen. Its error is then reported from a second back-test on the largest sizes, which the choice never saw "
        h += "(fitted to every size below them). "
        h += "Plateau: the fit's asymptote, ± its standard deviation over per-seed fits. Slope: accuracy points gained per doubling of m at the largest sizes.</p>\n"
        h += "<table><tr><th>learner</th><th>chosen</th><th>parameters</th>"
        h += CurveFamily.allCases.map { "<th>selection \($0.rawValue)</th>" }.joined() + "<th>reported back-test</th>"
        h += "<th>plateau</th><th>slope / doubling</th>" + (analysis.target.map { String(format: "<th>m for %.1f%%</th>", $0 * 100) } ?? "") + "</tr>\n"
        for c in analysis.learners {
            h += "<tr><td>\(e(c.learner))</td>"
            if let s = c.selection {
                let params = zip(s.fit.family.parameterNames, s.fit.parameters).map { "\($0) = \(String(format: "%.4g", $1))" }.joined(separator: ", ")
                h += "<td>\(s.fit.family.rawValue): \(e(s.fit.family.formula))</td><td>\(params)</td>"
                h += CurveFamily.allCases.map { f in
                    let err = s.backtests.first { $0.family == f }?.error
                    let text = err.map { String(format: "%.2f", $0 * 100) } ?? "—"
                    return f == s.fit.family ? "<td><b>\(text)</b></td>" : s.rejected.contains(f) ? "<td><s>\(text)</s></td>" : "<td>\(text)</td>"
                }.joined()
                let sizes = s.heldOut.map(Analysis.count).joined(separator: ", ")
                h += "<td>" + (s.backtestError.map { String(format: "%.2f", $0 * 100) + " <small>(m = \(sizes))</small>" } ?? "—") + "</td>"
            } else {
                h += "<td>—</td><td>—</td>" + CurveFamily.allCases.map { _ in "<td>—</td>" }.joined() + "<td>—</td>"
            }
            let below = c.measuredAbovePlateau.map { " (below the \(Analysis.percent($0.mean, nil)) measured)" } ?? ""
            h += "<td>\(c.asymptote.map { Analysis.percent($0, c.asymptoteSpread) + below } ?? "—")</td>"
            h += "<td>\(c.slopePerDoubling.map { String(format: "%+.2f", $0 * 100) } ?? "—")</td>"
            if analysis.target != nil {
                let t = c.target
                let text = t.map { t in
                    t.m.map { Analysis.count(Int($0.rounded())) + (t.measured ? " (measured)" : " (forecast" + (t.extrapolated ? ", beyond 2×" : "") + ")") }
                        .map { $0 + (t.measured ? "" : " <small>[\(t.early.map { Analysis.count(Int($0.rounded())) } ?? "—"), \(t.late.map { Analysis.count(Int($0.rounded())) } ?? "beyond")]</small>") }
                        ?? "not within \(Int(Analysis.targetLimit))×"
                } ?? "—"
                h += "<td>\(text)</td>"
            }
            h += "</tr>\n"
        }
        h += "</table>\n"

        h += "<h2>Crossovers</h2>\n"
        if analysis.crossovers.isEmpty {
            h += "<p>No learner overtakes another within the sizes measured, nor within ten times them by the forecasts.</p>\n"
        } else {
            h += "<table><tr><th>overtakes</th><th>at m ≈</th><th>per-seed range</th><th>seeds ending in this order</th><th>lead at the end</th><th>source</th></tr>\n"
            // With many learners nearly every pair crosses somewhere: the page keeps the clear ones first, and
            // summary.json has them all.
            let rows = analysis.crossovers.enumerated().sorted { a, b in
                a.element.notable != b.element.notable ? a.element.notable : a.offset < b.offset
            }.prefix(Self.crossoverRows).sorted { $0.offset < $1.offset }.map(\.element)
            for c in rows {
                let range = c.low.flatMap { lo in c.high.map { "\(Analysis.count(Int(lo)))–\(Analysis.count(Int($0)))" } } ?? "—"
                let source = c.projected ? (c.extrapolated ? "forecast only, beyond 2× the data" : "forecast only") : "measured"
                h += "<tr><td>\(e(c.winner)) overtakes \(e(c.loser))</td><td>\(Analysis.count(Int(c.m)))</td><td>\(range)</td>"
                h += "<td>\(c.projected ? "—" : "\(c.seedsAgreeing) of \(c.seedsTotal)")</td>"
                h += "<td>\(c.projected ? "—" : String(format: "%.1f points", c.finalLead * 100) + (c.clear ? "" : " (within noise)"))</td><td>\(source)</td></tr>\n"
            }
            h += "</table>\n"
            if analysis.crossovers.count > rows.count {
                h += "<p class=\"note\">The table lists \(rows.count) of \(Analysis.count(analysis.crossovers.count)) crossings, the clear ones first; "
                    + "summary.json has them all.</p>\n"
            }
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

        let predicted = analysis.learners.flatMap { c in c.predicted.map { (c.learner, $0) } }
        if !predicted.isEmpty {
            h += "<h2>Predicted, not measured</h2>\n<p class=\"note\">Sizes whose cells could not be run, read off the learner's forecast, "
            h += "with its 80% interval.</p>\n"
            h += "<table><tr><th>learner</th><th>m</th><th>predicted accuracy</th><th>band</th><th>why not measured</th></tr>\n"
            for (name, p) in predicted {
                h += "<tr><td>\(e(name))</td><td>\(Analysis.count(p.m))</td>" + String(format: "<td>%.1f%%</td><td>%.1f–%.1f%%</td>", p.accuracy * 100, p.low * 100, p.high * 100)
                h += "<td>\(e(p.statuses.joined(separator: ", ")))</td></tr>\n"
            }
            h += "</table>\n"
        }

        let missing = outcome.results.filter { $0.status != .ok }
        if !missing.isEmpty {
            h += "<h2>Cells without a measurement</h2>\n<table><tr><th>learner</th><th>m</th><th>seed</th><th>status</th><th>reason</th></tr>\n"
            for r in missing {
                h += "<tr><td>\(e(r.key.learner))</td><td>\(Analysis.count(r.key.m))</td><td>\(r.key.seed)</td><td>\(r.status.rawValue)</td>"
                h += "<td style=\"text-align:left\">\(e(r.error ?? ""))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<p class=\"note\">The figure as PNG: curve.png. Every cell: results.csv. Machine-readable analysis: summary.json. Learner configurations:</p>\n<ul class=\"note\">\n"
        h += plan.learners.map { "<li><code>\(e($0.configuration))</code></li>" }.joined(separator: "\n")
        return h + "\n</ul>\n</body></html>\n"
    }
}
