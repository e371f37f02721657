import Foundation

/// Predicts a cell's seconds from the measured growth of its learner's cost with m: a power law
/// t = k·m^p fitted in log–log to the median times of the learner's three largest measured sizes
/// (local growth, so fixed overheads at small m do not hide a kernel method's superlinear cost).
public struct CostModel: Sendable {
    var samples: [String: [Int: [Double]]] = [:]

    public init() {}

    /// Records that a cell of `learner` (its configuration key) at size `m` took `seconds`.
    public mutating func add(learner: String, m: Int, seconds: Double) {
        samples[learner, default: [:]][m, default: []].append(max(seconds, 1e-4))
    }

    /// The fitted exponent p, or nil with fewer than two measured sizes.
    public func exponent(learner: String) -> Double? { fit(learner)?.p }

    /// Predicted seconds for `learner` at `m`, or nil when nothing of it was measured yet.
    /// With one measured size the growth is taken as linear.
    /// Beyond the largest measured size the growth is taken as at least linear: fixed overheads flatten
    /// the small sizes, and an early-stopped network can take longer than its neighbours suggest.
    public func predict(learner: String, m: Int) -> Double? {
        guard let f = fit(learner), let largest = samples[learner]?.keys.max() else { return nil }
        let atLargest = f.logK + f.p * log(Double(largest))
        let growth = m > largest ? max(f.p, 1) : f.p
        return exp(atLargest + growth * (log(Double(m)) - log(Double(largest))))
    }

    /// Predicted seconds for `learner` at `m` from its planned work per size (``Learner/plannedWork(examples:like:)``):
    /// the measured size nearest to `m` (in log m), its median seconds scaled by the ratio of planned work; nil when
    /// nothing was measured or the work is unknown at either size.
    public func predict(learner: String, m: Int, work: [Int: Double]) -> Double? {
        guard let bySize = samples[learner], let w = work[m], w > 0 else { return nil }
        let known = bySize.keys.filter { (work[$0] ?? 0) > 0 }
        guard let near = known.min(by: { abs(log(Double($0) / Double(m))) < abs(log(Double($1) / Double(m))) }) else { return nil }
        let t = bySize[near]!.sorted()
        return t[t.count / 2] * w / work[near]!
    }

    func fit(_ learner: String) -> (logK: Double, p: Double)? {
        guard let bySize = samples[learner], !bySize.isEmpty else { return nil }
        let points = bySize.keys.sorted().suffix(3).map { m -> (Double, Double) in
            let t = bySize[m]!.sorted()
            return (log(Double(m)), log(t[t.count / 2]))
        }
        if points.count == 1 { return (points[0].1 - points[0].0, 1) }
        let mx = points.map(\.0).reduce(0, +) / Double(points.count)
        let my = points.map(\.1).reduce(0, +) / Double(points.count)
        let sxy = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +)
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        let p = min(3, max(0.3, sxx > 0 ? sxy / sxx : 1))
        // Anchor at the largest size so the prediction is exact there.
        let last = points.last!
        return (last.1 - p * last.0, p)
    }
}
