import Foundation

/// The curve family chosen for one learner by back-testing: every family is fitted to the smaller
/// sizes and judged by how well it predicts the largest measured ones; the winner is then refitted
/// to all sizes.
public struct CurveSelection: Sendable, Codable {
    /// One family's back-test.
    public struct Backtest: Sendable, Codable {
        public var family: CurveFamily
        /// Mean absolute error (accuracy units) on the held-out sizes; nil when too few sizes remain to fit it.
        public var error: Double?
    }

    /// The chosen family fitted to every size.
    public var fit: CurveFit
    /// Every family's back-test, in ``CurveFamily/allCases`` order.
    public var backtests: [Backtest]
    /// The sizes the back-test predicted (the largest measured).
    public var heldOut: [Int]
    /// The chosen family's back-test error; nil when there were too few sizes to back-test.
    public var backtestError: Double? { backtests.first { $0.family == fit.family }?.error }

    /// Chooses and fits a family for mean accuracies `values` at ascending `sizes` (with optional
    /// least-squares `weights`). With fewer than three sizes there is nothing to back-test and the last value is kept.
    public static func select(sizes: [Int], values: [Double], weights: [Double]? = nil) -> CurveSelection? {
        guard !sizes.isEmpty else { return nil }
        let m = sizes.map(Double.init)
        guard sizes.count >= 3 else {
            return CurveFit.fit(.last, sizes: m, values: values).map { CurveSelection(fit: $0, backtests: [], heldOut: []) }
        }
        let held = max(1, sizes.count / 4)
        let trainCount = sizes.count - held
        let trainM = Array(m.prefix(trainCount)), trainY = Array(values.prefix(trainCount)), trainW = weights.map { Array($0.prefix(trainCount)) }
        var backtests: [Backtest] = []
        for family in CurveFamily.allCases {
            // A family needs more points than parameters, or it fits the noise exactly.
            guard family == .last || trainCount > family.parameterCount,
                  let f = CurveFit.fit(family, sizes: trainM, values: trainY, weights: trainW) else {
                backtests.append(Backtest(family: family, error: nil))
                continue
            }
            let errors = (trainCount..<sizes.count).map { abs(f.predict(m[$0]) - values[$0]) }
            backtests.append(Backtest(family: family, error: errors.reduce(0, +) / Double(errors.count)))
        }
        let ranked = backtests.filter { $0.error != nil }.sorted { ($0.error!, order($0.family)) < ($1.error!, order($1.family)) }
        for candidate in ranked {
            if let fit = CurveFit.fit(candidate.family, sizes: m, values: values, weights: weights) {
                return CurveSelection(fit: fit, backtests: backtests, heldOut: Array(sizes.suffix(held)))
            }
        }
        return nil
    }

    static func order(_ f: CurveFamily) -> Int { CurveFamily.allCases.firstIndex(of: f)! }
}
