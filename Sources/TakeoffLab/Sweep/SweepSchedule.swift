import Foundation
import TakeoffData

/// Decides which cell of a sweep trains next, figure first: one seed of every learner at every
/// size before any second seed, then the other seeds where the ranking is least settled.
///
/// Within the first seed each learner climbs its sizes in order (a cell's cost is extrapolated from the sizes
/// measured below it, by ``CostModel``), except that a network starts at its largest size and fills in by halving
/// gaps, and every learner's second-largest size comes last (see ``nextFirstSeedSize(_:plansWork:)``); with a
/// budget the grid's largest size, then the cheapest predicted cell goes first, so a cut run has the most of the figure, and without one the dearest goes first, so no
/// worker is left idling at the end. A cell predicted (with ``SweepRunner/budgetMargin``) to overrun
/// the budget is skipped with its learner's larger sizes; the skipped cells' predicted cost is kept,
/// to say how long finishing would take.
struct SweepSchedule {
    let plan: SweepPlan
    let budget: Double?
    private(set) var pending: [CellKey]
    private(set) var running: Set<CellKey> = []
    var results: [CellKey: CellResult]
    var cost = CostModel()
    private let seedRank: [UInt64: Int]
    private let learnerIndex: [String: Int]
    /// ``bisectionOrder(_:)`` of the grid: the first seed's order for a learner that plans its work.
    private let bisection: [Int]

    enum Decision: Equatable {
        /// Train this cell.
        case run(CellKey)
        /// These cells cannot fit the budget.
        case skip([CellKey], reason: String)
        /// Nothing can start until a running cell finishes.
        case wait
        /// Every cell is stored, skipped or running.
        case done
    }

    init(plan: SweepPlan, stored: [CellKey: CellResult], budget: Double?) {
        self.plan = plan
        self.budget = budget
        results = stored
        pending = plan.cells.filter { stored[$0] == nil }
        seedRank = Dictionary(uniqueKeysWithValues: plan.seeds.enumerated().map { ($1, $0) })
        learnerIndex = Dictionary(uniqueKeysWithValues: plan.learners.enumerated().map { ($1.configuration, $0) })
        bisection = Self.bisectionOrder(plan.sizes)
        for r in stored.values { record(cost: r) }
    }

    /// The learner (its index in the plan) of `key`.
    func learner(of key: CellKey) -> Int { learnerIndex[key.configuration]! }

    /// A cell's predicted seconds: its learner's measured time scaled by planned work where the learner plans it
    /// (a network's recipe fixes its steps, so its cost can stay flat as m grows), else extrapolated by ``CostModel``.
    func predicted(_ key: CellKey) -> Double? {
        let work = plan.learners[learner(of: key)].work
        return cost.predict(learner: key.configuration, m: key.m, work: work) ?? cost.predict(learner: key.configuration, m: key.m)
    }

    private mutating func record(cost r: CellResult) {
        if let f = r.fitSeconds { cost.add(learner: r.key.configuration, m: r.key.m, seconds: f + (r.predictSeconds ?? 0)) }
    }

    /// The next decision `elapsed` seconds into the run.
    mutating func next(elapsed: Double) -> Decision {
        if pending.isEmpty { return running.isEmpty ? .done : .wait }
        let lowestRank = pending.map { seedRank[$0.seed]! }.min()!
        let candidates: [CellKey]
        if lowestRank == 0 {
            // Each (learner, first seed) takes its sizes in order: only its next size is eligible (see
            // ``nextFirstSeedSize(_:plansWork:)``).
            var sizes: [String: [Int]] = [:]
            for c in pending where seedRank[c.seed] == 0 { sizes[c.configuration, default: []].append(c.m) }
            let next = Dictionary(uniqueKeysWithValues: sizes.map { config, pendingSizes in
                (config, nextFirstSeedSize(pendingSizes, plansWork: !plan.learners[learnerIndex[config]!].work.isEmpty))
            })
            let secondLargest = plan.sizes.count >= 3 ? plan.sizes[plan.sizes.count - 2] : nil
            let onlySecondLargestLeft = sizes.values.allSatisfy { $0.allSatisfy { $0 == secondLargest } }
            candidates = pending.filter { c in
                seedRank[c.seed] == 0 && next[c.configuration] == c.m && (c.m != secondLargest || onlySecondLargestLeft)
                    && !running.contains { $0.configuration == c.configuration && seedRank[$0.seed] == 0 }
            }
        } else {
            candidates = pending.filter { seedRank[$0.seed] == lowestRank }
        }
        guard !candidates.isEmpty else { return .wait }
        let ranked = lowestRank == 0 ? rankFirstSeed(candidates) : rankRepeats(candidates)
        let next = ranked[0]
        if let budget {
            let p = (predicted(next) ?? 0) * SweepRunner.budgetMargin
            if elapsed >= budget || elapsed + p > budget {
                let reason = elapsed >= budget ? "the budget was used up"
                    : String(format: "predicted %.1f s (with margin) but %.1f s of the budget left", p, budget - elapsed)
                // A first-seed cell takes its learner's larger sizes with it (they would cost more); a repeat goes alone.
                let dropped = lowestRank == 0 ? pending.filter { $0.configuration == next.configuration && $0.m >= next.m } : [next]
                pending.removeAll { dropped.contains($0) }
                for key in dropped { results[key] = CellResult(key: key, status: .skippedBudget, error: reason) }
                return .skip(dropped, reason: reason)
            }
        }
        pending.removeAll { $0 == next }
        running.insert(next)
        return .run(next)
    }

    /// A started cell finished with `result`.
    mutating func finished(_ result: CellResult) {
        running.remove(result.key)
        results[result.key] = result
        record(cost: result)
    }

    /// The size a learner's first seed trains next, of its pending `sizes`: the smallest, except that the
    /// grid's largest size goes before its second-largest, and every learner's second-largest waits until
    /// nothing else of the first seed is left (in ``next(elapsed:)``). The right-hand end of the figure is what
    /// a cut run most needs, and a measured point there also pins the cost and the curve of the size below it
    /// (interpolated, not extrapolated); the second-largest sizes are measured after, as the budget allows, or
    /// drawn from the fit. A learner that plans its work (a network) starts at the largest size, then the
    /// smallest, then fills the sizes between by halving the widest gap in log m (see ``bisectionOrder(_:)``):
    /// its cost follows its recipe, so its other cells are predicted from that first one by their planned work,
    /// not extrapolated, and the dearest point of the figure is not the one left out. (Calibrating on the
    /// smallest size instead overpredicts the largest several times over: at m = 100 the cnn trains in batches
    /// of 16 at a fraction of the FLOP rate of its batches of 90 at 60,000.)
    func nextFirstSeedSize(_ sizes: [Int], plansWork: Bool) -> Int {
        let grid = plan.sizes
        if plansWork { return bisection.first { sizes.contains($0) } ?? sizes.min()! }
        if grid.count >= 3, Set(sizes) == [grid[grid.count - 2], grid[grid.count - 1]] { return grid[grid.count - 1] }
        return sizes.min()!
    }

    /// The sizes of `grid` (ascending) in the order that draws a curve soonest: the largest, the smallest, then,
    /// again and again, the size nearest the log-midpoint of the widest gap between the sizes taken; the
    /// second-largest last, as for every learner.
    static func bisectionOrder(_ grid: [Int]) -> [Int] {
        guard grid.count >= 3 else { return grid.reversed() }
        let sizes = grid.dropLast(2) + [grid[grid.count - 1]]
        var taken = [sizes.count - 1, 0]
        while taken.count < sizes.count {
            let sorted = taken.sorted()
            var best: (width: Double, pick: Int)?
            for (lo, hi) in zip(sorted, sorted.dropFirst()) where hi - lo > 1 {
                let width = log(Double(sizes[hi]) / Double(sizes[lo])), middle = log(Double(sizes[lo])) + width / 2
                let pick = ((lo + 1)..<hi).min { abs(log(Double(sizes[$0])) - middle) < abs(log(Double(sizes[$1])) - middle) }!
                if best == nil || width > best!.width { best = (width, pick) }
            }
            taken.append(best!.pick)
        }
        return taken.map { sizes[$0] } + [grid[grid.count - 2]]
    }

    /// Unknown costs first (to calibrate), then the grid's largest size (the end of the figure), then cheapest
    /// first under a budget, dearest first without one.
    private func rankFirstSeed(_ cells: [CellKey]) -> [CellKey] {
        let largest = plan.sizes.last
        return cells.sorted { a, b in
            let pa = predicted(a), pb = predicted(b)
            if (pa == nil) != (pb == nil) { return pa == nil }
            if budget != nil, (a.m == largest) != (b.m == largest) { return a.m == largest }
            if let pa, let pb, pa != pb { return budget == nil ? pa > pb : pa < pb }
            return (a.m, learner(of: a)) < (b.m, learner(of: b))
        }
    }

    /// Repeat seeds: without a budget the dearest first (so no worker idles at the end); with one, where
    /// the ranking is least settled: the smallest gap between this learner's mean and another learner's at
    /// the same size, then the widest spread, then the cheapest.
    private func rankRepeats(_ cells: [CellKey]) -> [CellKey] {
        if budget == nil { return rankFirstSeed(cells) }
        var means: [Int: [String: (sum: Double, sumSquares: Double, n: Double)]] = [:]
        for r in results.values where r.status == .ok {
            let a = r.accuracy ?? 0
            let s = means[r.key.m, default: [:]][r.key.configuration] ?? (0, 0, 0)
            means[r.key.m, default: [:]][r.key.configuration] = (s.sum + a, s.sumSquares + a * a, s.n + 1)
        }
        func gap(_ c: CellKey) -> Double {
            guard let row = means[c.m], let own = row[c.configuration] else { return 0 }
            let mean = own.sum / own.n
            return row.filter { $0.key != c.configuration }.map { abs($0.value.sum / $0.value.n - mean) }.min() ?? 1
        }
        func spread(_ c: CellKey) -> Double {
            guard let s = means[c.m]?[c.configuration], s.n > 1 else { return 0 }
            return max(0, s.sumSquares / s.n - (s.sum / s.n) * (s.sum / s.n)).squareRoot()
        }
        let keyed = cells.map { c in (c, gap(c), -spread(c), predicted(c) ?? 0) }
        return keyed.sorted { a, b in
            (a.1, a.2, a.3, a.0.m, learner(of: a.0)) < (b.1, b.2, b.3, b.0.m, learner(of: b.0))
        }.map(\.0)
    }

    /// Predicted seconds to train the cells that have no stored result (skipped or pending), one worker.
    var remainingSeconds: Double {
        plan.cells.filter { results[$0]?.status.isStored != true }.map { predicted($0) ?? 0 }.reduce(0, +)
    }
}
