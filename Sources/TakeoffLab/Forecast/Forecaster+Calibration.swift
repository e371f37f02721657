import Foundation

extension Forecaster {
    /// One forecasting problem cut from a measured curve: what was seen up to a size, and the score at a larger one.
    struct Task {
        var seen: CurveFeatures
        var doublings: Double
        /// The true gain: the score at the target size minus the last seen one.
        var gain: Double
    }

    /// Fewer problems than this per coefficient leave a tier's quantile regressions undetermined.
    static let calibrationProblemsPerCoefficient = 5

    /// The horizons calibration cuts curves at: everything up to the largest size over each divisor is seen.
    static let calibrationDivisors: [Double] = [2, 4, 16]

    /// Problems for `tier` cut from `curve`: for each divisor d, the sizes up to the largest over d are seen (all of
    /// them for the full tier, the last two and three for the short one, the last for the single one) and the
    /// largest size is predicted.
    static func tasks(_ curve: ObservedCurve, tier: Tier) -> [Task] {
        guard let top = curve.points.last else { return [] }
        let target = curve.means.last!
        var out: [Task] = []
        for divisor in calibrationDivisors {
            let seen = curve.points.filter { Double($0.m) <= Double(top.m) / divisor }.count
            let windows: [Int] = switch tier {
            case .full: seen >= 4 ? [seen] : []
            case .short: [2, 3].filter { seen >= $0 }
            case .single: seen >= 1 ? [1] : []
            }
            for length in windows {
                let range = (seen - length)..<seen
                let f = CurveFeatures(sizes: Array(curve.sizes[range]), means: Array(curve.means[range]), spreads: Array(curve.spreads[range]))
                out.append(Task(seen: f, doublings: log2(Double(top.m) / f.largest), gain: target - f.last))
            }
        }
        return out
    }

    /// Fits every tier's three quantile regressions on `curves` (each curve's score at its largest size,
    /// from what was seen at a half, a quarter and a sixteenth of it).
    /// Throws ``LabError/invalidOption(option:detail:)`` for `calibrate` when a tier has fewer than
    /// ``calibrationProblemsPerCoefficient`` problems per coefficient.
    public static func calibrate(on curves: [ObservedCurve]) throws -> Forecaster {
        var models: [Tier: Model] = [:]
        let example = CurveFeatures(sizes: [100, 200, 400, 800], means: [0.5, 0.6, 0.7, 0.75])
        for tier in Tier.allCases {
            let tasks = curves.flatMap { Self.tasks($0, tier: tier) }
            let coefficients = max(features(example, tier: tier, doublings: 1).count, intervalFeatures(example, tier: tier, doublings: 1).count)
            let needed = calibrationProblemsPerCoefficient * coefficients
            guard tasks.count >= needed else {
                let seen = switch tier { case .single: "one size"; case .short: "two or three sizes"; case .full: "four sizes or more" }
                throw LabError.invalidOption(option: "calibrate", detail: "\(curves.count) curve\(curves.count == 1 ? "" : "s") give "
                                             + "\(tasks.count) forecasting problems with \(seen) seen, too few to fit the \(coefficients) coefficients "
                                             + "of that tier (at least \(needed) are needed): calibrate on more curves, or longer ones")
            }
            let x = tasks.map { features($0.seen, tier: tier, doublings: $0.doublings) }
            let q = tasks.map { intervalFeatures($0.seen, tier: tier, doublings: $0.doublings) }
            let y = tasks.map(\.gain)
            let tail = (1 - coverage) / 2
            let median = QuantileRegression.fit(rows: x, targets: y, quantile: 0.5)
            let residuals = zip(x, y).map { $1 - QuantileRegression.dot($0, median) }
            models[tier] = Model(median: median,
                                 low: QuantileRegression.fit(rows: q, targets: residuals, quantile: tail),
                                 high: QuantileRegression.fit(rows: q, targets: residuals, quantile: 1 - tail))
        }
        return Forecaster(models: models)
    }

    /// The coefficients as Swift source, for ``calibrated``.
    public var swiftSource: String {
        func list(_ v: [Double]) -> String { "[" + v.map { String(format: "%.6g", $0) }.joined(separator: ", ") + "]" }
        return Tier.allCases.compactMap { tier in
            models[tier].map { m in
                "    .\(tier.rawValue): Model(median: \(list(m.median)),\n            low: \(list(m.low)),\n            high: \(list(m.high))),"
            }
        }.joined(separator: "\n")
    }
}
