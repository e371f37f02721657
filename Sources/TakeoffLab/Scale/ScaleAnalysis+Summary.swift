import Foundation

extension ScaleAnalysis {
    static func points(_ e: Double) -> String { String(format: "%.2f", e * 100) }
    static func interval(_ e: Estimate, _ format: (Double) -> String) -> String {
        e.low == e.high ? format(e.value) : "\(format(e.value)) [\(format(e.low)), \(format(e.high))]"
    }
    static func size(_ m: Double) -> String { m.isFinite ? Analysis.count(m) : "∞" }

    static func describe(_ p: FrontierPoint) -> String {
        var s = "m = \(Analysis.count(p.m)): \(p.width)"
        if p.widthLow != p.widthHigh { s += " (\(p.widthLow)–\(p.widthHigh))" }
        if let b = p.measuredBest, b != p.width { s += " [lowest measured: \(b)]" }
        return s
    }

    /// The answers in sentences, each with its interval (90%, bootstrap over cells).
    func makeSummary() -> [String] {
        guard let fit else { return [fitProblem ?? "no joint fit"] }
        var lines: [String] = []
        lines.append("Joint fit (\(fit.pointCount) cells, \(fit.bootstrap.count) bootstrap refits, 90% intervals): error ≈ a·m^−α + b·N^−β + c under the random-guess envelope, "
            + "α (data) = \(Self.interval(fit.alpha) { String(format: "%.2f", $0) }), β (parameters) = \(Self.interval(fit.beta) { String(format: "%.2f", $0) }), "
            + "irreducible error \(Self.interval(fit.irreducible) { Self.points($0) + "%" }).")
        if let b = backtest {
            var s = "Back-test (fitted on the \(b.trainedOn) (width, m) pairs with the smallest m·N, predicting the \(b.predictions.count) largest): joint fit off by "
                + Self.points(b.jointError) + " error points on average"
            s += ", each width's last value by " + (b.lastValueError.map(Self.points) ?? "—")
            s += ", each width's own curve by " + (b.perWidthFitError.map(Self.points) ?? "—") + ". "
            s += b.jointWins ? "The joint fit beats both baselines." : "The joint fit does NOT beat "
                + [("the last values", b.lastValueError), ("the per-width curves", b.perWidthFitError)].filter { ($0.1 ?? .infinity) <= b.jointError }.map(\.0).joined(separator: " or ")
                + " here: read its extrapolations with care."
            lines.append(s)
        } else {
            lines.append("Back-test: too few cells to hold out the largest quarter and still fit the law.")
        }
        if !frontier.isEmpty {
            lines.append("Best width for each data size (the narrowest whose fitted error is within \(Int(Self.diminishingShare * 100))% of the lowest; range over bootstrap refits): "
                + frontier.map(Self.describe).joined(separator: ", ") + ".")
            let grows = zip(frontier, frontier.dropFirst()).allSatisfy { $0.width <= $1.width }
            lines.append(grows ? "The best width grows (or holds) as data grows: more data makes room for a larger network."
                : "The best width does not grow steadily with data here.")
        }
        if let r = returns {
            lines.append("At m = \(Analysis.count(r.m)) widening from \(r.previousWidth) to \(r.width) gained \(Self.interval(r.lastStepGain, Self.points)) error points; "
                + "doubling to \(r.width * 2) would gain \(Self.interval(r.doublingGain, Self.points)). "
                + (r.diminishing ? "The largest width is past the point of diminishing returns (a doubling cuts the error by less than \(Int(Self.diminishingShare * 100))% of itself)."
                    : "The largest width is not yet past the point of diminishing returns: a wider network should still help."))
        }
        if let t = target {
            let head = String(format: "Target %.1f%% accuracy: ", t.accuracy * 100)
            if let smallest = t.smallestWidth {
                let needs = t.widths.filter { $0.m != nil || $0.measuredAt != nil }.map { n -> String in
                    if let at = n.measuredAt { return "width \(n.width): reached at m = \(Analysis.count(at))" }
                    return "width \(n.width): m ≈ \(Self.interval(n.m!, Self.size))"
                }
                lines.append(head + needs.joined(separator: "; ") + ". Smallest width that can reach it: \(smallest)"
                    + (t.parametersNeeded.map { " (at least \(Self.interval($0, Self.size)) parameters by the fit)" } ?? "") + ".")
            } else {
                lines.append(head + "no width measured can reach it, even with unlimited data; the closest is width \(t.closestWidth.map(String.init) ?? "—")"
                    + (t.closestAccuracy.map { String(format: ", which the fit puts at %.1f%% with unlimited data", $0 * 100) } ?? "") + ".")
            }
        }
        if let c = computeOptimal, let first = c.budgets.first, let last = c.budgets.last {
            lines.append("Compute-optimal split: at \(String(format: "%.2g", first.flops)) training FLOPs the fit prefers width \(first.width) with m = \(Analysis.count(first.m)); "
                + "at \(String(format: "%.2g", last.flops)), width \(last.width) with m = \(Analysis.count(last.m)). Optimal width ∝ C^\(Self.interval(c.widthExponent) { String(format: "%.2f", $0) }), "
                + "parameters ∝ C^\(Self.interval(c.parameterExponent) { String(format: "%.2f", $0) }), data ∝ C^\(Self.interval(c.dataExponent) { String(format: "%.2f", $0) }).")
        }
        return lines
    }
}
