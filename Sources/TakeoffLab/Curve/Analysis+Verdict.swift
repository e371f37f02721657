import Foundation
import TakeoffNN
import TakeoffData

extension Analysis {
    /// Three plain sentences for the top of a report: which learner wins where, whether the
    /// traditional learners (not neural networks) have plateaued, and what more data would buy.
    /// `pool` is the number of training examples there are: no size beyond it is promised.
    public func verdict(pool: Int? = nil) -> [String] {
        let measured = learners.filter { !$0.points.isEmpty }
        guard !measured.isEmpty else { return ["No cell finished, so there is nothing to conclude yet."] }
        return [whoWins(measured), plateau(measured), moreData(measured, pool: pool)]
    }

    /// The best mean at each size where two or more learners were measured and none whose curve spans the size
    /// (measured below and above it) is missing there: a size the budget skipped for a stronger learner is no lead.
    func leaders(_ measured: [LearnerCurve]) -> [(m: Int, leader: LearnerCurve, point: Point, runnerUp: (LearnerCurve, Point)?)] {
        let sizes = Set(measured.flatMap { $0.points.map(\.m) }).sorted()
        return sizes.compactMap { m in
            let at = measured.compactMap { c in c.points.first { $0.m == m }.map { (c, $0) } }.sorted { $0.1.mean > $1.1.mean }
            let skipped = measured.contains { c in !c.points.contains { $0.m == m } && c.points.contains { $0.m < m } && c.points.contains { $0.m > m } }
            guard at.count >= 2, !skipped else { return nil }
            return (m, at[0].0, at[0].1, at[1])
        }
    }

    func whoWins(_ measured: [LearnerCurve]) -> String {
        let table = leaders(measured)
        guard let last = table.last else {
            let c = measured[0]
            return "Only \(c.learner) was measured (\(Self.percent(c.points.last!.mean, nil)) at m = \(Self.count(c.largestM!)))."
        }
        let most = measured.flatMap(\.points).map(\.seeds.count).max() ?? 1
        var runs: [(name: String, from: Int, to: Int, fewSeeds: Bool)] = []
        for row in table {
            let few = row.point.seeds.count < most
            if runs.last?.name == row.leader.learner {
                runs[runs.count - 1].to = row.m
                runs[runs.count - 1].fewSeeds = runs[runs.count - 1].fewSeeds || few
            } else {
                runs.append((row.leader.learner, row.m, row.m, few))
            }
        }
        let parts = runs.enumerated().map { i, r -> String in
            let range = r.from == r.to ? "at m = \(Self.count(r.from))" : i == runs.count - 1 && runs.count > 1
                ? "from m = \(Self.count(r.from)) up" : "at m = \(Self.count(r.from))–\(Self.count(r.to))"
            return "\(r.name) \(range)" + (r.fewSeeds && i < runs.count - 1 ? " (fewer seeds)" : "")
        }
        var line = runs.count == 1 ? "\(runs[0].name) is the most accurate at every size measured" : "Most accurate: " + Self.list(parts)
        let seeds = last.point.seeds.count
        line += " (\(Self.percent(last.point.mean, nil)) at m = \(Self.count(last.m))"
        if let runnerUp = last.runnerUp {
            let (other, p) = runnerUp
            let lead = last.point.mean - p.mean
            let noise = max(last.point.spread, p.spread, CurveSelection.noiseFloor)
            line += String(format: ", %.1f points ahead of %@", lead * 100, other.learner) + (lead < noise ? ", within noise" : "")
        }
        // `most`: the most seeds any point has (the plan's count is not known here), so say both.
        line += seeds < most ? "; \(seeds) seed\(seeds == 1 ? "" : "s") there, up to \(most) elsewhere)." : ")."
        return line
    }

    func plateau(_ measured: [LearnerCurve]) -> String {
        // A network: a preset, or a learner declared neural (embed-mlp).
        func isNetwork(_ name: String) -> Bool {
            NeuralPreset(rawValue: name) != nil || LearnerRegistry.declarations.first { $0.name == name }?.family == .neural
        }
        // Curves read from a file may name learners Takeoff does not know: neither networks nor traditional by name.
        let known = Set(LearnerRegistry.declarations.map(\.name))
        let others = measured.filter { !isNetwork($0.learner) && $0.slopePerDoubling != nil }
        let traditional = others.filter { known.contains($0.learner) }, unknown = others.filter { !known.contains($0.learner) }
        let networks = measured.filter { isNetwork($0.learner) }.compactMap { c in c.slopePerDoubling.map { (c, $0) } }
        let (subject, group) = traditional.isEmpty ? ("These learners", unknown) : ("The traditional learners", traditional)
        guard !group.isEmpty else {
            return "No traditional learner (logistic regression, SVM) was measured at two sizes or more, so there is no plateau to compare."
        }
        func gains(_ c: LearnerCurve) -> String { String(format: "%@ %+.1f", c.learner, c.slopePerDoubling! * 100) }
        let flat = group.filter { $0.slopePerDoubling! < 0.005 }, rising = group.filter { $0.slopePerDoubling! >= 0.005 }
        var line: String
        if rising.isEmpty {
            line = "\(subject) have levelled off: " + Self.list(flat.map(gains)) + " points per doubling of m at their largest sizes"
        } else if flat.isEmpty {
            line = "\(subject) have not plateaued yet: " + Self.list(rising.map(gains)) + " points per doubling of m at their largest sizes"
        } else {
            line = Self.list(flat.map(\.learner)) + " \(flat.count == 1 ? "has" : "have") levelled off (" + Self.list(flat.map(gains))
                + " points per doubling of m), " + Self.list(rising.map(\.learner)) + " not yet (" + Self.list(rising.map(gains)) + ")"
        }
        // The networks that got furthest, compared at the same size.
        let furthest = networks.compactMap { $0.0.largestM }.max()
        let far = networks.filter { $0.0.largestM == furthest }.map(\.1)
        if let furthest, let low = far.min(), let high = far.max() {
            line += (far.count == 1 ? String(format: "; the network measured furthest gains %+.1f", high * 100)
                     : low == high ? String(format: "; the networks measured furthest gain %+.1f", high * 100)
                     : String(format: "; the networks measured furthest gain %+.1f to %+.1f", low * 100, high * 100))
                + " at m = \(Self.count(furthest))."
        } else {
            line += "."
        }
        return line
    }

    /// What more data would buy each learner, by its forecast at ``forecastTo`` with the 80% interval, and which
    /// learner the forecasts put first there when that is not the one that leads now.
    func moreData(_ measured: [LearnerCurve], pool: Int?) -> String {
        let ends = measured.compactMap { c in c.forecastEnd.map { (c, $0) } }.sorted { $0.1.value > $1.1.value }
        let horizon = Int(forecastTo.rounded())
        guard !ends.isEmpty else { return "Every learner was measured up to m = \(Self.count(horizon)): there is nothing to forecast." }
        let largest = measured.compactMap(\.largestM).max() ?? horizon
        var where_ = "At m = \(Self.count(horizon))"
        if let pool, horizon > pool {
            where_ += " (\(Self.format(Double(horizon) / Double(pool)))× the pool: new labelled data)"
        } else if horizon > largest {
            where_ += " (\(Self.format(Double(horizon) / Double(largest)))× the largest size measured)"
        }
        func gain(_ c: LearnerCurve, _ v: Forecast.Value) -> String {
            let last = c.points.last!.mean
            // No "−0.0": a gain that rounds to zero is written as +0.0.
            func points(_ x: Double) -> Double { abs(x) < 0.0005 ? 0 : x * 100 }
            return "\(c.learner) " + String(format: "%+.1f points [%+.1f, %+.1f]", points(v.value - last), points(v.low - last), points(v.high - last))
        }
        var line = where_ + ", forecast with 80% intervals (not measured): " + Self.list(ends.map(gain))
        let leaderNow = leaders(measured).last?.leader.learner
        if let first = ends.first, first.0.learner != leaderNow, ends.count >= 2 {
            line += "; the forecasts put \(first.0.learner) first there (" + metric.text(ofScore: first.1.value) + String(format: " [%@, %@])",
                metric.text(ofScore: first.1.low), metric.text(ofScore: first.1.high))
            if ends[1].1.high >= first.1.low { line += ", within the intervals" }
        }
        let cautious = measured.filter { !$0.cautions.isEmpty && $0.points.count > 1 }.map(\.learner)
        if !cautious.isEmpty {
            line += "; " + Self.list(cautious) + (cautious.count == 1 ? "'s curve is not a steady rise, so read its forecast with care"
                                                                      : "'s curves are not a steady rise, so read their forecasts with care")
        }
        return line + "."
    }

    /// `10`, `2.5`.
    static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
