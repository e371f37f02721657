import Foundation
import TakeoffEngine

/// Test-set metrics from class scores.
public struct Metrics: Sendable {
    public var accuracy: Double
    /// Mean negative log-probability of the true class, when the scores are probabilities.
    public var logLoss: Double?
    /// On two-class data, how well class 1 (spam, clicked: the rare class a filter or a bidder looks
    /// for) is found; nil for more classes.
    public var positive: PositiveClassMetrics?

    /// Throws ``NonFiniteScores`` when a score is NaN or infinite: such a model has no accuracy to report.
    public init(scores: Tensor, labels: [Int], probabilities: Bool) throws {
        let values = scores.to(.cpu)
        if let bad = (0..<values.count).first(where: { !values.pointer[$0].isFinite }) {
            throw NonFiniteScores(row: bad / Swift.max(values.shape.last ?? 1, 1), value: values.pointer[bad])
        }
        accuracy = values.accuracy(labels: labels)
        let c = values.shape[1]
        if probabilities {
            var total = 0.0
            for (r, y) in labels.enumerated() { total -= Foundation.log(Swift.max(Double(values.pointer[r * c + y]), 1e-15)) }
            logLoss = total / Double(Swift.max(labels.count, 1))
        }
        if c == 2 {
            // s₁ − s₀ ranks rows as p₁ does for probabilities, and as the decision value does for an SVM.
            let margins = (0..<labels.count).map { Double(values.pointer[$0 * 2 + 1]) - Double(values.pointer[$0 * 2]) }
            positive = try PositiveClassMetrics(margins: margins, labels: labels)
        }
    }
}

extension Metrics {
    /// The two-class metrics under the names `--json` and summary.json use (`test_precision`, …), where defined.
    public var twoClassFields: [String: Double] {
        guard let p = positive else { return [:] }
        let named: [(String, Double?)] = [("test_precision", p.precision), ("test_recall", p.recall), ("test_f1", p.f1), ("test_auc", p.auc)]
        return Dictionary(uniqueKeysWithValues: named.compactMap { n, v in v.map { (n, $0) } })
    }

    /// `class 'spam': precision 95.1%, recall 88.0%, F1 91.4%; ROC AUC 0.987`, or nil for more than two classes.
    public func twoClassLine(className: String) -> String? {
        guard let p = positive else { return nil }
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a" }
        return "class '\(className)': precision \(pct(p.precision)), recall \(pct(p.recall)), F1 \(pct(p.f1))"
            + (p.auc.map { String(format: "; ROC AUC %.4f", $0) } ?? "")
    }
}

/// Precision, recall, F1 and ROC AUC of class 1 on two-class data.
public struct PositiveClassMetrics: Sendable, Equatable {
    /// Of the rows predicted class 1, the share that are; nil when none is predicted.
    public var precision: Double?
    /// Of the rows of class 1, the share predicted so; nil when there are none.
    public var recall: Double?
    /// The area under the ROC curve: the chance that a random class-1 row outranks a random class-0 row,
    /// ties counting half; nil when either class is absent.
    public var auc: Double?

    /// Harmonic mean of precision and recall (0 when both are 0, nil when either is undefined).
    public var f1: Double? {
        guard let p = precision, let r = recall else { return nil }
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }

    /// The metrics of rows predicted class 1 where `margins[i] > 0`, ranked by `margins`.
    /// Throws ``MetricError/notBinary(metric:labels:)`` for a label other than 0 or 1.
    public init(margins: [Double], labels: [Int]) throws {
        precondition(margins.count == labels.count, "PositiveClassMetrics: \(margins.count) margins but \(labels.count) labels")
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) { throw MetricError.notBinary(metric: "precision/recall", labels: bad) }
        var truePositives = 0, predicted = 0, positives = 0
        for (m, y) in zip(margins, labels) {
            if m > 0 { predicted += 1; if y == 1 { truePositives += 1 } }
            if y == 1 { positives += 1 }
        }
        precision = predicted > 0 ? Double(truePositives) / Double(predicted) : nil
        recall = positives > 0 ? Double(truePositives) / Double(positives) : nil
        auc = try Self.rocAUC(scores: margins, labels: labels)
    }

    /// ROC AUC by the rank-sum (Mann–Whitney) formula with mid-ranks for ties; nil when a class is absent.
    /// Throws ``MetricError/notBinary(metric:labels:)`` for a label other than 0 or 1.
    public static func rocAUC(scores: [Double], labels: [Int]) throws -> Double? {
        precondition(scores.count == labels.count, "rocAUC: \(scores.count) scores but \(labels.count) labels")
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) { throw MetricError.notBinary(metric: "ROC AUC", labels: bad) }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0, positives = 0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let midRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { positiveRankSum += midRank; positives += 1 }
            i = j + 1
        }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        return (positiveRankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }

    /// Mean negative log-likelihood of binary `labels` under the probabilities `p` of class 1, each clipped
    /// to [1e-15, 1 − 1e-15]. Throws ``MetricError/notBinary(metric:labels:)`` for a label other than 0 or 1.
    public static func logLoss(probabilities p: [Double], labels: [Int]) throws -> Double {
        precondition(p.count == labels.count, "logLoss: \(p.count) probabilities but \(labels.count) labels")
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) { throw MetricError.notBinary(metric: "log loss", labels: bad) }
        var total = 0.0
        for (q, y) in zip(p, labels) {
            let q = Swift.min(Swift.max(q, 1e-15), 1 - 1e-15)
            total -= y == 1 ? Foundation.log(q) : Foundation.log(1 - q)
        }
        return total / Double(Swift.max(labels.count, 1))
    }
}

/// A metric asked of data it does not apply to.
public enum MetricError: Error, CustomStringConvertible, Equatable {
    /// A two-class metric given a label other than 0 and 1.
    case notBinary(metric: String, labels: Int)

    public var description: String {
        switch self {
        case let .notBinary(metric, label):
            "\(metric) needs two classes labelled 0 and 1 (the rare class, spam or clicked, as 1); found the label \(label)"
        }
    }
}

/// A model scored a test row with NaN or infinity (its weights diverged, or the device it ran on failed).
public struct NonFiniteScores: Error, CustomStringConvertible {
    public var row: Int
    public var value: Float
    public var description: String { "the model's score for test row \(row) is \(value): no accuracy to report" }
}
