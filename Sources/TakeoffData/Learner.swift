import Foundation
import TakeoffEngine

/// Anything that learns a classifier from a ``Dataset``: the classic learners and the neural
/// networks alike, so a sweep can treat a logistic regression and a CNN the same way.
public protocol Learner: Sendable {
    /// The registry name, e.g. `logreg`, `rbf-svm`, `mlp-large`.
    var name: String { get }
    /// Every hyperparameter that changes the result, as text; results are keyed by it.
    var configuration: [String: String] { get }
    /// Where it trains (``Device/cpu`` for learners that use no other).
    var device: Device { get }
    /// Trains on `train` (tuning only inside it) with the seed fixing every random choice.
    func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel
    /// What training on `m` examples of data like `data` will cost, in any unit proportional to time (e.g.
    /// training FLOPs), when the learner plans its work in advance; nil when it cannot say (a solver that runs
    /// to convergence). A sweep's planner scales measured times by it instead of extrapolating them.
    func plannedWork(examples m: Int, like data: Dataset) -> Double?
}

extension Learner {
    public var device: Device { .cpu }
    public func plannedWork(examples m: Int, like data: Dataset) -> Double? { nil }
}

/// A fitted classifier.
public protocol TrainedModel: Sendable {
    /// The registry name of the learner that made it.
    var learnerName: String { get }
    var classCount: Int { get }
    /// The number of features each example must have.
    var featureCount: Int { get }
    /// Learned numbers (weights, support-vector coefficients, …).
    var parameterCount: Int { get }
    /// Whether ``scores(_:)`` returns calibrated class probabilities (so log-loss is meaningful).
    var givesProbabilities: Bool { get }
    /// Solver statistics: iterations, final objective, gradient norm, epochs, …
    var statistics: [String: Double] { get }
    /// The categorical fields (``Dataset/categorical``) it reads, by name; empty for a model of dense features.
    var categoricalFields: [String] { get }
    /// Class scores or probabilities, shape [n, classCount], for features [n, d].
    func scores(_ features: Tensor) -> Tensor
    /// Class scores of `data`'s examples: ``scores(_:)`` of its features, unless the model reads the
    /// data's ``Dataset/categorical`` fields instead.
    func scores(on data: Dataset) -> Tensor
    /// Writes the model to `url` (safetensors).
    func save(to url: URL) throws
}

extension TrainedModel {
    public var categoricalFields: [String] { [] }
    public func scores(on data: Dataset) -> Tensor { scores(data.features) }

    /// The highest-scoring class of each row.
    public func predict(_ features: Tensor) -> [Int] { scores(features).argmax(axis: -1) }

    /// The fraction of `data` classified correctly.
    public func accuracy(on data: Dataset) -> Double { scores(on: data).accuracy(labels: data.labels) }
}

/// Training failed in a way the caller should report, not record as a score.
public enum TrainingError: Error, CustomStringConvertible {
    /// The loss or a parameter became NaN or infinite.
    case diverged(learner: String, detail: String)
    /// The data cannot be used by this learner.
    case unsuitableData(learner: String, reason: String)

    public var description: String {
        switch self {
        case let .diverged(l, d): "\(l): training diverged (\(d))"
        case let .unsuitableData(l, r): "\(l): \(r)"
        }
    }
}
