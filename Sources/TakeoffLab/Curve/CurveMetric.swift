import Foundation
import TakeoffData

/// What a learning curve plots and is fitted to: test accuracy, the ROC AUC (two classes) or the log loss.
/// The analysis works on each metric's score, where 1 is perfect and higher is better, so fits, plateaus,
/// crossovers and rankings read every metric alike: accuracy and AUC as they are, and for log loss
/// e^(−log loss), the geometric mean of the probability a model gives the true class.
public enum CurveMetric: String, Sendable, Codable, CaseIterable {
    case accuracy, auc, logloss

    /// The metric's score in `cell`, nil when it was not measured (AUC on more than two classes, log loss of an SVM).
    public func score(_ cell: CellResult) -> Double? {
        switch self {
        case .accuracy: cell.accuracy
        case .auc: cell.auc
        case .logloss: cell.logLoss.map { Foundation.exp(-$0) }
        }
    }

    /// The metric's own value for a score (log loss: −ln score).
    public func value(ofScore s: Double) -> Double { self == .logloss ? -Foundation.log(s) : s }

    /// A score as the metric is read: `91.2%`, `0.8123` (AUC) or `0.4521` (log loss).
    public func text(ofScore s: Double, digits: Int? = nil) -> String {
        switch self {
        case .accuracy: String(format: "%.\(digits ?? 1)f%%", s * 100)
        case .auc, .logloss: String(format: "%.\(digits ?? 4)f", value(ofScore: s))
        }
    }

    /// Its name: `accuracy`, `ROC AUC`, `log loss`.
    public var name: String {
        switch self {
        case .accuracy: "accuracy"
        case .auc: "ROC AUC"
        case .logloss: "log loss"
        }
    }

    /// The figure's and table's name for it: `test accuracy`, `test ROC AUC`, `test log loss`.
    public var title: String { "test " + name }

    /// Which way is better, in words.
    public var direction: String { self == .logloss ? "lower is better" : "higher is better" }

    /// The metric a curve on `data` plots unless asked: the ROC AUC on two-class categorical data (a click log,
    /// where about half the rows are clicks and what matters is ranking them), accuracy elsewhere.
    public static func `default`(for data: Dataset) -> CurveMetric {
        data.categorical != nil && data.classCount == 2 ? .auc : .accuracy
    }
}
