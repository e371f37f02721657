import Foundation

/// One cell of a sweep: a learner's full configuration trained on the nested subset of size m for one seed,
/// on one data set (by fingerprint).
public struct CellKey: Hashable, Sendable, Codable {
    /// ``SweepPlan/fingerprint(of:)`` of the training pool and test set.
    public var dataset: String
    /// The learner's registry name.
    public var learner: String
    /// The learner's configuration as canonical JSON (sorted keys), name included.
    public var configuration: String
    public var m: Int
    public var seed: UInt64

    public init(dataset: String, learner: String, configuration: String, m: Int, seed: UInt64) {
        self.dataset = dataset; self.learner = learner; self.configuration = configuration; self.m = m; self.seed = seed
    }
}

/// How a cell ended.
public enum CellStatus: String, Sendable, Codable, CaseIterable {
    case ok
    /// Training stopped with ``TrainingError/diverged(learner:detail:)``.
    case diverged
    /// Training or evaluation threw; the error text is kept.
    case failed
    /// Not run because its predicted cost would have broken the time budget (never stored).
    case skippedBudget = "skipped-budget"
    /// The GPU failed, in this cell or an earlier one (never stored, so a later run trains it again).
    case gpuFailed = "gpu-failed"
    /// Started, but stopped when it ran past the end of the time budget (never stored, so a run with a larger
    /// budget trains it).
    case cutBudget = "cut-budget"

    /// Whether a cell with this status is a result the store keeps (skipped, cut and GPU-stopped cells are not).
    public var isStored: Bool { self != .skippedBudget && self != .gpuFailed && self != .cutBudget }
}

/// What one cell measured.
public struct CellResult: Sendable, Codable, Equatable {
    public var key: CellKey
    public var status: CellStatus
    public var accuracy: Double?
    /// Test log-loss, when the learner gives probabilities.
    public var logLoss: Double?
    /// On two-class data: class 1's precision and recall (spam, clicked) and the ROC AUC (``PositiveClassMetrics``).
    public var precision: Double?
    public var recall: Double?
    public var auc: Double?
    public var fitSeconds: Double?
    public var predictSeconds: Double?
    public var parameters: Int?
    /// Floating-point operations spent training (networks: 3 × forward FLOPs × examples × epochs run); nil for the classic learners.
    public var trainingFLOPs: Double?
    /// The error of a diverged or failed cell; the reason of a skipped one.
    public var error: String?
    /// What a kind of cell records beyond its scores, as JSON (an activation race's loss per step,
    /// accuracy per epoch and gradient norms); nil for a curve's cells.
    public var trace: String?

    public init(key: CellKey, status: CellStatus, accuracy: Double? = nil, logLoss: Double? = nil, fitSeconds: Double? = nil,
                predictSeconds: Double? = nil, parameters: Int? = nil, trainingFLOPs: Double? = nil, error: String? = nil,
                precision: Double? = nil, recall: Double? = nil, auc: Double? = nil, trace: String? = nil) {
        self.key = key; self.status = status; self.accuracy = accuracy; self.logLoss = logLoss; self.fitSeconds = fitSeconds
        self.predictSeconds = predictSeconds; self.parameters = parameters; self.trainingFLOPs = trainingFLOPs; self.error = error
        self.precision = precision; self.recall = recall; self.auc = auc; self.trace = trace
    }

    /// F1 of class 1, from ``precision`` and ``recall``.
    public var f1: Double? {
        guard let p = precision, let r = recall else { return nil }
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }
}

extension Sequence<CellResult> {
    /// Cells by status, e.g. `["ok": 90, "skipped-budget": 6]`.
    public var statusCounts: [String: Int] { Dictionary(grouping: self, by: \.status.rawValue).mapValues(\.count) }
}
