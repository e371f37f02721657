import Foundation
import TakeoffNN

/// What a scaling sweep's results say: the joint law of error over data size and parameter count with
/// bootstrap intervals, a back-test against per-width baselines, and the practitioner's answers — the
/// best width for each data size, the data a target needs, and the compute-optimal split.
public struct ScaleAnalysis: Sendable, Codable {
    /// One width of the sweep.
    public struct Width: Sendable, Codable {
        public var width: Int
        public var learner: String
        public var configuration: String
        public var parameters: Int
        public var forwardFLOPs: Int
    }

    /// Mean test error of one (width, m) over the seeds that finished it.
    public struct Cell: Sendable, Codable {
        public var width: Int
        public var m: Int
        public var error: Double
        /// Sample standard deviation over seeds (0 with one).
        public var spread: Double
        public var seeds: Int
        /// Mean training FLOPs measured (epochs actually run).
        public var trainingFLOPs: Double?
    }

    /// The best width at one data size.
    public struct FrontierPoint: Sendable, Codable {
        public var m: Int
        /// The narrowest measured width within ``ScaleAnalysis/diminishingShare`` of the lowest fitted error here.
        public var width: Int
        /// The narrowest and widest of the widths the bootstrap refits choose (each at least 5% of them).
        public var widthLow: Int, widthHigh: Int
        public var fittedError: Estimate
        /// The width with the lowest measured mean error here, if any was measured.
        public var measuredBest: Int?
    }

    /// Whether widening past the largest width still pays, at the largest size.
    public struct Returns: Sendable, Codable {
        public var m: Int
        public var width: Int
        /// The next-widest width measured.
        public var previousWidth: Int
        /// Error points gained by the last step of widths measured (next-widest → widest), fitted.
        public var lastStepGain: Estimate
        /// Error points a further doubling of the width would gain, fitted.
        public var doublingGain: Estimate
        /// The doubling cuts the error by less than ``ScaleAnalysis/diminishingShare`` of itself (its interval's upper end).
        public var diminishing: Bool
    }

    /// The data one width needs to reach the target.
    public struct TargetNeed: Sendable, Codable {
        public var width: Int
        /// nil when the fit says the width never reaches it.
        public var m: Estimate?
        /// Share of bootstrap refits in which the width reaches it.
        public var reachableShare: Double
        /// A measured size at which the width already reached it.
        public var measuredAt: Int?
    }

    public struct TargetAnswer: Sendable, Codable {
        public var accuracy: Double
        public var widths: [TargetNeed]
        /// The narrowest measured width that can reach it with enough data; nil when none can.
        public var smallestWidth: Int?
        /// The fewest parameters that can reach it (fitted, any width), with its interval.
        public var parametersNeeded: Estimate?
        /// When no width can: the one that comes closest, and its accuracy with unlimited data.
        public var closestWidth: Int?
        public var closestAccuracy: Double?
    }

    /// The error-minimising (width, m) for one training-FLOP budget.
    public struct BudgetPoint: Sendable, Codable {
        public var flops: Double
        public var width: Int
        public var parameters: Int
        public var m: Int
        public var error: Double
    }

    public struct ComputeOptimal: Sendable, Codable {
        public var budgets: [BudgetPoint]
        /// Optimal width ∝ C^exponent, and parameters and data likewise (least squares over the budgets).
        public var widthExponent: Estimate
        public var parameterExponent: Estimate
        public var dataExponent: Estimate
        /// How training FLOPs are counted for an (N, m) not measured.
        public var costModel: String
    }

    /// The joint fit against baselines on the largest cells it did not see.
    public struct Backtest: Sendable, Codable {
        public struct Prediction: Sendable, Codable {
            public var width: Int, m: Int
            public var measured: Double
            public var joint: Double
            public var lastValue: Double?
            public var perWidthFit: Double?
        }
        public var trainedOn: Int
        public var predictions: [Prediction]
        /// Mean absolute error in error units over the held-out cells every method could predict.
        public var jointError: Double
        public var lastValueError: Double?
        public var perWidthFitError: Double?
        public var jointWins: Bool
    }

    public var widths: [Width]
    public var sizes: [Int]
    public var cells: [Cell]
    public var randomGuess: Double
    public var fit: ScalingFit?
    /// Why there is no joint fit, when there is none.
    public var fitProblem: String?
    public var exponents: [String: Estimate] = [:]
    public var backtest: Backtest?
    public var frontier: [FrontierPoint] = []
    public var returns: Returns?
    public var target: TargetAnswer?
    public var computeOptimal: ComputeOptimal?
    /// Each width's curve fitted alone (the families of `takeoff curve`).
    public var perWidth: Analysis
    public var summary: [String] = []

    /// Diminishing returns: a width whose fitted error is within this share of the lowest at its m is as good
    /// as the widest (the frontier), and a doubling that cuts the error by less than this share of itself does not pay.
    public static let diminishingShare = 0.05

    /// Everything the sweep needs to be analysed.
    public struct Setting: Sendable {
        public var shapes: [NetworkShape]
        public var configurations: [String]
        public var sizes: [Int]
        public var pool: Int
        public var inputShape: [Int]
        public var classes: Int
        public var target: Double?
        public var bootstraps: Int
        /// The epochs override the networks trained with (nil: the recipe's).
        public var epochs: Int?

        public init(shapes: [NetworkShape], configurations: [String], sizes: [Int], pool: Int, inputShape: [Int], classes: Int,
                    target: Double?, bootstraps: Int, epochs: Int?) {
            (self.shapes, self.configurations, self.sizes, self.pool, self.inputShape, self.classes) = (shapes, configurations, sizes, pool, inputShape, classes)
            (self.target, self.bootstraps, self.epochs) = (target, bootstraps, epochs)
        }
    }

    public init(results: [CellResult], setting s: Setting) {
        randomGuess = 1 - 1 / Double(s.classes)
        sizes = s.sizes
        widths = zip(s.shapes, s.configurations).map { shape, configuration in
            let size = shape.size(inputShape: s.inputShape, classes: s.classes)
            return Width(width: shape.width, learner: shape.name, configuration: configuration, parameters: size.parameters, forwardFLOPs: size.flopsPerExample)
        }
        perWidth = Analysis(results: results, learners: widths.map { ($0.learner, $0.configuration) }, target: s.target)
        let ok = results.filter { $0.status == .ok && $0.accuracy != nil }
        let byConfiguration = Dictionary(uniqueKeysWithValues: widths.map { ($0.configuration, $0) })
        var points: [(width: Width, m: Int, error: Double)] = []
        for r in ok { if let w = byConfiguration[r.key.configuration] { points.append((w, r.key.m, 1 - r.accuracy!)) } }
        cells = Dictionary(grouping: points, by: { "\($0.width.width) \($0.m)" }).values.map { group in
            let e = group.map(\.error)
            let flops = ok.filter { $0.key.configuration == group[0].width.configuration && $0.key.m == group[0].m }.compactMap(\.trainingFLOPs)
            return Cell(width: group[0].width.width, m: group[0].m, error: Analysis.mean(e), spread: Analysis.sd(e), seeds: e.count,
                        trainingFLOPs: flops.isEmpty ? nil : Analysis.mean(flops))
        }.sorted { ($0.width, $0.m) < ($1.width, $1.m) }

        let measuredWidths = Set(cells.map(\.width)), measuredSizes = Set(cells.map(\.m))
        guard measuredWidths.count >= ScaleRequest.minimumAxis, measuredSizes.count >= ScaleRequest.minimumAxis else {
            fitProblem = "a joint fit needs results at \(ScaleRequest.minimumAxis) or more widths and \(ScaleRequest.minimumAxis) or more sizes; "
                + "there are \(measuredWidths.count) widths and \(measuredSizes.count) sizes with results"
            summary = [fitProblem!]
            return
        }
        let fitPoints = points.map { ScalingFit.Point(m: Double($0.m), n: Double($0.width.parameters), error: $0.error) }
        guard let fit = ScalingFit.fit(fitPoints, randomGuess: randomGuess, bootstraps: s.bootstraps) else {
            fitProblem = "the joint fit found no finite optimum"
            summary = [fitProblem!]
            return
        }
        self.fit = fit
        exponents = ["alpha (data)": fit.alpha, "beta (parameters)": fit.beta, "irreducible error": fit.irreducible]
        backtest = Self.backtest(points: points, cells: cells, randomGuess: randomGuess)
        frontier = Self.frontier(fit: fit, widths: widths, sizes: s.sizes, cells: cells)
        returns = Self.returns(fit: fit, widths: widths, setting: s)
        if let t = s.target { target = Self.target(t, fit: fit, widths: widths, cells: cells) }
        computeOptimal = Self.computeOptimal(fit: fit, results: ok, widths: widths, setting: s)
        summary = makeSummary()
    }

    // MARK: - Back-test

    /// Fits the law to the cells whose m·N is in the smaller three quarters and predicts the rest.
    static func backtest(points: [(width: Width, m: Int, error: Double)], cells: [Cell], randomGuess: Double) -> Backtest? {
        let byWidth = Dictionary(grouping: points, by: { $0.width.width })
        let product = { (c: Cell) -> Double in Double(c.m) * Double(byWidth[c.width]![0].width.parameters) }
        let ordered = cells.sorted { product($0) < product($1) }
        let trainCount = Int((Double(ordered.count) * 0.75).rounded(.down))
        guard trainCount > ScalingLaw.parameterCount, trainCount < ordered.count else { return nil }
        let training = Set(ordered.prefix(trainCount).map { "\($0.width) \($0.m)" })
        let trainPoints = points.filter { training.contains("\($0.width.width) \($0.m)") }
        guard let fit = ScalingFit.fit(trainPoints.map { .init(m: Double($0.m), n: Double($0.width.parameters), error: $0.error) },
                                       randomGuess: randomGuess, bootstraps: 0) else { return nil }
        var predictions: [Backtest.Prediction] = []
        for held in ordered.suffix(from: trainCount) {
            let n = Double(byWidth[held.width]![0].width.parameters)
            let seen = ordered.prefix(trainCount).filter { $0.width == held.width }.sorted { $0.m < $1.m }
            // The width's own curve, a − b·m^(−c) (the curve's power law; with fewer than three sizes, its last value).
            let sizes = seen.map { Double($0.m) }, accuracies = seen.map { 1 - $0.error }
            let oneD = seen.count >= CurveFamily.pow3.parameterCount ? CurveFit.fit(.pow3, sizes: sizes, values: accuracies)
                : CurveFit.fit(.last, sizes: sizes, values: accuracies)
            predictions.append(.init(width: held.width, m: held.m, measured: held.error, joint: fit.law.error(m: Double(held.m), n: n),
                                     lastValue: seen.last?.error, perWidthFit: oneD.map { 1 - $0.predict(Double(held.m)) }))
        }
        let common = predictions.filter { $0.lastValue != nil && $0.perWidthFit != nil }
        let judged = common.isEmpty ? predictions : common
        func mae(_ f: (Backtest.Prediction) -> Double?) -> Double? {
            let e = judged.compactMap { p in f(p).map { abs($0 - p.measured) } }
            return e.count == judged.count && !e.isEmpty ? Analysis.mean(e) : nil
        }
        let joint = mae { $0.joint }!
        let last = mae { $0.lastValue }, oneD = mae { $0.perWidthFit }
        return Backtest(trainedOn: trainCount, predictions: predictions, jointError: joint, lastValueError: last, perWidthFitError: oneD,
                        jointWins: joint < (last ?? .infinity) && joint < (oneD ?? .infinity))
    }

    // MARK: - Answers

    /// The best width at each size: the narrowest measured width whose fitted error is within
    /// ``diminishingShare`` of the lowest any measured width reaches there. (The law falls with N at
    /// every m, so "lowest" alone would always name the widest; the frontier is where widening stops paying.)
    static func frontier(fit: ScalingFit, widths: [Width], sizes: [Int], cells: [Cell]) -> [FrontierPoint] {
        let ordered = widths.sorted { $0.width < $1.width }
        return sizes.map { m in
            func best(_ law: ScalingLaw) -> Width {
                let errors = ordered.map { law.error(m: Double(m), n: Double($0.parameters)) }
                let lowest = errors.min()!
                return ordered[errors.firstIndex { $0 <= lowest * (1 + diminishingShare) }!]
            }
            let chosen = best(fit.law)
            let votes = Dictionary(grouping: fit.bootstrap.map { best($0).width }, by: { $0 }).mapValues(\.count)
            let common = votes.filter { Double($0.value) >= 0.05 * Double(fit.bootstrap.count) }.keys + [chosen.width]
            let measured = cells.filter { $0.m == m }.min { $0.error < $1.error }?.width
            return FrontierPoint(m: m, width: chosen.width, widthLow: common.min()!, widthHigh: common.max()!,
                                 fittedError: fit.estimate { $0.error(m: Double(m), n: Double(best($0).parameters)) }, measuredBest: measured)
        }
    }

    static func returns(fit: ScalingFit, widths: [Width], setting s: Setting) -> Returns? {
        guard widths.count >= 2, let m = s.sizes.max() else { return nil }
        let widest = widths.max { $0.width < $1.width }!, next = widths.sorted { $0.width < $1.width }.dropLast().last!
        let doubled = Double(NetworkShape(s.shapes[0].family, width: widest.width * 2, depth: s.shapes[0].depth)
            .size(inputShape: s.inputShape, classes: s.classes).parameters)
        let last = fit.estimate { $0.error(m: Double(m), n: Double(next.parameters)) - $0.error(m: Double(m), n: Double(widest.parameters)) }
        let doubling = fit.estimate { $0.error(m: Double(m), n: Double(widest.parameters)) - $0.error(m: Double(m), n: doubled) }
        let atWidest = fit.law.error(m: Double(m), n: Double(widest.parameters))
        return Returns(m: m, width: widest.width, previousWidth: next.width, lastStepGain: last, doublingGain: doubling, diminishing: doubling.high < diminishingShare * atWidest)
    }

    static func target(_ accuracy: Double, fit: ScalingFit, widths: [Width], cells: [Cell]) -> TargetAnswer {
        let error = 1 - accuracy
        let needs = widths.map { w -> TargetNeed in
            let n = Double(w.parameters)
            let samples = fit.bootstrap.map { $0.dataNeeded(error: error, n: n) }
            let reached = samples.compactMap { $0 }
            let share = samples.isEmpty ? (fit.law.dataNeeded(error: error, n: n) == nil ? 0 : 1) : Double(reached.count) / Double(samples.count)
            // Refits that never reach it count as infinitely much data.
            let m = fit.law.dataNeeded(error: error, n: n).map { Estimate($0, samples: reached + Array(repeating: .infinity, count: samples.count - reached.count)) }
            return TargetNeed(width: w.width, m: m, reachableShare: share,
                              measuredAt: cells.filter { $0.width == w.width && $0.error <= error }.map(\.m).min())
        }
        let smallest = needs.first { $0.m != nil || $0.measuredAt != nil }?.width
        var answer = TargetAnswer(accuracy: accuracy, widths: needs, smallestWidth: smallest,
                                  parametersNeeded: fit.law.parametersNeeded(error: error).map { v in
                                      Estimate(v, samples: fit.bootstrap.map { $0.parametersNeeded(error: error) ?? .infinity })
                                  })
        if smallest == nil, let closest = widths.min(by: { fit.law.limit(n: Double($0.parameters)) < fit.law.limit(n: Double($1.parameters)) }) {
            answer.closestWidth = closest.width
            answer.closestAccuracy = 1 - fit.law.limit(n: Double(closest.parameters))
        }
        return answer
    }

    /// Training FLOPs of a network of `forward` FLOPs per example at size `m`, as the recipe plans them (its
    /// compute cap included); callers scale it by `calibration` (the share of planned
    /// epochs the measured cells ran before early stopping).
    static func plannedFLOPs(forward: Int, m: Int, epochs: Int?) -> Double {
        NeuralLearner.Recipe.plannedFLOPs(examples: m, flopsPerExample: forward, epochs: epochs)
    }

    static func computeOptimal(fit: ScalingFit, results: [CellResult], widths: [Width], setting s: Setting) -> ComputeOptimal? {
        let byConfiguration = Dictionary(uniqueKeysWithValues: widths.map { ($0.configuration, $0) })
        let ratios = results.compactMap { r -> Double? in
            guard let measured = r.trainingFLOPs, let w = byConfiguration[r.key.configuration] else { return nil }
            return measured / plannedFLOPs(forward: w.forwardFLOPs, m: r.key.m, epochs: s.epochs)
        }.sorted()
        let calibration = ratios.isEmpty ? 1 : ratios[ratios.count / 2]
        let family = s.shapes[0].family, depth = s.shapes[0].depth
        guard let wLo = widths.map(\.width).min(), let wHi = widths.map(\.width).max(), let mLo = s.sizes.min() else { return nil }
        // Candidates: widths from the narrowest to 4× the widest, sizes from the smallest to the whole pool.
        func logGrid(_ lo: Double, _ hi: Double, _ count: Int) -> [Int] {
            Array(Set((0..<count).map { Int((lo * pow(hi / lo, Double($0) / Double(count - 1))).rounded()) })).sorted()
        }
        let candidateWidths = logGrid(Double(wLo), Double(wHi * 4), 48).map { w -> (width: Int, n: Double, forward: Int) in
            let size = NetworkShape(family, width: w, depth: depth).size(inputShape: s.inputShape, classes: s.classes)
            return (w, Double(size.parameters), size.flopsPerExample)
        }
        let candidateSizes = logGrid(Double(mLo), Double(max(s.pool, mLo + 1)), 48)
        var grid: [(width: Int, n: Double, m: Int, flops: Double)] = []
        for w in candidateWidths {
            for m in candidateSizes { grid.append((w.width, w.n, m, calibration * plannedFLOPs(forward: w.forward, m: m, epochs: s.epochs))) }
        }
        // Budgets spanning the measured grid's cells, cheapest to dearest.
        let measured = widths.flatMap { w in s.sizes.map { calibration * plannedFLOPs(forward: w.forwardFLOPs, m: $0, epochs: s.epochs) } }
        guard let cLo = measured.min(), let cHi = measured.max(), cHi > cLo else { return nil }
        let budgets = (0..<12).map { cLo * pow(cHi / cLo, Double($0) / 11) }
        func optimum(_ law: ScalingLaw, _ budget: Double) -> (width: Int, n: Double, m: Int, flops: Double, error: Double)? {
            var best: (width: Int, n: Double, m: Int, flops: Double, error: Double)?
            for g in grid where g.flops <= budget {
                let e = law.error(m: Double(g.m), n: g.n)
                if e < best?.error ?? .infinity { best = (g.width, g.n, g.m, g.flops, e) }
            }
            return best
        }
        func slopes(_ law: ScalingLaw) -> (w: Double, n: Double, m: Double)? {
            let o = budgets.compactMap { b in optimum(law, b).map { (log(b), $0) } }
            guard o.count >= 3 else { return nil }
            func slope(_ y: [Double]) -> Double {
                let x = o.map(\.0), mx = Analysis.mean(x), my = Analysis.mean(y)
                let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
                return sxx > 0 ? zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +) / sxx : 0
            }
            return (slope(o.map { log(Double($0.1.width)) }), slope(o.map { log($0.1.n) }), slope(o.map { log(Double($0.1.m)) }))
        }
        guard let central = slopes(fit.law) else { return nil }
        let boot = fit.bootstrap.compactMap(slopes)
        let points = budgets.compactMap { b in optimum(fit.law, b).map { BudgetPoint(flops: b, width: $0.width, parameters: Int($0.n), m: $0.m, error: $0.error) } }
        return ComputeOptimal(budgets: points, widthExponent: Estimate(central.w, samples: boot.map(\.w)),
                              parameterExponent: Estimate(central.n, samples: boot.map(\.n)), dataExponent: Estimate(central.m, samples: boot.map(\.m)),
                              costModel: String(format: "3 × forward FLOPs × examples fitted × the recipe's planned epochs × %.2f (the median share of them the measured cells ran)", calibration))
    }
}
