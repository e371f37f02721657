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
        // Crossings of curves that end within noise of each other go to the report's table, not here; so do the
        // clear ones past the first few, where many learners cross.
        let clear = crossovers.filter(\.notable)
        for c in clear.prefix(Self.summaryCrossovers) {
            if c.projected {
                s.append("The forecasts say \(c.winner) would overtake \(c.loser) at about m ≈ \(Self.count(Int(c.m))), just beyond the data measured (a crossover in the forecast only).")
            } else {
                var line = "\(c.winner) overtakes \(c.loser) at about m ≈ \(Self.count(Int(c.m)))"
                if let lo = c.low, let hi = c.high, c.seedsTotal > 1 {
                    line += " (per seed \(Self.count(Int(lo)))–\(Self.count(Int(hi))), all \(c.seedsTotal) seeds end in this order)"
                }
                s.append(line + String(format: " and ends %.1f points ahead.", c.finalLead * 100))
            }
        }
        if clear.count > Self.summaryCrossovers {
            let more = clear.count - Self.summaryCrossovers
            s.append("\(more) more clear crossing\(more == 1 ? "" : "s") (see the crossover table).")
        }
        let unclear = crossovers.count - clear.count
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
            var line = "\(c.learner) was measured at one size (m = \(Self.count(c.largestM!)))"
            if let slope = c.slopePerDoubling {
                line = "\(c.learner) " + (abs(slope) < 0.005 ? "has plateaued" : slope > 0 ? "still gains" : "loses")
                    + String(format: " (%+.1f points per doubling of m at the largest sizes)", slope * 100)
            }
            if let a = c.asymptote, let sel = c.selection, sel.isFitted {
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
            if let end = c.forecastEnd {
                line += "; forecast at m = \(Self.count(end.m)): " + metric.text(ofScore: end.value)
                    + " [\(metric.text(ofScore: end.low)), \(metric.text(ofScore: end.high))] (80% interval, not measured)"
            }
            if !c.cautions.isEmpty { line += "; " + c.cautions.joined(separator: "; ") }
            s.append(line + ".")
            if !c.predicted.isEmpty {
                s.append("\(c.learner) could not be measured at m = \(c.predicted.map { Self.count($0.m) }.joined(separator: ", ")) ("
                         + Set(c.predicted.flatMap(\.statuses)).sorted().joined(separator: ", ") + "); its forecast gives "
                         + c.predicted.map { Self.predictedText($0) }.joined(separator: ", ") + ".")
            }
        }
        if let target {
            for c in measured {
                let goal = String(format: "%.1f%%", target * 100)
                guard let t = c.target else { continue }
                if let m = t.m, t.measured {
                    s.append("\(c.learner) reaches \(goal) by m = \(Self.count(m)).")
                    continue
                }
                let range = "80% interval " + (t.early.map { Self.count($0) } ?? "beyond") + " to "
                    + (t.late.map { Self.count($0) } ?? "beyond \(Int(Self.targetLimit))× the data")
                if let m = t.m {
                    s.append("\(c.learner) would need about m ≈ \(Self.count(m)) to reach \(goal) (\(range); forecast, not measured"
                             + (t.extrapolated ? ", beyond twice the data" : "") + ").")
                } else {
                    s.append("\(c.learner) does not reach \(goal) within \(Int(Self.targetLimit))× its largest size by its forecast"
                             + (t.early.map { " (only its optimistic end does, from m ≈ \(Self.count($0)))" } ?? "") + ".")
                }
            }
        }
        return s
    }

    /// `≈ 89.2% [88.1, 90.3] at m = 60,000`.
    static func predictedText(_ p: Prediction) -> String {
        String(format: "≈ %.1f%% [%.1f, %.1f] at m = ", p.accuracy * 100, p.low * 100, p.high * 100) + count(p.m)
    }

    /// The most clear crossovers the summary names one by one (the report's table lists more).
    static let summaryCrossovers = 20

    /// `84.1% ± 0.3`.
    static func percent(_ v: Double, _ spread: Double?) -> String {
        String(format: "%.1f%%", v * 100) + (spread.map { $0 > 0 ? String(format: " ± %.1f", $0 * 100) : "" } ?? "")
    }

    /// A size, rounded: `12,000`; one past what an Int holds (a far forecast) as `1.2e+20`.
    static func count(_ m: Double) -> String {
        m.isFinite && abs(m) < 1e18 ? count(Int(m.rounded())) : String(format: "%.3g", m)
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
