import Foundation

extension ScaleReport {
    /// A self-contained page: what the sweep says, the three figures, the error table, the back-test, the answers.
    public var html: String {
        let e = Plot.escape
        var h = ReportPage.head(title: "Scaling on \(dataName)", heading: "Scaling on \(dataName): error over data size and network width",
                                maxWidth: 1080)
        let counts = statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        h += "<p class=\"note\">\(e(request.family.rawValue)) of depth \(request.depth), widths \(analysis.widths.map { "\($0.width)" }.joined(separator: ", ")); "
        h += "training pool \(Analysis.count(poolSize)), fixed test set \(Analysis.count(testSize)); sizes \(plan.sizes.map(Analysis.count).joined(separator: ", ")); "
        h += "seeds \(plan.seeds.map(String.init).joined(separator: ", ")); cells: \(counts); this run trained \(outcome.ran) and reused \(outcome.reused) in "
        h += String(format: "%.1f s", outcome.seconds) + (request.budget.seconds.map { String(format: ", budget %.0f s", $0) } ?? "")
        h += outcome.complete ? ".</p>\n" : "; <b>the budget stopped the run before every cell was done</b>.</p>\n"
        h += "<h2>What the data says</h2>\n<ul>\n" + analysis.summary.map { "<li>\(e($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        for (_, svg) in chart.figures { h += "<figure>\n" + svg + "</figure>\n" }

        h += "<h2>Test error (%)</h2>\n<p class=\"note\">Mean ± standard deviation over seeds; parameters N and measured training FLOPs per cell in results.csv.</p>\n"
        h += "<table><tr><th>width</th><th>parameters</th>" + plan.sizes.map { "<th>m = \(Analysis.count($0))</th>" }.joined() + "</tr>\n"
        for w in analysis.widths {
            h += "<tr><td>\(w.width)</td><td>\(Analysis.count(w.parameters))</td>"
            for m in plan.sizes {
                if let c = analysis.cells.first(where: { $0.width == w.width && $0.m == m }) {
                    h += "<td>" + String(format: "%.1f", c.error * 100) + (c.seeds > 1 ? String(format: " ± %.1f", c.spread * 100) : "") + "</td>"
                } else {
                    let status = outcome.results.first { $0.key.configuration == w.configuration && $0.key.m == m }?.status
                    h += "<td>\(status.map(\.rawValue) ?? "—")</td>"
                }
            }
            h += "</tr>\n"
        }
        h += "</table>\n"

        if let fit = analysis.fit {
            let l = fit.law
            h += "<h2>The joint law</h2>\n<p>error(m, N) = u / √(1 + (u/ε₀)²), u = a·(m/m₀)<sup>−α</sup> + b·(N/N₀)<sup>−β</sup> + c, "
            h += String(format: "with a = %.3g, α = %.3f, b = %.3g, β = %.3f, c = %.3g, ε₀ = %.3f (random guess), m₀ = %.0f, N₀ = %.0f.", l.a, l.alpha, l.b, l.beta, l.c, l.randomGuess, l.m0, l.n0)
            h += "</p>\n<p class=\"note\">Huber loss (δ = 0.05) on log error over every cell, Nelder–Mead from 18 starts; intervals: 5th–95th percentiles of \(fit.bootstrap.count) refits on cells resampled with replacement.</p>\n"
        }
        if let b = analysis.backtest {
            h += "<h2>Back-test</h2>\n<p>Fitted on the \(b.trainedOn) (width, m) with the smallest m·N, predicting the largest quarter. Mean absolute error in error points: "
            h += "joint fit <b>\(ScaleAnalysis.points(b.jointError))</b>, each width's last measured value \(b.lastValueError.map(ScaleAnalysis.points) ?? "—"), "
            h += "each width's own fitted curve (a − b·m<sup>−c</sup> through its sizes in the fitted part; its last value with fewer than three) \(b.perWidthFitError.map(ScaleAnalysis.points) ?? "—"). "
            h += b.jointWins ? "The joint fit beats both.</p>\n" : "<b>The joint fit does not beat every baseline here.</b></p>\n"
            h += "<table><tr><th>width</th><th>m</th><th>measured</th><th>joint fit</th><th>last value</th><th>own curve</th></tr>\n"
            for p in b.predictions {
                func pc(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "—" }
                h += "<tr><td>\(p.width)</td><td>\(Analysis.count(p.m))</td><td>\(pc(p.measured))</td><td>\(pc(p.joint))</td><td>\(pc(p.lastValue))</td><td>\(pc(p.perWidthFit))</td></tr>\n"
            }
            h += "</table>\n"
        }
        if let c = analysis.computeOptimal {
            h += "<h2>Compute-optimal split</h2>\n<p class=\"note\">Training FLOPs of an (N, m) not measured: \(e(c.costModel)). For each budget, the (width, m) that minimises the fitted error.</p>\n"
            h += "<table><tr><th>training FLOPs</th><th>width</th><th>parameters</th><th>m</th><th>fitted error</th></tr>\n"
            for p in c.budgets {
                h += "<tr><td>\(String(format: "%.2e", p.flops))</td><td>\(p.width)</td><td>\(Analysis.count(p.parameters))</td><td>\(Analysis.count(p.m))</td><td>\(String(format: "%.2f%%", p.error * 100))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h2>Each width alone</h2>\n<p class=\"note\">Each width's curve fitted by itself with the curve families of <code>takeoff curve</code> (back-tested, best family refitted).</p>\n"
        h += "<table><tr><th>width</th><th>chosen family</th><th>back-test error (points)</th><th>plateau accuracy</th></tr>\n"
        for c in analysis.perWidth.learners {
            let width = analysis.widths.first { $0.configuration == c.configuration }?.width ?? 0
            h += "<tr><td>\(width)</td><td>\(c.selection.map { e($0.fit.family.rawValue) } ?? "—")</td>"
            h += "<td>\(c.selection?.backtestError.map { String(format: "%.2f", $0 * 100) } ?? "—")</td><td>\(c.asymptote.map { String(format: "%.1f%%", $0 * 100) } ?? "—")</td></tr>\n"
        }
        h += "</table>\n"
        h += "<p class=\"note\">Every cell: results.csv. Machine-readable analysis: summary.json.</p>\n"
        return h + "</body></html>\n"
    }
}
