import Foundation
import TakeoffEngine

/// Scores forecasts on measured curves: each curve is seen up to its largest size over a divisor (at least
/// four sizes), and its largest size is predicted by the last seen value, each single curve family fitted
/// to the seen means, and the ``Forecaster``. Errors are absolute, in score units.
public struct ForecastBacktest: Sendable {
    /// One method's errors over the curves.
    public struct Method: Sendable {
        public var name: String
        public var errors: [Double]
        public var mean: Double { errors.reduce(0, +) / Double(max(errors.count, 1)) }
        public var median: Double { Self.quantile(errors, 0.5) }
        public var p90: Double { Self.quantile(errors, 0.9) }

        static func quantile(_ v: [Double], _ q: Double) -> Double {
            guard !v.isEmpty else { return .nan }
            let s = v.sorted(), pos = q * Double(s.count - 1), k = Int(pos)
            return k + 1 < s.count ? s[k] + (pos - Double(k)) * (s[k + 1] - s[k]) : s[k]
        }
    }

    public var divisor: Double
    public var curves: Int
    /// "last", each family by name, and "forecast", in that order.
    public var methods: [Method]
    /// Fraction of curves whose true final score lies in the forecast's 80% interval, and the interval's median width.
    public var coverage: Double
    public var medianWidth: Double
    /// Fraction of curves where the forecast is closer than the last value.
    public var beatsLast: Double

    public func method(_ name: String) -> Method? { methods.first { $0.name == name } }

    /// The families compared beside the forecast (the last value is one of them).
    public static let families: [CurveFamily] = [.last, .pow3, .pow4, .mmf4, .wbl4]

    /// Backtests `curves` at `divisor` with `forecaster`; `families` false skips the single families (faster).
    public static func run(_ curves: [ObservedCurve], divisor: Double, forecaster: Forecaster = .calibrated,
                           families: Bool = true) -> ForecastBacktest {
        struct Row { var errors: [Double]; var inside: Bool; var width: Double }
        let usable = curves.filter { c in c.points.count >= 2 && c.points.filter { Double($0.m) <= Double(c.points.last!.m) / divisor }.count >= 4 }
        let compared = families ? Self.families : [.last]
        var rows = [Row?](repeating: nil, count: usable.count)
        rows.withUnsafeMutableBufferPointer { buffer in
            Parallel.forEach(usable.count) { i in
                let c = usable[i], top = Double(c.points.last!.m), truth = c.means.last!
                let seen = c.points.filter { Double($0.m) <= top / divisor }.count
                let f = c.features(upTo: seen)
                var errors = compared.map { family -> Double in
                    guard let fit = CurveFit.fit(family, sizes: f.sizes, values: f.means, restarts: 8) else { return abs(f.last - truth) }
                    let p = fit.predict(top)
                    return abs((p.isFinite ? p : f.last) - truth)
                }
                let v = forecaster.forecast(f).at(top)
                errors.append(abs(v.value - truth))
                buffer[i] = Row(errors: errors, inside: v.low <= truth && truth <= v.high, width: v.high - v.low)
            }
        }
        let done = rows.compactMap { $0 }
        let names = compared.map(\.rawValue) + ["forecast"]
        let methods = names.indices.map { k in Method(name: names[k], errors: done.map { $0.errors[k] }) }
        let n = Double(max(done.count, 1))
        return ForecastBacktest(divisor: divisor, curves: done.count, methods: methods,
                                coverage: Double(done.filter(\.inside).count) / n,
                                medianWidth: Method.quantile(done.map(\.width), 0.5),
                                beatsLast: Double(done.filter { $0.errors.last! < $0.errors[0] }.count) / n)
    }

    /// The backtest as a table in points (score × 100).
    public var table: String {
        var lines = [String(format: "seen: m <= largest/%g, %d curves; absolute error of the score at the largest size, in points", divisor, curves),
                     "method       mean  median    p90  vs last"]
        let last = method("last")?.mean ?? .nan
        for m in methods {
            lines.append(m.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: " %6.2f  %6.2f %6.2f  %6.2fx", m.mean * 100, m.median * 100, m.p90 * 100, m.mean / last))
        }
        lines.append(String(format: "forecast: 80%% interval covers %.1f%% of curves (median width %.1f points); closer than the last value on %.1f%%",
                            coverage * 100, medianWidth * 100, beatsLast * 100))
        return lines.joined(separator: "\n")
    }
}
