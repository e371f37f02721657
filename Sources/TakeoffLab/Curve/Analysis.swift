import Foundation

/// What a sweep's results say: per learner the mean curve over seeds, the fitted and back-tested
/// curve, its plateau and slope; which learner overtakes which and where; where the ranking settles;
/// and the data needed for a target accuracy.
public struct Analysis: Sendable, Codable {
    /// One size of one learner's curve: the ``Analysis/metric``'s score (accuracy unless another was chosen)
    /// over the seeds that finished it.
    public struct Point: Sendable, Codable {
        public var m: Int
        public var mean: Double
        /// Sample standard deviation over seeds (0 with one seed).
        public var spread: Double
        public var seeds: [UInt64]
        /// The metric's score of each seed (accuracies, unless another metric was chosen).
        public var accuracies: [Double]
        public var fitSeconds: Double
        public var parameters: Int?
        /// Means over the seeds that measured them (``CellResult``): log loss, and on two-class data class 1's
        /// precision, recall, F1 and the ROC AUC.
        public var logLoss: Double?
        public var precision: Double?
        public var recall: Double?
        public var f1: Double?
        public var auc: Double?
        /// Mean test accuracy, whatever the metric.
        public var accuracy: Double?
    }

    /// The m needed for ``Analysis/target``.
    public struct TargetEstimate: Sendable, Codable {
        /// nil when the forecast does not reach it within ``Analysis/targetLimit`` times the largest measured m.
        public var m: Double?
        /// Already reached at a measured size.
        public var measured: Bool
        /// Read off the forecast beyond twice the largest measured m.
        public var extrapolated: Bool
        /// The 80% interval of the m needed: where the forecast's optimistic end reaches the target, and where its
        /// pessimistic end does (nil: not within the limit).
        public var early: Double? = nil
        public var late: Double? = nil
    }

    /// The score the forecast gives a size whose cells could not be measured (skipped for the budget,
    /// or stopped by the GPU). Never a measurement: it lives apart from ``LearnerCurve/points``.
    public struct Prediction: Sendable, Codable {
        public var m: Int
        /// The forecast's score at m.
        public var accuracy: Double
        /// The forecast's 80% interval.
        public var low: Double
        public var high: Double
        /// Why the cells were not measured (their statuses).
        public var statuses: [String]
    }

    /// One learner's curve.
    public struct LearnerCurve: Sendable, Codable {
        public var learner: String
        public var configuration: String
        public var points: [Point]
        public var selection: CurveSelection?
        /// The fitted plateau, and its standard deviation over per-seed fits; nil when the last-value baseline was chosen.
        public var asymptote: Double?
        public var asymptoteSpread: Double?
        /// Accuracy gained per doubling of m at the largest sizes (least squares over the three largest).
        public var slopePerDoubling: Double?
        public var target: TargetEstimate?
        /// Cells by status (ok, diverged, failed, skipped-budget, cut-budget).
        public var statuses: [String: Int]
        /// Sizes beyond ``largestM`` whose cells were not run (skipped for the budget, stopped by the GPU).
        public var notRun: [Int] = []
        /// Forecast scores at ``notRun``.
        public var predicted: [Prediction] = []
        /// The forecast from the largest measured size to ``Analysis/forecastTo``, with its 80% band (``Forecaster``).
        public var forecast: [Forecast.Value] = []
        /// What the forecast warns of (a curve that peaked, too few sizes); empty for a well-behaved curve.
        public var cautions: [String] = []
        public var largestM: Int? { points.last?.m }

        /// The fitted family's curve, when one was chosen (not the last-value baseline).
        public var fittedCurve: CurveFit? { selection.flatMap { $0.isFitted ? $0.fit : nil } }

        /// The forecast's value at the largest size it reaches.
        public var forecastEnd: Forecast.Value? { forecast.last.flatMap { $0.measured ? nil : $0 } }

        /// The forecaster's view of the measured points.
        var features: CurveFeatures? {
            points.isEmpty ? nil : CurveFeatures(sizes: points.map { Double($0.m) }, means: points.map(\.mean),
                                                 spreads: points.map { $0.seeds.count >= 2 ? $0.spread : nil })
        }

        /// The best measured point when the fitted plateau lies below it (the family does not describe
        /// the largest sizes, so the plateau is no estimate); nil otherwise.
        public var measuredAbovePlateau: Point? {
            guard let a = asymptote, let best = points.max(by: { $0.mean < $1.mean }), a < best.mean - 0.001 else { return nil }
            return best
        }

        /// The fitted accuracy at `m`, if a family was fitted.
        public func fitted(_ m: Double) -> Double? { fittedCurve?.predict(m) }
    }

    /// Learner `winner` overtakes `loser` at about m.
    public struct Crossover: Sendable, Codable {
        public var winner: String
        public var loser: String
        public var m: Double
        /// The range of the per-seed estimates (nil for a projected crossover).
        public var low: Double?
        public var high: Double?
        /// Seeds whose curves end in the same order.
        public var seedsAgreeing: Int
        public var seedsTotal: Int
        /// Read off the fitted curves beyond the measured sizes rather than from measurements.
        public var projected: Bool
        /// Beyond twice the largest measured m.
        public var extrapolated: Bool
        /// The winner's lead in mean accuracy at the largest size both measured (0 for a projected crossover).
        public var finalLead: Double
        /// Every seed ends in this order and the lead is at least half a point: not a crossing of curves within noise.
        public var clear: Bool { !projected && finalLead >= 0.005 && seedsAgreeing == seedsTotal }
        /// Worth a sentence in the summary (and the top of the report's table): clear, or a forecast-only crossing
        /// within twice the data.
        public var notable: Bool { clear || (projected && !extrapolated) }
    }

    /// How consistently the seeds rank the learners at one size.
    public struct Ranking: Sendable, Codable {
        public var m: Int
        public var leader: String
        /// Fraction of seeds whose best learner is ``leader``.
        public var leaderAgreement: Double
        /// Fraction of learner pairs that every seed orders the same way.
        public var pairAgreement: Double
        public var seeds: Int
        /// Learners measured on one seed here (the budget stopped their other seeds), left out of the
        /// agreement figures.
        public var singleSeed: [String] = []
        /// Those of them that beat ``leader`` on their seed: the ranking has not settled while any does.
        public var challengers: [String] = []
    }

    public var learners: [LearnerCurve]
    public var crossovers: [Crossover]
    public var rankings: [Ranking]
    /// The smallest measured m from which every larger size has the same leader on every seed; nil if it never settles or one seed.
    public var settledFrom: Int?
    public var target: Double?
    /// What the curves, fits, crossovers and rankings are of (``CurveMetric/score(_:)``); accuracy by default.
    public var metric: CurveMetric = .accuracy
    /// The size every learner's forecast reaches (by default ten times the largest measured).
    public var forecastTo: Double = 0
    /// How far past its largest measured size a learner's forecast is searched for ``target``: a little beyond the 16× the
    /// forecaster was calibrated on, and no further.
    public static let targetLimit = 32.0

    /// Analyses `results` for `learners` (name, configuration key), in that order, by `metric`'s score, forecasting
    /// every learner to `forecastTo` (default: ten times the largest size measured).
    public init(results: [CellResult], learners: [(name: String, configuration: String)], target: Double? = nil,
                metric: CurveMetric = .accuracy, forecastTo: Double? = nil) {
        self.target = target
        self.metric = metric
        let largest = results.filter { $0.status == .ok }.map(\.key.m).max() ?? 1
        self.forecastTo = max(forecastTo ?? 10 * Double(largest), Double(largest))
        var curves: [LearnerCurve] = []
        for (name, configuration) in learners {
            let mine = results.filter { $0.key.configuration == configuration }
            let ok = mine.filter { $0.status == .ok && metric.score($0) != nil }
            let points = Dictionary(grouping: ok, by: \.key.m).keys.sorted().map { m -> Point in
                let cells = ok.filter { $0.key.m == m }.sorted { $0.key.seed < $1.key.seed }
                let acc = cells.map { metric.score($0)! }
                func meanOf(_ metric: (CellResult) -> Double?) -> Double? {
                    let values = cells.compactMap(metric)
                    return values.isEmpty ? nil : Self.mean(values)
                }
                return Point(m: m, mean: Self.mean(acc), spread: Self.sd(acc), seeds: cells.map(\.key.seed), accuracies: acc,
                             fitSeconds: Self.mean(cells.compactMap(\.fitSeconds)), parameters: cells.compactMap(\.parameters).max(),
                             logLoss: meanOf(\.logLoss), precision: meanOf(\.precision), recall: meanOf(\.recall), f1: meanOf(\.f1),
                             auc: meanOf(\.auc), accuracy: meanOf(\.accuracy))
            }
            var curve = LearnerCurve(learner: name, configuration: configuration, points: points,
                                     statuses: Dictionary(grouping: mine, by: \.status.rawValue).mapValues(\.count))
            curve.notRun = Set(mine.filter { $0.key.m > points.last?.m ?? 0 && Self.unmeasured.contains($0.status) }.map(\.key.m)).sorted()
            curve.selection = CurveSelection.select(sizes: points.map(\.m), values: points.map(\.mean), weights: Self.weights(points),
                                                    tolerances: points.map { max($0.spread, CurveSelection.noiseFloor) })
            if points.count >= 2 {
                // Least-squares slope against log2 m over the three largest sizes: steadier than two points.
                let top = points.suffix(3)
                let xs = top.map { log2(Double($0.m)) }, ys = top.map(\.mean)
                let mx = Self.mean(xs), my = Self.mean(ys)
                curve.slopePerDoubling = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +) / xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
            }
            // A plateau needs a fitted family that beat the last value in the back-test, or a last value
            // that won it on a curve no longer rising (not one that every family merely failed to follow).
            let flat = points.count >= 3 && (curve.slopePerDoubling ?? 1) < 0.005
            if let s = curve.selection, s.isFitted || flat {
                curve.asymptote = s.fit.asymptote
                let seeds = Set(ok.map(\.key.seed)).sorted()
                let perSeed = seeds.compactMap { seed -> CurveFit? in
                    let pts = ok.filter { $0.key.seed == seed }.sorted { $0.key.m < $1.key.m }
                    return CurveFit.fit(s.fit.family, sizes: pts.map { Double($0.key.m) }, values: pts.map { metric.score($0)! })
                }
                curve.asymptoteSpread = perSeed.count >= 2 ? Self.sd(perSeed.map(\.asymptote)) : nil
            }
            if let features = curve.features {
                let forecast = Forecaster.calibrated.forecast(features)
                curve.forecast = forecast.curve(to: self.forecastTo)
                curve.cautions = forecast.cautions
                let skipped = Dictionary(grouping: mine.filter { curve.notRun.contains($0.key.m) }, by: \.key.m)
                curve.predicted = skipped.keys.sorted().map { m in
                    let v = forecast.at(Double(m))
                    return Prediction(m: m, accuracy: v.value, low: v.low, high: v.high, statuses: Set(skipped[m]!.map(\.status.rawValue)).sorted())
                }
                if let target { curve.target = Self.estimate(target, curve, forecast) }
            }
            curves.append(curve)
        }
        self.learners = curves
        crossovers = Self.crossovers(curves)
        (rankings, settledFrom) = Self.rankings(curves)
    }

    /// Statuses of cells that were not run, so their accuracy may be predicted (a diverged or failed
    /// cell ran and says something about the learner: it is not predicted).
    static let unmeasured: Set<CellStatus> = [.skippedBudget, .cutBudget, .gpuFailed]

    /// Inverse variances over seeds, so the noisy small sizes pull the fit less; sizes with one seed get
    /// the largest variance seen, and a floor of half a point keeps one lucky size from dominating. Nil with one seed.
    static func weights(_ points: [Point]) -> [Double]? {
        let spreads = points.filter { $0.seeds.count >= 2 }.map { max($0.spread, CurveSelection.noiseFloor) }
        guard let widest = spreads.max() else { return nil }
        return points.map { p in 1 / pow(p.seeds.count >= 2 ? max(p.spread, CurveSelection.noiseFloor) : widest, 2) }
    }

    static func estimate(_ target: Double, _ c: LearnerCurve, _ forecast: Forecast) -> TargetEstimate? {
        guard let largest = c.points.last else { return nil }
        let found = forecast.sizeFor(target)
        return TargetEstimate(m: found.m, measured: found.measured, extrapolated: !found.measured && (found.m ?? .infinity) > 2 * Double(largest.m),
                              early: found.early, late: found.late)
    }

    /// For each pair, the last measured change of order (with the per-seed range), or else where the
    /// fitted curves cross within ten times the largest measured m.
    static func crossovers(_ curves: [LearnerCurve]) -> [Crossover] {
        var out: [Crossover] = []
        let forecasts = curves.map { $0.features.map { Forecaster.calibrated.forecast($0) } }
        for i in curves.indices {
            for j in curves.indices where j > i {
                let (a, b) = (curves[i], curves[j])
                let bm = Dictionary(uniqueKeysWithValues: b.points.map { ($0.m, $0) })
                let shared = a.points.compactMap { p in bm[p.m].map { (p, $0) } }
                guard shared.count >= 2 else { continue }
                let diffs = shared.map { $0.0.mean - $0.1.mean }
                let sizes = shared.map { Double($0.0.m) }
                if let m = lastCrossing(sizes: sizes, diffs: diffs) {
                    let aWins = diffs.last! > 0
                    var perSeed: [Double] = []
                    var agreeing = 0
                    let seeds = Set(shared.flatMap { $0.0.seeds }).intersection(shared.flatMap { $0.1.seeds }).sorted()
                    for seed in seeds {
                        var s: [Double] = [], d: [Double] = []
                        for (pa, pb) in shared {
                            if let ia = pa.seeds.firstIndex(of: seed), let ib = pb.seeds.firstIndex(of: seed) {
                                s.append(Double(pa.m)); d.append(pa.accuracies[ia] - pb.accuracies[ib])
                            }
                        }
                        guard let lastDiff = d.last, (lastDiff > 0) == aWins else { continue }
                        agreeing += 1
                        perSeed.append(lastCrossing(sizes: s, diffs: d) ?? s[0])
                    }
                    out.append(Crossover(winner: aWins ? a.learner : b.learner, loser: aWins ? b.learner : a.learner, m: m,
                                         low: perSeed.min(), high: perSeed.max(), seedsAgreeing: agreeing, seedsTotal: seeds.count,
                                         projected: false, extrapolated: false, finalLead: abs(diffs.last!)))
                } else if let fa = forecasts[i], let fb = forecasts[j],
                          let top = sizes.last {
                    // Does the trailing learner's forecast overtake the leader's within 10× the data?
                    let lead = diffs.last! > 0
                    let grid = (1...60).map { top * pow(10, Double($0) / 60) }
                    if let m = grid.first(where: { (fa.at($0).value - fb.at($0).value > 0) != lead }) {
                        out.append(Crossover(winner: lead ? b.learner : a.learner, loser: lead ? a.learner : b.learner, m: m,
                                             low: nil, high: nil, seedsAgreeing: 0, seedsTotal: 0, projected: true, extrapolated: m > 2 * top,
                                             finalLead: 0))
                    }
                }
            }
        }
        return out.sorted { $0.m < $1.m }
    }

    /// The m (interpolated in log m) of the last sign change of `diffs`, or nil if the sign never changes.
    static func lastCrossing(sizes: [Double], diffs: [Double]) -> Double? {
        guard let final = diffs.last, final != 0 else { return nil }
        guard let k = diffs.indices.dropLast().last(where: { (diffs[$0] > 0) != (final > 0) || diffs[$0] == 0 }) else { return nil }
        let (d0, d1) = (diffs[k], diffs[k + 1])
        let t = d0 == d1 ? 0.5 : d0 / (d0 - d1)
        return exp(log(sizes[k]) + min(1, max(0, t)) * (log(sizes[k + 1]) - log(sizes[k])))
    }

    static func rankings(_ curves: [LearnerCurve]) -> ([Ranking], Int?) {
        let sizes = Set(curves.flatMap { $0.points.map(\.m) }).sorted()
        let multiSeed = curves.contains { $0.points.contains { $0.seeds.count >= 2 } }
        var out: [Ranking] = []
        for m in sizes {
            let measured = curves.compactMap { c in c.points.first { $0.m == m }.map { (c.learner, $0) } }
            // With several seeds, a learner the budget left with one seed here cannot agree or disagree with itself:
            // it is left out of the agreement, but it still challenges the leader if it beats it on its seed.
            let present = multiSeed ? measured.filter { $0.1.seeds.count >= 2 } : measured
            let single = multiSeed ? measured.filter { $0.1.seeds.count < 2 } : []
            guard present.count >= 2 else { continue }
            let seeds = present.map { Set($0.1.seeds) }.reduce(Set(present[0].1.seeds)) { $0.intersection($1) }.sorted()
            // With several seeds, only sizes where at least two of them can disagree.
            guard seeds.count >= (multiSeed ? 2 : 1) else { continue }
            func acc(_ k: Int, _ seed: UInt64) -> Double { present[k].1.accuracies[present[k].1.seeds.firstIndex(of: seed)!] }
            let leader = present.indices.max { present[$0].1.mean < present[$1].1.mean }!
            let leaders = seeds.filter { seed in present.indices.allSatisfy { acc($0, seed) <= acc(leader, seed) } }.count
            var pairs = 0, consistent = 0
            for a in present.indices {
                for b in present.indices where b > a {
                    pairs += 1
                    let orders = Set(seeds.map { acc(a, $0) > acc(b, $0) })
                    if orders.count == 1 { consistent += 1 }
                }
            }
            let top = present[leader].1
            let challengers = single.filter { _, p in
                p.seeds.indices.contains { i in p.accuracies[i] > (top.seeds.firstIndex(of: p.seeds[i]).map { top.accuracies[$0] } ?? top.mean) }
            }
            out.append(Ranking(m: m, leader: present[leader].0, leaderAgreement: Double(leaders) / Double(seeds.count),
                               pairAgreement: Double(consistent) / Double(pairs), seeds: seeds.count,
                               singleSeed: single.map(\.0), challengers: challengers.map(\.0)))
        }
        guard out.contains(where: { $0.seeds >= 2 }) else { return (out, nil) }
        var settled: Int?
        for r in out.reversed() {
            guard r.leaderAgreement == 1, r.challengers.isEmpty, r.leader == out.last!.leader else { break }
            settled = r.m
        }
        return (out, settled)
    }

    static func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
    static func sd(_ v: [Double]) -> Double {
        guard v.count >= 2 else { return 0 }
        let mu = mean(v)
        return (v.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
    }
}
