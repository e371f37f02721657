import Foundation

/// One learner's measured learning curve on one data set: the scores of each seed at each size.
public struct ObservedCurve: Sendable {
    /// The data set it was measured on ("" when the source names none).
    public var dataset: String
    public var learner: String
    /// Ascending sizes, each with the scores of its seeds (in [0, 1], higher is better).
    public var points: [(m: Int, scores: [Double])]

    public init(dataset: String, learner: String, points: [(m: Int, scores: [Double])]) {
        self.dataset = dataset; self.learner = learner; self.points = points.sorted { $0.m < $1.m }
    }

    public var sizes: [Double] { points.map { Double($0.m) } }
    public var means: [Double] { points.map { $0.scores.reduce(0, +) / Double($0.scores.count) } }
    /// Sample standard deviations over seeds; nil with one seed.
    public var spreads: [Double?] {
        points.map { p in
            guard p.scores.count >= 2 else { return nil }
            let mu = p.scores.reduce(0, +) / Double(p.scores.count)
            return (p.scores.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(p.scores.count - 1)).squareRoot()
        }
    }

    /// The forecaster's view of the sizes up to and including index `end` (exclusive), or of all of them.
    public func features(upTo end: Int? = nil) -> CurveFeatures {
        let n = end ?? points.count
        return CurveFeatures(sizes: Array(sizes.prefix(n)), means: Array(means.prefix(n)), spreads: Array(spreads.prefix(n)))
    }
}
