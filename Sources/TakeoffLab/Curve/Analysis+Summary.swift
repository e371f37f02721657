import Foundation

extension Analysis {
    /// A plain-language account of the curves, one sentence per finding.
    public var summary: [String] {
        var s: [String] = []
        let measured = learners.filter { !$0.points.isEmpty }
        guard !measured.isEmpty else { return ["No cell finished, so there is no curve to describe."] }
        // Compare learners where at least two were measured; say who alone got further.
        let sizes = Set(measured.flatMap { $0.points.map(\.m) }).sorted()
        let shared = sizes.filter { m in measured.filter { c in c.points.contains { $0.m == m } }.count >= 2 }
        for (m, word) in [(shared.first, "smallest"), (shared.last, "largest")] where m != nil && (word == "largest" || shared.count > 1) {
            let at = measured.compactMap { c in c.points.first { $0.m == m! }.map { (c.learner, $0) } }.sorted { $0.1.mean > $1.1.mean }
            guard let best = at.first, let worst = at.last else { continue }
            s.append("At the \(word) size where learners can be compared (m = \(Self.count(m!))), \(best.0) leads with "
                     + "\(Self.percent(best.1.mean, best.1.spread)); \(worst.0) is last with \(Self.percent(worst.1.mean, worst.1.spread)).")
        }
        if let top = sizes.last, top != shared.last ?? top {
            let beyond = measured.filter { ($0.largestM ?? 0) > (shared.last ?? 0) }
            s.append(beyond.map { c in "\(c.learner) alone went on to m = \(Self.count(c.largestM!)) (\(Self.percent(c.points.last!.mean, c.points.last!.spread)))" }
                        .joined(separator: "; ") + ".")
        }
        // Crossings of curves that end within noise of each other go to the report's table, not here.
        for c in crossovers where c.clear || (c.projected && !c.extrapolated) {
            if c.projected {
                s.append("The fitted curves say \(c.winner) would overtake \(c.loser) at about m ≈ \(Self.count(Int(c.m))), just beyond the data measured.")
            } else {
                var line = "\(c.winner) overtakes \(c.loser) at about m ≈ \(Self.count(Int(c.m)))"
                if let lo = c.low, let hi = c.high, c.seedsTotal > 1 {
                    line += " (per seed \(Self.count(Int(lo)))–\(Self.count(Int(hi))), all \(c.seedsTotal) seeds end in this order)"
                }
                s.append(line + String(format: " and ends %.1f points ahead.", c.finalLead * 100))
            }
        }
        let unclear = crossovers.filter { !$0.clear && !($0.projected && !$0.extrapolated) }.count
        if unclear > 0 {
            s.append("\(unclear) more crossing\(unclear == 1 ? "" : "s") of curves end within noise or only in extrapolation beyond twice the data (see the crossover table).")
        }
        if let settled = settledFrom, let leader = rankings.last?.leader {
            if settled == rankings.first?.m {
                s.append("Every seed agrees that \(leader) leads at every size measured.")
            } else {
                let leftOut = Set(rankings.filter { $0.m >= settled }.flatMap(\.singleSeed)).sorted()
                s.append("With little data the ranking is unstable across seeds; from m = \(Self.count(settled)) on every seed puts \(leader) first"
                         + (leftOut.isEmpty ? "." : " (of the learners measured on several seeds; \(leftOut.joined(separator: ", ")) ran one seed at some of these sizes and did not beat it there)."))
            }
        } else if rankings.contains(where: { $0.seeds >= 2 }), let last = rankings.last {
            s.append("The seeds still disagree about the leader at m = \(Self.count(last.m)), the largest size with several seeds of several learners "
                     + "(\(Int((last.leaderAgreement * 100).rounded()))% pick \(last.leader)): the ranking has not settled.")
        }
        for c in measured {
            guard let slope = c.slopePerDoubling else { continue }
            var line = "\(c.learner) " + (abs(slope) < 0.005 ? "has plateaued" : slope > 0 ? "still gains" : "loses")
            line += String(format: " (%+.1f points per doubling of m at the largest sizes)", slope * 100)
            if let sel = c.selection, !sel.isFitted, c.points.count >= 3 {
                line += !sel.backtests.contains(where: { $0.family != .last && $0.error != nil })
                    ? "; \(c.points.count) sizes are too few to back-test a fitted family, so no curve is fitted"
                    : sel.rejected.isEmpty
                    ? "; no fitted family predicted its larger sizes better than its last value, so no curve is fitted"
                    : "; no fitted family that beat its last value passes through its largest measurements ("
                        + sel.rejected.map(\.rawValue).joined(separator: ", ") + " miss them), so no curve is fitted"
            } else if let a = c.asymptote, let sel = c.selection, sel.isFitted {
                if let best = c.measuredAbovePlateau {
                    line += "; its \(sel.fit.family.rawValue) fit levels off at \(Self.percent(a, nil)), below the "
                        + "\(Self.percent(best.mean, nil)) already measured at m = \(Self.count(best.m)), so no plateau is estimated"
                } else if a >= 0.999 {
                    line += "; no plateau is in sight (its \(sel.fit.family.rawValue) fit runs on to the 100% bound)"
                } else if let spread = c.asymptoteSpread, spread > 0.05 {
                    line += "; its \(sel.fit.family.rawValue) fit's plateau (\(Self.percent(a, spread))) is not pinned down by the data"
                } else {
                    line += "; its \(sel.fit.family.rawValue) fit heads to " + Self.percent(a, c.asymptoteSpread)
                }
            }
            if let e = c.selection?.backtestError, let sel = c.selection, sel.isFitted {
                line += String(format: " (back-test error %.1f points at m = %@, sizes the choice of family did not see)", e * 100,
                               sel.heldOut.map(Self.count).joined(separator: ", "))
            }
            s.append(line + ".")
            if !c.predicted.isEmpty {
                s.append("\(c.learner) could not be measured at m = \(c.predicted.map { Self.count($0.m) }.joined(separator: ", ")) ("
                         + Set(c.predicted.flatMap(\.statuses)).sorted().joined(separator: ", ") + "); its fitted curve predicts "
                         + c.predicted.map { Self.predictedText($0) }.joined(separator: ", ") + ".")
            }
        }
        if let target {
            for c in measured {
                let goal = String(format: "%.1f%%", target * 100)
                guard let t = c.target else {
                    s.append("\(c.learner): no fitted curve to tell whether it reaches \(goal) "
                             + (c.points.count < 3 ? "(too few sizes measured)." : "(no family beat the last value in the back-test)."))
                    continue
                }
                if let m = t.m {
                    s.append(t.measured ? "\(c.learner) reaches \(goal) by m = \(Self.count(Int(m)))."
                             : "\(c.learner) would need about m ≈ \(Self.count(Int(m.rounded()))) to reach \(goal)"
                                + (t.extrapolated ? " (extrapolated beyond twice the data: a guess)." : "."))
                } else {
                    s.append("\(c.learner) does not reach \(goal): "
                             + (c.asymptote.map { $0 <= target } ?? true ? "its curve levels off below it." : "not even at 10^12 examples by its fitted curve."))
                }
            }
        }
        return s
    }

    /// `≈ 89.2% (88.1–90.3) at m = 60,000`.
    static func predictedText(_ p: Prediction) -> String {
        String(format: "≈ %.1f%% (%.1f–%.1f) at m = ", p.accuracy * 100, p.low * 100, p.high * 100) + count(p.m)
    }

    /// `84.1% ± 0.3`.
    static func percent(_ v: Double, _ spread: Double?) -> String {
        String(format: "%.1f%%", v * 100) + (spread.map { $0 > 0 ? String(format: " ± %.1f", $0 * 100) : "" } ?? "")
    }

    /// `12,000`.
    static func count(_ m: Int) -> String {
        let s = String(m)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }
}
