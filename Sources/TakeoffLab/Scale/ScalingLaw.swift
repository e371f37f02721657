import Foundation

/// A joint law of test error in training size m and parameter count N (Rosenfeld, Rosenfeld, Belinkov
/// and Shavit, 2020): a power law in each with an irreducible term,
/// u(m, N) = a·(m/m₀)^(−α) + b·(N/N₀)^(−β) + c,
/// passed through an envelope that bends it to the random-guess error ε₀ where data or parameters are
/// too few: ε(m, N) = u / √(1 + (u/ε₀)²). (Rosenfeld's complex envelope ε₀·|ũ/(ũ − iη)| is the same
/// with ũ = u·η/ε₀.) m₀ and N₀ are the largest fitted values, for conditioning.
public struct ScalingLaw: Sendable, Codable, Equatable {
    public var a: Double, alpha: Double
    public var b: Double, beta: Double
    /// The irreducible error (before the envelope).
    public var c: Double
    /// The error of guessing: 1 − 1/classes.
    public var randomGuess: Double
    public var m0: Double, n0: Double

    public init(a: Double, alpha: Double, b: Double, beta: Double, c: Double, randomGuess: Double, m0: Double, n0: Double) {
        (self.a, self.alpha, self.b, self.beta, self.c) = (a, alpha, b, beta, c)
        (self.randomGuess, self.m0, self.n0) = (randomGuess, m0, n0)
    }

    /// The fitted error at training size `m` with `n` parameters.
    public func error(m: Double, n: Double) -> Double {
        Self.envelope(a * pow(m / m0, -alpha) + b * pow(n / n0, -beta) + c, randomGuess)
    }

    /// The error with unlimited data, at `n` parameters.
    public func limit(n: Double) -> Double { Self.envelope(b * pow(n / n0, -beta) + c, randomGuess) }

    /// The error with unlimited data and parameters.
    public var irreducible: Double { Self.envelope(c, randomGuess) }

    /// The m at which the error at `n` parameters falls to `error`; nil when it never does.
    public func dataNeeded(error target: Double, n: Double) -> Double? {
        guard let u = Self.inverseEnvelope(target, randomGuess) else { return nil }
        let rest = u - b * pow(n / n0, -beta) - c
        guard rest > 0, a > 0 else { return nil }
        return m0 * pow(a / rest, 1 / alpha)
    }

    /// The fewest parameters with which the error can fall to `error` given unlimited data; nil when none can.
    public func parametersNeeded(error target: Double) -> Double? {
        guard let u = Self.inverseEnvelope(target, randomGuess) else { return nil }
        let rest = u - c
        guard rest > 0 else { return nil }
        return b > 0 ? n0 * pow(b / rest, 1 / beta) : 0
    }

    static func envelope(_ u: Double, _ e0: Double) -> Double { u / (1 + (u / e0) * (u / e0)).squareRoot() }

    /// The u whose envelope is `e`; nil at or beyond the random-guess error.
    static func inverseEnvelope(_ e: Double, _ e0: Double) -> Double? {
        guard e > 0, e < e0 else { return nil }
        return e / (1 - (e / e0) * (e / e0)).squareRoot()
    }

    /// Unconstrained coordinates for a solver: [ln a, logit(α/3), ln b, logit(β/3), ln c] (exponents in (0, 3)).
    static let parameterCount = 5
    init(raw p: [Double], randomGuess: Double, m0: Double, n0: Double) {
        func exponent(_ t: Double) -> Double { 3 / (1 + exp(-t)) }
        (a, alpha, b, beta, c) = (exp(p[0]), exponent(p[1]), exp(p[2]), exponent(p[3]), exp(p[4]))
        (self.randomGuess, self.m0, self.n0) = (randomGuess, m0, n0)
    }

    var raw: [Double] {
        func logit(_ e: Double) -> Double { let t = min(max(e / 3, 1e-9), 1 - 1e-9); return log(t / (1 - t)) }
        return [log(a), logit(alpha), log(b), logit(beta), log(c)]
    }
}

/// The objective of a scaling fit: the Huber loss of the log-error residuals (Hoffmann et al. 2022,
/// approach 3), so a cell that diverged or a seed far off its neighbours pulls the fit less than squares would.
struct ScalingObjective {
    struct Point { var m: Double; var n: Double; var error: Double }
    var points: [Point]
    var randomGuess: Double
    var m0: Double, n0: Double
    /// Where the loss turns from quadratic to linear, in log-error units.
    var delta = 0.05

    /// The smallest error taken as measured (a perfect score would have log error −∞).
    static let errorFloor = 1e-4

    func law(_ raw: [Double]) -> ScalingLaw { ScalingLaw(raw: raw, randomGuess: randomGuess, m0: m0, n0: n0) }

    func value(_ raw: [Double]) -> Double {
        let l = law(raw)
        var total = 0.0
        for p in points {
            let r = log(max(l.error(m: p.m, n: p.n), 1e-12)) - log(max(p.error, Self.errorFloor))
            total += abs(r) <= delta ? 0.5 * r * r : delta * (abs(r) - 0.5 * delta)
        }
        return total.isFinite ? total / Double(max(points.count, 1)) : .infinity
    }
}

/// Nelder–Mead downhill simplex: minimises a function of a few unconstrained variables without derivatives
/// (the Huber loss has no second derivative at its knee, which would trouble a Gauss–Newton solver).
enum NelderMead {
    static func minimize(_ f: ([Double]) -> Double, start: [Double], step: Double = 0.5, iterations: Int = 2000,
                         tolerance: Double = 1e-10) -> (x: [Double], value: Double) {
        let k = start.count
        var simplex = [start] + (0..<k).map { i -> [Double] in var v = start; v[i] += step; return v }
        var values = simplex.map(f)
        for _ in 0..<iterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[k] - values[0]) <= tolerance * (abs(values[0]) + 1e-12) { break }
            let centroid = (0..<k).map { j in simplex[0..<k].map { $0[j] }.reduce(0, +) / Double(k) }
            func toward(_ t: Double) -> [Double] { zip(centroid, simplex[k]).map { $0 + t * ($0 - $1) } }
            let reflected = toward(1), fr = f(reflected)
            if fr < values[0] {
                let expanded = toward(2), fe = f(expanded)
                (simplex[k], values[k]) = fe < fr ? (expanded, fe) : (reflected, fr)
            } else if fr < values[k - 1] {
                (simplex[k], values[k]) = (reflected, fr)
            } else {
                let contracted = fr < values[k] ? toward(0.5) : toward(-0.5), fc = f(contracted)
                if fc < min(fr, values[k]) {
                    (simplex[k], values[k]) = (contracted, fc)
                } else {
                    for i in 1...k {
                        simplex[i] = zip(simplex[0], simplex[i]).map { $0 + 0.5 * ($1 - $0) }
                        values[i] = f(simplex[i])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return (simplex[best], values[best])
    }
}
