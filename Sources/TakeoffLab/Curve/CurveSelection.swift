import Foundation

/// The curve family chosen for one learner by two back-tests on different sizes. Every family is
/// fitted to the smaller sizes and judged on the next ones (``selectedOn``); the best whose fit to
/// every size still passes through the largest measured points is chosen. Its error is then
/// reported from a second back-test on later sizes the choice never saw (``heldOut``), fitted to
/// every size below them, so the reported error is not flattered by the choice.
public struct CurveSelection: Sendable, Codable {
    /// One family's back-test.
    public struct Backtest: Sendable, Codable {
        public var family: CurveFamily
        /// Mean absolute error (accuracy units) on the judged sizes; nil when too few sizes remain to fit it.
        public var error: Double?
    }

    /// The chosen family fitted to every size; ``CurveFamily/last`` when no family was chosen.
    public var fit: CurveFit
    /// Every family's selection back-test on ``selectedOn``, in ``CurveFamily/allCases`` order.
    public var backtests: [Backtest]
    /// The sizes the selection back-test predicted (just below ``heldOut``).
    public var selectedOn: [Int]
    /// The sizes of the reported back-test (the largest measured), unseen by the selection.
    public var heldOut: [Int]
    /// The chosen family's mean absolute error on ``heldOut``, fitted to the sizes below them; nil
    /// when there were too few sizes to back-test.
    public var backtestError: Double?
    /// Families that won the selection back-test but whose fit to every size missed the largest
    /// measured points by more than their spread: they do not describe where the data ends.
    public var rejected: [CurveFamily]

    /// Whether a family (not the last-value baseline) was chosen: only then is there a curve to draw.
    public var isFitted: Bool { fit.family != .last }

    /// Chooses and fits a family for mean accuracies `values` at ascending `sizes` (with optional
    /// least-squares `weights`, and `tolerances`: how far a fit may pass from each point, e.g. its
    /// spread over seeds; half a point when nil). With fewer than three sizes nothing is back-tested
    /// and the last value is kept.
    public static func select(sizes: [Int], values: [Double], weights: [Double]? = nil, tolerances: [Double]? = nil) -> CurveSelection? {
        guard !sizes.isEmpty else { return nil }
        let m = sizes.map(Double.init)
        guard sizes.count >= 3, let lastValue = CurveFit.fit(.last, sizes: m, values: values) else {
            return CurveFit.fit(.last, sizes: m, values: values)
                .map { CurveSelection(fit: $0, backtests: [], selectedOn: [], heldOut: [], backtestError: nil, rejected: []) }
        }
        let (selectionEnd, reportEnd) = splits(sizes.count)
        // Choose on the sizes just below the held-out ones.
        let backtests = CurveFamily.allCases.map { family in
            Backtest(family: family, error: backtest(family, m, values, weights, trainCount: selectionEnd, testEnd: reportEnd))
        }
        let ranked = backtests.filter { $0.error != nil }.sorted { ($0.error!, order($0.family)) < ($1.error!, order($1.family)) }
        var rejected: [CurveFamily] = []
        for candidate in ranked {
            guard let fit = CurveFit.fit(candidate.family, sizes: m, values: values, weights: weights) else { continue }
            if candidate.family != .last && !follows(fit, m, values, tolerances) {
                rejected.append(candidate.family)
                continue
            }
            // Report on the largest sizes, which the choice never saw.
            let error = backtest(candidate.family, m, values, weights, trainCount: reportEnd, testEnd: sizes.count)
            if candidate.family != .last && error == nil {
                rejected.append(candidate.family)
                continue
            }
            return CurveSelection(fit: fit, backtests: backtests, selectedOn: Array(sizes[selectionEnd..<reportEnd]),
                                  heldOut: Array(sizes[reportEnd...]), backtestError: error, rejected: rejected)
        }
        return CurveSelection(fit: lastValue, backtests: backtests, selectedOn: Array(sizes[selectionEnd..<reportEnd]),
                              heldOut: Array(sizes[reportEnd...]),
                              backtestError: backtest(.last, m, values, weights, trainCount: reportEnd, testEnd: sizes.count), rejected: rejected)
    }

    /// Where the selection and the reported back-tests start for `count` sizes: the last `h` sizes are
    /// reported on, the `h` before them choose, the rest are fitted (h = one size in five, at least one).
    static func splits(_ count: Int) -> (selection: Int, report: Int) {
        let h = max(1, count / 5)
        return (count - 2 * h, count - h)
    }

    /// Mean absolute error of `family` fitted to the first `trainCount` points, on points trainCount..<testEnd;
    /// nil when the family has more parameters than there are points. (A family with as many parameters
    /// as points passes through them exactly; the back-test on later sizes is what judges whether that extrapolates.)
    static func backtest(_ family: CurveFamily, _ m: [Double], _ values: [Double], _ weights: [Double]?, trainCount: Int, testEnd: Int) -> Double? {
        guard trainCount >= 1, testEnd > trainCount, trainCount >= family.parameterCount,
              let f = CurveFit.fit(family, sizes: Array(m.prefix(trainCount)), values: Array(values.prefix(trainCount)),
                                   weights: weights.map { Array($0.prefix(trainCount)) }) else { return nil }
        let errors = (trainCount..<testEnd).map { abs(f.predict(m[$0]) - values[$0]) }
        return errors.reduce(0, +) / Double(errors.count)
    }

    /// Whether `fit` passes within each point's tolerance at the two largest sizes, so a curve drawn
    /// on from the last measurement starts where the measurements are.
    static func follows(_ fit: CurveFit, _ m: [Double], _ values: [Double], _ tolerances: [Double]?) -> Bool {
        m.indices.suffix(2).allSatisfy { i in abs(fit.predict(m[i]) - values[i]) <= (tolerances?[i] ?? Self.noiseFloor) + 1e-9 }
    }

    /// Half a point of accuracy: the least spread a measurement is credited with.
    public static let noiseFloor = 0.005

    static func order(_ f: CurveFamily) -> Int { CurveFamily.allCases.firstIndex(of: f)! }
}
