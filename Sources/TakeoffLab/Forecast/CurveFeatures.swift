import Foundation

/// What the forecaster reads off one learner's measured curve: its last value, how it has been rising
/// (slopes per doubling of m over the last few sizes and over all of them), how rough it is, how far its
/// seeds spread, and a power law fitted to it. Scores are in [0, 1], higher is better.
public struct CurveFeatures: Sendable {
    /// Ascending sizes and the mean score at each.
    public let sizes: [Double]
    public let means: [Double]
    /// The mean standard deviation over seeds of the sizes measured on two or more seeds; 0 without any.
    public let seedSpread: Double
    /// The score at the largest size.
    public var last: Double { means.last! }
    public var largest: Double { sizes.last! }
    /// Least-squares slopes of the score against log2 m over the last 3 and 5 sizes and over all.
    public let slope3, slope5, slopeAll: Double
    /// The power law a − b·m^(−c) by least squares (nil below three sizes), and its root-mean-square residual.
    public let powerLaw: PowerLaw?
    public let roughness: Double

    /// a − b·(m / scale)^(−c), fitted by variable projection: for each c on a fixed log grid the
    /// best a and b are a linear least-squares problem, so the fit is global over the grid and deterministic.
    public struct PowerLaw: Sendable {
        public var a, b, c, scale: Double
        public func value(_ m: Double) -> Double { a - b * pow(m / scale, -c) }

        static let exponents = (0..<80).map { exp(log(0.01) + Double($0) / 79 * (log(3.0) - log(0.01))) }

        static func fit(sizes: [Double], values: [Double]) -> PowerLaw? {
            guard sizes.count >= 3, let scale = sizes.max(), scale > 0 else { return nil }
            var best: (sse: Double, law: PowerLaw)?
            for c in exponents {
                // Columns 1 and −x^(−c): the 2×2 normal equations.
                var s11 = 0.0, s12 = 0.0, s22 = 0.0, t1 = 0.0, t2 = 0.0
                for (m, y) in zip(sizes, values) {
                    let u = -pow(m / scale, -c)
                    s11 += 1; s12 += u; s22 += u * u; t1 += y; t2 += u * y
                }
                let det = s11 * s22 - s12 * s12
                guard abs(det) > 1e-12 * max(1, s11 * s22) else { continue }
                let a = (s22 * t1 - s12 * t2) / det, b = (s11 * t2 - s12 * t1) / det
                let law = PowerLaw(a: a, b: b, c: c, scale: scale)
                let sse = zip(sizes, values).map { pow(law.value($0) - $1, 2) }.reduce(0, +)
                if sse.isFinite, sse < best?.sse ?? .infinity { best = (sse, law) }
            }
            return best?.law
        }
    }

    /// Features of the curve with scores `means` at ascending, distinct, positive `sizes`; `spreads` are the
    /// standard deviations over seeds where two or more seeds were measured (nil or 0 elsewhere).
    public init(sizes: [Double], means: [Double], spreads: [Double?] = []) {
        precondition(!sizes.isEmpty && sizes.count == means.count, "CurveFeatures: \(sizes.count) sizes, \(means.count) means")
        self.sizes = sizes
        self.means = means
        let known = spreads.compactMap { $0 }.filter { $0 > 0 && $0.isFinite }
        seedSpread = known.isEmpty ? 0 : known.reduce(0, +) / Double(known.count)
        let logs = sizes.map(log2)
        func slope(_ k: Int) -> Double {
            let n = min(k, sizes.count)
            guard n >= 2 else { return 0 }
            let xs = logs.suffix(n), ys = means.suffix(n)
            let mx = xs.reduce(0, +) / Double(n), my = ys.reduce(0, +) / Double(n)
            let sxx = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
            return sxx > 0 ? zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +) / sxx : 0
        }
        slope3 = slope(3); slope5 = slope(5); slopeAll = slope(sizes.count)
        powerLaw = PowerLaw.fit(sizes: sizes, values: means)
        if let law = powerLaw {
            roughness = (zip(sizes, means).map { pow(law.value($0) - $1, 2) }.reduce(0, +) / Double(sizes.count)).squareRoot()
        } else {
            roughness = 0
        }
    }

    /// The change from the second-largest size to the largest, scaled to half a doubling of m (the spacing of the
    /// Learning Curve Database's anchors, on which the forecaster was fitted), so sizes far apart do not read as a jump.
    public var lastStep: Double {
        guard means.count >= 2 else { return 0 }
        let doublings = log2(sizes[sizes.count - 1] / sizes[sizes.count - 2])
        return doublings > 0 ? (last - means[means.count - 2]) * 0.5 / doublings : 0
    }

    /// The curve's best mean and its worst.
    public var best: Double { means.max()! }
    public var worst: Double { means.min()! }

    /// How far the curve has fallen from its best to its last size, when that is more than its noise: a peaking
    /// or dipping curve, which no family of monotone curves describes.
    public var drop: Double {
        let fall = best - last
        return fall > 2 * max(seedSpread, roughness, 0.005) ? fall : 0
    }
}
