import Foundation
import TakeoffEngine

/// Test-set metrics from class scores.
public struct Metrics: Sendable {
    public var accuracy: Double
    /// Mean negative log-probability of the true class, when the scores are probabilities.
    public var logLoss: Double?

    /// Throws ``NonFiniteScores`` when a score is NaN or infinite: such a model has no accuracy to report.
    public init(scores: Tensor, labels: [Int], probabilities: Bool) throws {
        let values = scores.to(.cpu)
        if let bad = (0..<values.count).first(where: { !values.pointer[$0].isFinite }) {
            throw NonFiniteScores(row: bad / Swift.max(values.shape.last ?? 1, 1), value: values.pointer[bad])
        }
        accuracy = values.accuracy(labels: labels)
        if probabilities {
            let c = values.shape[1]
            var total = 0.0
            for (r, y) in labels.enumerated() { total -= Foundation.log(Swift.max(Double(values.pointer[r * c + y]), 1e-15)) }
            logLoss = total / Double(Swift.max(labels.count, 1))
        }
    }
}

/// A model scored a test row with NaN or infinity (its weights diverged, or the device it ran on failed).
public struct NonFiniteScores: Error, CustomStringConvertible {
    public var row: Int
    public var value: Float
    public var description: String { "the model's score for test row \(row) is \(value): no accuracy to report" }
}
