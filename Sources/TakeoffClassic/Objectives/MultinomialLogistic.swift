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
    public let sampleCount: Int
    public let featureCount: Int
    public let classCount: Int
    /// The penalty weight λ.
    public let lambda: Double
    private let x: Tensor
    private let labels: [Int32]
    private let weights: Tensor      // [d, K] Float copy of W for sgemm
    private let residual: Tensor     // [n, K]: logits, then (softmax − onehot) / n
    private let weightGradient: Tensor

    /// The objective on `features` [n, d] with `labels` in `0..<classCount`, for regularisation `C`.
    public init(features: Tensor, labels: [Int], classCount: Int, C: Double) {
        precondition(features.rank == 2 && features.shape[0] == labels.count,
                     "MultinomialLogistic: features \(features.shape) vs \(labels.count) labels")
        sampleCount = labels.count
        featureCount = features.shape[1]
        self.classCount = classCount
        lambda = 1 / (C * Double(max(labels.count, 1)))
        x = features
        self.labels = labels.map { Int32($0) }
        weights = Tensor(uninitializedShape: [featureCount, classCount])
        residual = Tensor(uninitializedShape: [sampleCount, classCount])
        weightGradient = Tensor(uninitializedShape: [featureCount, classCount])
    }

    public var dimension: Int { (featureCount + 1) * classCount }

    public func evaluate(_ w: [Double], gradient g: inout [Double]) -> Double {
        let n = sampleCount, d = featureCount, k = classCount, dk = d * k
        let wp = weights.pointer, r = residual.pointer, gw = weightGradient.pointer
        for i in 0..<dk { wp[i] = Float(w[i]) }
        let bias = (0..<k).map { Float(w[dk + $0]) }
        var biasGradient = [Double](repeating: 0, count: k)
        var loss = 0.0
        let inverseN = 1 / Float(max(n, 1))
        // Row blocks small enough to stay in cache between the two products, so X is read from memory once.
        let block = max(64, (1 << 20) / max(d, 1))
        for r0 in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - r0), xb = x.pointer + r0 * d, rb = r + r0 * k
            BLAS.sgemm(m: rows, n: k, k: d, a: xb, lda: d, b: wp, ldb: k, c: rb, ldc: k)
            for i in 0..<rows {
                let row = rb + i * k, label = Int(labels[r0 + i])
                var top = -Float.infinity
                for j in 0..<k { row[j] += bias[j]; top = max(top, row[j]) }
                let margin = row[label] - top
                var total: Float = 0
                for j in 0..<k { row[j] = (row[j] - top).exp; total += row[j] }
                loss += Double(total.log) - Double(margin)
                let scale = inverseN / total
                for j in 0..<k { row[j] *= scale }
                row[label] -= inverseN
                for j in 0..<k { biasGradient[j] += Double(row[j]) }
            }
            BLAS.sgemm(transposeA: true, m: d, n: k, k: rows, a: xb, lda: d, b: rb, ldb: k,
                       beta: r0 == 0 ? 0 : 1, c: gw, ldc: k)
        }
        var penalty = 0.0
        for i in 0..<dk {
            penalty += w[i] * w[i]
            g[i] = Double(gw[i]) + lambda * w[i]
        }
        for j in 0..<k { g[dk + j] = biasGradient[j] }
        return loss / Double(max(n, 1)) + 0.5 * lambda * penalty
    }
}

extension Float {
    @inline(__always) var exp: Float { Foundation.exp(self) }
    @inline(__always) var log: Float { Foundation.log(self) }
}
