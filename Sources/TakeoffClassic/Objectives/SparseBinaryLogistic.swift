import Foundation
import TakeoffData

/// L2-regularised binary logistic regression on sparse rows (hashed categorical features):
///
///     f(w, b) = (1/n) Σᵢ log(1 + exp(−sᵢ (xᵢ·w + b))) + (λ/2)‖w‖²,   sᵢ = ±1,   λ = 1 / (C·n),
///
/// the two-class case of ``MultinomialLogistic`` (with class 0's weights held at zero) evaluated in time and
/// memory proportional to the stored entries, not to n × d. Parameters: w ([d]) then b.
public final class SparseBinaryLogistic: DifferentiableObjective, @unchecked Sendable {
    public let rows: SparseRows
    public let labels: [Int]
    /// The penalty weight λ.
    public let lambda: Double

    /// The objective on `rows` with `labels` in {0, 1}, for regularisation `C`.
    public init(rows: SparseRows, labels: [Int], C: Double) {
        precondition(rows.rowCount == labels.count, "SparseBinaryLogistic: \(rows.rowCount) rows vs \(labels.count) labels")
        precondition(labels.allSatisfy { $0 == 0 || $0 == 1 }, "SparseBinaryLogistic: labels must be 0 or 1")
        self.rows = rows
        self.labels = labels
        lambda = 1 / (C * Double(max(labels.count, 1)))
    }

    public var dimension: Int { rows.columnCount + 1 }

    public func evaluate(_ w: [Double], gradient g: inout [Double]) -> Double {
        let n = labels.count, d = rows.columnCount
        for j in 0..<g.count { g[j] = 0 }
        var loss = 0.0
        rows.offsets.withUnsafeBufferPointer { offsets in
            rows.columns.withUnsafeBufferPointer { columns in
                rows.values.withUnsafeBufferPointer { values in
                    for r in 0..<n {
                        var z = w[d]
                        for k in offsets[r]..<offsets[r + 1] { z += Double(values[k]) * w[Int(columns[k])] }
                        // log(1 + e^(−s z)) without overflow; σ(z) − y is the residual of either label.
                        let m = labels[r] == 1 ? -z : z
                        loss += m > 0 ? m + Foundation.log1p(Foundation.exp(-m)) : Foundation.log1p(Foundation.exp(m))
                        let p = z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
                        let residual = (p - Double(labels[r])) / Double(n)
                        for k in offsets[r]..<offsets[r + 1] { g[Int(columns[k])] += residual * Double(values[k]) }
                        g[d] += residual
                    }
                }
            }
        }
        var penalty = 0.0
        for j in 0..<d { penalty += w[j] * w[j]; g[j] += lambda * w[j] }
        return loss / Double(max(n, 1)) + lambda / 2 * penalty
    }
}
