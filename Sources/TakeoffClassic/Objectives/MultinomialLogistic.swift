import Foundation
import TakeoffData
import TakeoffEngine

/// The L2-regularised multinomial logistic (softmax cross-entropy) objective
///
///     f(W, b) = (1/n) Σᵢ −log softmax(xᵢ·W + b)[yᵢ] + (λ/2)‖W‖²,   λ = 1 / (C·n),
///
/// which is scikit-learn's `C·Σ loss + ½‖W‖²` divided by `C·n` (same minimiser, same `tol` meaning).
/// The intercept is not penalised. Parameters are laid out as W ([d, K] row-major) then b ([K]).
public final class MultinomialLogistic: DifferentiableObjective, @unchecked Sendable {
    public var sampleCount: Int { products.sampleCount }
    public var featureCount: Int { products.featureCount }
    public var classCount: Int { products.classCount }
    /// The penalty weight λ.
    public let lambda: Double
    private let labels: [Int32]
    private let products: LinearScores

    /// The objective on `features` [n, d] with `labels` in `0..<classCount`, for regularisation `C`.
    public init(features: Tensor, labels: [Int], classCount: Int, C: Double) {
        precondition(features.rank == 2 && features.shape[0] == labels.count,
                     "MultinomialLogistic: features \(features.shape) vs \(labels.count) labels")
        lambda = 1 / (C * Double(max(labels.count, 1)))
        self.labels = labels.map { Int32($0) }
        products = LinearScores(features: features, classCount: classCount)
    }

    public var dimension: Int { products.dimension }

    public func evaluate(_ w: [Double], gradient g: inout [Double]) -> Double {
        let loss = products.lossAndGradient(w, gradient: &g) { softmaxResidual($0, rows: $1, first: $2) }
        var penalty = 0.0
        for i in 0..<(featureCount * classCount) {
            penalty += w[i] * w[i]
            g[i] += lambda * w[i]
        }
        return loss / Double(max(sampleCount, 1)) + 0.5 * lambda * penalty
    }

    /// Turns `rows` rows of scores (from row `first`) into the residual (softmax − onehot) / n in place;
    /// returns the rows' summed loss.
    private func softmaxResidual(_ rb: UnsafeMutablePointer<Float>, rows: Int, first: Int) -> Double {
        let k = classCount, stride = products.stride, inverseN = 1 / Float(max(sampleCount, 1))
        var loss = 0.0
        for i in 0..<rows {
            let row = rb + i * stride, label = Int(labels[first + i])
            var top = -Float.infinity
            for j in 0..<k { top = max(top, row[j]) }
            let margin = row[label] - top
            var total: Float = 0
            for j in 0..<k { row[j] = (row[j] - top).exp; total += row[j] }
            loss += Double(total.log) - Double(margin)
            let scale = inverseN / total
            for j in 0..<k { row[j] *= scale }
            row[label] -= inverseN
        }
        return loss
    }
}

extension Float {
    @inline(__always) var exp: Float { Foundation.exp(self) }
    @inline(__always) var log: Float { Foundation.log(self) }
}
