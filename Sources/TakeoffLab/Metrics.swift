import Foundation
import TakeoffEngine

/// Test-set metrics from class scores.
public struct Metrics: Sendable {
    public var accuracy: Double
    /// Mean negative log-probability of the true class, when the scores are probabilities.
    public var logLoss: Double?

    public init(scores: Tensor, labels: [Int], probabilities: Bool) {
        let predicted = scores.argmax(axis: -1)
        accuracy = Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(Swift.max(labels.count, 1))
        if probabilities {
            let c = scores.shape[1]
            var total = 0.0
            for (r, y) in labels.enumerated() { total -= Foundation.log(Swift.max(Double(scores.pointer[r * c + y]), 1e-15)) }
            logLoss = total / Double(Swift.max(labels.count, 1))
        }
    }
}
