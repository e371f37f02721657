import Foundation

/// Forecasts a learning curve past its last measured size, with an 80% interval, and always answers.
///
/// The forecast is the last measured value plus a predicted gain. The gain and the interval's ends are
/// linear quantile regressions (median, 10th and 90th percentiles) on what the measured curve shows: a
/// power law's predicted gain, the recent and overall slopes per doubling of m times the doublings ahead,
/// the room left below a perfect score, how rough the curve is and how far its seeds spread. Every feature
/// but the noise terms grows with the horizon, so the forecast starts at the last value and its interval
/// widens with the distance. The coefficients are fitted on real learning curves (``calibrated``: the even
/// half of the Learning Curve Database's data sets) and judged on curves they never saw (``ForecastBacktest``).
/// Curves of one to three sizes get models of their own that use only what such a curve can show.
public struct Forecaster: Sendable, Codable, Equatable {
    /// How much of a curve a model can use.
    public enum Tier: String, Sendable, Codable, CaseIterable {
        /// One size: only its value and seed spread.
        case single
        /// Two or three sizes: a slope, but no power law worth fitting.
        case short
        /// Four sizes or more: everything.
        case full

        public init(sizes: Int) { self = sizes >= 4 ? .full : sizes >= 2 ? .short : .single }
    }

    /// The three quantile regressions of one tier: coefficients for ``features(_:tier:doublings:)`` (the median
    /// gain) and for ``intervalFeatures(_:tier:doublings:)`` (the 10th and 90th percentiles of the true gain less the median's).
    public struct Model: Sendable, Codable, Equatable {
        public var median: [Double]
        public var low: [Double]
        public var high: [Double]
    }

    public var models: [Tier: Model]
    /// The interval's coverage the low and high models were fitted for.
    public static let coverage = 0.8

    public init(models: [Tier: Model]) { self.models = models }

    /// The forecast for `features`' curve.
    public func forecast(_ features: CurveFeatures) -> Forecast { Forecast(features: features, forecaster: self) }

    /// The predicted gain over the last value at `doublings` of m past the largest size, with its 80% interval.
    func gain(_ c: CurveFeatures, doublings h: Double) -> (value: Double, low: Double, high: Double) {
        let tier = Tier(sizes: c.sizes.count)
        guard let model = models[tier] else { return (0, 0, 0) }
        let x = Self.features(c, tier: tier, doublings: h), q = Self.intervalFeatures(c, tier: tier, doublings: h)
        let dot = QuantileRegression.dot
        let value = dot(model.median, x)
        return (value, value + min(0, dot(model.low, q)), value + max(0, dot(model.high, q)))
    }

    /// The power law's predicted gain from the largest size to `doublings` past it, bounded to ±0.3.
    static func lawGain(_ c: CurveFeatures, doublings h: Double) -> Double {
        guard let law = c.powerLaw else { return 0 }
        let g = law.value(c.largest * pow(2, h)) - law.value(c.largest)
        return g.isFinite ? min(0.3, max(-0.3, g)) : 0
    }

    /// The median model's inputs for `tier` at `h` doublings past the largest size.
    static func features(_ c: CurveFeatures, tier: Tier, doublings h: Double) -> [Double] {
        let room = 1 - c.last
        switch tier {
        case .single:
            return [h, room * h]
        case .short:
            return [c.slope3 * h, c.lastStep * h, h, c.slope3 * h * room, room * h]
        case .full:
            let d = lawGain(c, doublings: h)
            return [d, c.slope3 * h, c.slope5 * h, c.slopeAll * h, min(c.best - c.last, 0.3) * h, c.lastStep * h, h,
                    c.roughness * h, c.slope3 * h * room, d * h]
        }
    }

    /// The interval models' inputs: non-negative terms for how uncertain the curve is (the horizon, the size of its
    /// slopes and of the power law's gain, its roughness and spread, the room left). The models give the 10th and
    /// 90th percentiles of the true gain's distance from the median's, so the interval always holds the median.
    static func intervalFeatures(_ c: CurveFeatures, tier: Tier, doublings h: Double) -> [Double] {
        let room = 1 - c.last, span = min(c.best - c.worst, 0.5)
        let step = abs(c.lastStep)
        switch tier {
        case .single:
            return [h, room * h, c.seedSpread]
        case .short:
            return [h, abs(c.slope3) * h, room * h, c.seedSpread, span * h, step * h]
        case .full:
            // The room left widens the interval only as far as the curve still moves or is noisy: a flat, smooth
            // curve far below 100% gets no wide upper end for its room alone.
            let moving = [abs(c.slope3), c.roughness, c.seedSpread, abs(c.slope5)].map { 10 * room * $0 * h }
            return [h, abs(lawGain(c, doublings: h)), abs(c.slope3) * h, abs(c.slope5) * h, c.roughness, c.roughness * h,
                    c.seedSpread, span * h, step * h] + moving
        }
    }
}

/// A learner's forecast: the expected score at any m past the largest measured size, with an 80% interval.
public struct Forecast: Sendable {
    public let features: CurveFeatures
    let forecaster: Forecaster

    /// One forecast score: the median and the interval that holds the true score 80% of the time.
    public struct Value: Sendable, Codable, Equatable {
        public var m: Double
        public var value: Double
        public var low: Double
        public var high: Double
        /// Whether m lies within the measured sizes (the value is then read off the measurements).
        public var measured: Bool
    }

    /// The score at `m`: past the largest size, the forecast; within the measured sizes, the measurement (or a
    /// log-linear interpolation between the two around m) with its seeds' spread as the interval.
    public func at(_ m: Double) -> Value {
        let c = features
        if m <= c.largest {
            // At the largest size the forecast starts from the measurement itself: its band opens from there.
            let spread = m == c.largest ? 0 : c.seedSpread * 1.2816
            guard let k = c.sizes.firstIndex(where: { $0 >= m }) else { return Value(m: m, value: c.last, low: c.last, high: c.last, measured: true) }
            var v = c.means[k]
            if k > 0, c.sizes[k] > m {
                let t = log(m / c.sizes[k - 1]) / log(c.sizes[k] / c.sizes[k - 1])
                v = c.means[k - 1] + t * (c.means[k] - c.means[k - 1])
            }
            return Value(m: m, value: v, low: max(0, v - spread), high: min(1, v + spread), measured: true)
        }
        let g = forecaster.gain(c, doublings: log2(m / c.largest))
        func clamp(_ v: Double) -> Double { min(1, max(0, v)) }
        return Value(m: m, value: clamp(c.last + g.value), low: clamp(c.last + g.low), high: clamp(c.last + g.high), measured: false)
    }

    /// The forecast from the largest measured size to `end`, at `points` sizes evenly spaced in log m.
    public func curve(to end: Double, points: Int = 25) -> [Value] {
        let start = features.largest
        guard end > start else { return [at(start)] }
        return (0..<points).map { at(start * pow(end / start, Double($0) / Double(points - 1))) }
    }

    /// The smallest m that reaches `target`: the first measured size that does (`measured`), or else the smallest m past
    /// the largest measured size, up to ``Analysis/targetLimit`` times it, where the forecast, its optimistic end and its
    /// pessimistic end reach it; nil where it does not within the limit.
    public func sizeFor(_ target: Double) -> (m: Double?, early: Double?, late: Double?, measured: Bool) {
        if let reached = zip(features.sizes, features.means).first(where: { $0.1 >= target }) { return (reached.0, nil, nil, true) }
        let start = features.largest, limit = start * Analysis.targetLimit
        let grid = (1...240).map { start * pow(limit / start, Double($0) / 240) }
        let values = grid.map(at)
        return (values.first { $0.value >= target }?.m, values.first { $0.high >= target }?.m, values.first { $0.low >= target }?.m, false)
    }

    /// Warnings about the curve that the forecast cannot see past, in words; empty for a well-behaved curve.
    public var cautions: [String] {
        var out: [String] = []
        let c = features
        if c.drop > 0 {
            out.append(String(format: "the curve peaked at %.1f%% and fell %.1f points by its largest size (not a steady rise)",
                              c.best * 100, c.drop * 100))
        }
        if c.sizes.count < 4 {
            out.append(c.sizes.count == 1 ? "one size measured: the interval is all the forecast knows"
                       : "\(c.sizes.count) sizes measured: too few to read a curve's shape, so the interval is wide")
        }
        return out
    }
}
