import Foundation
import TakeoffEngine

/// An estimate with a bootstrap interval (the 5th and 95th percentiles of refits on resampled cells).
public struct Estimate: Sendable, Codable, Equatable {
    public var value: Double
    public var low: Double
    public var high: Double

    public init(value: Double, low: Double, high: Double) { (self.value, self.low, self.high) = (value, low, high) }

    /// `value` with the percentiles of `samples` (the value alone when there are none). An infinite sample
    /// (a refit in which the target is never reached) counts, as an unbounded end of the interval.
    public init(_ value: Double, samples: [Double]) {
        let s = samples.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { self.init(value: value, low: value, high: value); return }
        func at(_ q: Double) -> Double { s[min(s.count - 1, max(0, Int((q * Double(s.count - 1)).rounded())))] }
        self.init(value: value, low: at(0.05), high: at(0.95))
    }
}

/// A ``ScalingLaw`` fitted to measured cells (one point per width, size and seed): the Huber loss of
/// log error minimised by Nelder–Mead from a grid of starts, then refitted to cells resampled with
/// replacement for bootstrap intervals. Deterministic for a given seed.
public struct ScalingFit: Sendable, Codable {
    /// One measured cell: training size, parameter count, test error.
    public struct Point: Sendable, Codable, Equatable {
        public var m: Double, n: Double, error: Double
        public init(m: Double, n: Double, error: Double) { (self.m, self.n, self.error) = (m, n, error) }
    }

    public var law: ScalingLaw
    /// The mean Huber loss at the optimum.
    public var loss: Double
    public var pointCount: Int
    /// Refits on resampled cells (empty when no bootstrap was asked for).
    public var bootstrap: [ScalingLaw]

    public var alpha: Estimate { Estimate(law.alpha, samples: bootstrap.map(\.alpha)) }
    public var beta: Estimate { Estimate(law.beta, samples: bootstrap.map(\.beta)) }
    public var irreducible: Estimate { Estimate(law.irreducible, samples: bootstrap.map(\.irreducible)) }

    /// `statistic` of the fitted law with its bootstrap interval.
    public func estimate(_ statistic: (ScalingLaw) -> Double) -> Estimate {
        Estimate(statistic(law), samples: bootstrap.map(statistic))
    }

    /// Fits `points`; nil when fewer points than the law has parameters, or no start gives a finite loss.
    public static func fit(_ points: [Point], randomGuess: Double, bootstraps: Int = 200, seed: UInt64 = 0) -> ScalingFit? {
        guard points.count > ScalingLaw.parameterCount, let m0 = points.map(\.m).max(), let n0 = points.map(\.n).max(), m0 > 0, n0 > 0
        else { return nil }
        let objective = ScalingObjective(points: points.map { .init(m: $0.m, n: $0.n, error: $0.error) }, randomGuess: randomGuess, m0: m0, n0: n0)
        let errors = points.map { max($0.error, ScalingObjective.errorFloor) }
        let (low, high) = (errors.min()!, errors.max()!)
        var best: (x: [Double], value: Double)?
        for alpha in [0.3, 0.7, 1.2] {
            for beta in [0.3, 0.7, 1.2] {
                for c in [0.3 * low, 0.8 * low] {
                    let start = ScalingLaw(a: max(high - low, 1e-3), alpha: alpha, b: max(high - low, 1e-3) / 2, beta: beta, c: c,
                                           randomGuess: randomGuess, m0: m0, n0: n0).raw
                    let found = polish(objective, from: start)
                    if found.value < best?.value ?? .infinity { best = found }
                }
            }
        }
        guard let best, best.value.isFinite else { return nil }
        var rng = RandomGenerator(seed: seed)
        var laws: [ScalingLaw] = []
        for _ in 0..<bootstraps {
            var resampled = objective
            resampled.points = points.indices.map { _ in
                let i = min(points.count - 1, Int(Double(rng.uniform()) * Double(points.count)))
                return objective.points[i]
            }
            let found = polish(resampled, from: best.x)
            if found.value.isFinite { laws.append(resampled.law(found.x)) }
        }
        return ScalingFit(law: objective.law(best.x), loss: best.value, pointCount: points.count, bootstrap: laws)
    }

    /// Nelder–Mead from `start`, restarted once from where it stopped (a simplex can collapse early).
    static func polish(_ objective: ScalingObjective, from start: [Double]) -> (x: [Double], value: Double) {
        let first = NelderMead.minimize(objective.value, start: start)
        let second = NelderMead.minimize(objective.value, start: first.x, step: 0.1)
        return second.value <= first.value ? second : first
    }

    enum CodingKeys: String, CodingKey { case law, loss, pointCount }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (law, loss, pointCount, bootstrap) = (try c.decode(ScalingLaw.self, forKey: .law), try c.decode(Double.self, forKey: .loss),
                                              try c.decode(Int.self, forKey: .pointCount), [])
    }
    init(law: ScalingLaw, loss: Double, pointCount: Int, bootstrap: [ScalingLaw]) {
        (self.law, self.loss, self.pointCount, self.bootstrap) = (law, loss, pointCount, bootstrap)
    }
}
