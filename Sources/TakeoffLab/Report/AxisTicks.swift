import Foundation

/// Round tick values for any range, the one rule every figure's axes follow: between four and eight
/// labelled ticks (fewer where the panel is too narrow for them) inside the range.
public enum AxisTicks {
    /// Ticks at a step of 1, 2 or 5 (2.5 where no other gives four to eight) times a power of ten, inside
    /// [lo, hi]; about six where several steps fit, and as many as fit where `most` is under four. A range of
    /// zero width is widened around its value.
    public static func linear(_ lo: Double, _ hi: Double, most: Int = 8) -> [Tick] {
        guard lo.isFinite, hi.isFinite else { return [] }
        var (lo, hi) = (min(lo, hi), max(lo, hi))
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 || hi == lo {
            let half = lo == 0 ? 1 : abs(lo) * 0.01
            (lo, hi) = (lo - half, hi + half)
        }
        let most = max(most, 2), fewest = most >= 4 ? 4 : 2
        let power = floor(log10((hi - lo) / Double(most)))
        var best: (score: Double, step: Double, mantissa: Double, exponent: Double)?
        for exponent in [power - 1, power, power + 1, power + 2] {
            for mantissa in [1.0, 2, 2.5, 5] {
                let step = mantissa * pow(10, exponent)
                let count = Int(floor(hi / step + 1e-9) - ceil(lo / step - 1e-9)) + 1
                guard count >= 1, count <= most else { continue }
                // Enough ticks first; then a 2.5 step only where nothing else fits; then the count nearest six.
                let score = (count < fewest ? 1000 - Double(count) : 0) + (mantissa == 2.5 ? 100 : 0) + abs(Double(count) - 6)
                if best == nil || score < best!.score { best = (score, step, mantissa, exponent) }
            }
        }
        guard let best else { return [] }
        let decimals = Int(-best.exponent) + (best.mantissa == 2.5 ? 1 : 0)
        let first = ceil(lo / best.step - 1e-9), last = floor(hi / best.step + 1e-9)
        return stride(from: first, through: last, by: 1).map { Tick(value: $0 * best.step, decimals: decimals) }
    }

    /// Ticks for a logarithmic axis over [lo, hi] (positive): the richest of these that fits in `most` —
    /// 1, 1.5, 2, 3, 4, 5, 6, 7, 8 in each decade; 1, 2, 3, 5, 7; 1, 2, 5; 1, 3; the decades alone (every second,
    /// fifth, tenth… over very wide ranges); a range too narrow for four of them gets ``linear(_:_:most:)`` ticks.
    public static func logarithmic(_ lo: Double, _ hi: Double, most: Int = 8) -> [Tick] {
        guard lo.isFinite, hi.isFinite, lo > 0, hi > 0 else { return [] }
        let (lo, hi) = (min(lo, hi), max(lo, hi))
        let most = max(most, 2), fewest = most >= 4 ? 4 : 2
        let (a, b) = (Int(floor(log10(lo))), Int(ceil(log10(hi))))
        func inside(_ v: Double) -> Bool { v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) }
        func tick(_ mantissa: Double, _ exponent: Int) -> Tick {
            Tick(value: mantissa * pow(10, Double(exponent)), decimals: -exponent + (mantissa == mantissa.rounded() ? 0 : 1))
        }
        for mantissas: [Double] in [[1, 1.5, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 5, 7], [1, 2, 5], [1, 3]] {
            let ticks = (a...b).flatMap { e in mantissas.map { tick($0, e) } }.filter { inside($0.value) }
            if ticks.count <= most { return ticks.count >= fewest ? ticks : linear(lo, hi, most: most) }
        }
        for every in [1, 2, 3, 5, 10, 20, 25, 50, 100] {
            let ticks = (a...b).filter { $0 % every == 0 }.map { tick(1, $0) }.filter { inside($0.value) }
            if ticks.count <= most { return ticks }
        }
        return []
    }

    /// How many tick labels a vertical axis `length` pixels tall holds (a label and its gap take about 28 px), at most eight.
    public static func room(tall length: Double) -> Int { min(8, max(2, Int(length / 28))) }

    /// The richest of `ticks(most)`, from eight down to two, whose labels (`label`, drawn at `fontSize`) stand side
    /// by side along a horizontal axis `length` pixels wide with a gap of at least 12 px between them.
    public static func fitting(across length: Double, fontSize: Double = SVGDocument.fontSize, label: (Tick) -> String = \.label,
                               _ ticks: (_ most: Int) -> [Tick]) -> [Tick] {
        for most in stride(from: 8, to: 2, by: -1) {
            let candidate = ticks(most)
            let widest = candidate.map { SVGDocument.textWidth(label($0), fontSize: fontSize) }.max() ?? 0
            if Double(candidate.count) * (widest + 12) <= length { return candidate }
        }
        return ticks(2)
    }
}

extension AxisTicks {
    /// A labelled tick of an axis: where it goes and the decimal place its label must show to be told from its
    /// neighbours (from the step on a linear axis, from the tick's own value on a logarithmic one); negative for
    /// steps of tens and more (−3: thousands), which sets the significant digits of large values.
    public struct Tick: Equatable, Sendable {
        public var value: Double
        public var decimals: Int

        public init(value: Double, decimals: Int) { (self.value, self.decimals) = (value, decimals) }

        /// The value to ``decimals``: `0.52`, `2.5`, `7500`; from 10,000 as `20k`, `12.5k`, `1.5M`; from 10⁹, and
        /// tiny values on fine steps, in exponent form (`1e+12`, `3e-12`).
        public var label: String {
            let v = value == 0 ? 0 : value  // no "-0"
            let a = abs(v)
            if a >= 1e9 || (decimals > 6 && a < 1e-3) {
                return a == 0 ? "0" : String(format: "%.\(max(0, Int(floor(log10(a))) + decimals))e", v)
            }
            if a >= 1e6 { return String(format: "%.\(max(0, decimals + 6))fM", v / 1e6) }
            if a >= 1e4 { return String(format: "%.\(max(0, decimals + 3))fk", v / 1e3) }
            return String(format: "%.\(max(0, decimals))f", v)
        }

        /// The value × 100 as a percentage to the decimals that needs: `95%`, `99.5%`.
        public var percent: String { String(format: "%.\(max(0, decimals - 2))f%%", value == 0 ? 0 : value * 100) }
    }
}
