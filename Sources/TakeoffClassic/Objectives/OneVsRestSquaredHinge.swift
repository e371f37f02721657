import TakeoffData
import TakeoffEngine

/// The primal of K one-vs-rest L2-regularised squared-hinge (L2-loss) SVMs, as one objective:
///
///     f(W, b) = (1/n) Σᵢ Σₖ max(0, 1 − yᵢₖ(xᵢ·wₖ + bₖ))² + (λ/2)(‖W‖² + ‖b‖²),   λ = 1 / (C·n),
///
/// with yᵢₖ = +1 when xᵢ is of class k and −1 otherwise. Divided by C·n it is the problem
/// ``DualCoordinateDescent`` solves in the dual for each class (C·Σ loss + ½‖w̃‖², the bias penalised as
/// the weight of a constant feature), so it has the same minimiser; the classes do not interact, so the
/// minimiser of the sum is each class's own. Once differentiable and piecewise quadratic, which ``LBFGS``
/// handles. Parameters are laid out as W ([d, K] row-major) then b ([K]).
public final class OneVsRestSquaredHinge: DifferentiableObjective, @unchecked Sendable {
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
                     "OneVsRestSquaredHinge: features \(features.shape) vs \(labels.count) labels")
        lambda = 1 / (C * Double(max(labels.count, 1)))
        self.labels = labels.map { Int32($0) }
        products = LinearScores(features: features, classCount: classCount)
    }

    public var dimension: Int { products.dimension }

    public func evaluate(_ w: [Double], gradient g: inout [Double]) -> Double {
        let loss = products.lossAndGradient(w, gradient: &g) { hingeResidual($0, rows: $1, first: $2) }
        var penalty = 0.0
        for i in 0..<dimension {
            penalty += w[i] * w[i]
            g[i] += lambda * w[i]
        }
        return loss / Double(max(sampleCount, 1)) + 0.5 * lambda * penalty
    }

    /// Turns `rows` rows of scores (from row `first`) into ∂/∂s of (1/n)·max(0, 1 − y·s)², −2y·max(0, 1 − y·s)/n,
    /// in place; returns the rows' summed loss.
    private func hingeResidual(_ rb: UnsafeMutablePointer<Float>, rows: Int, first: Int) -> Double {
        let k = classCount, stride = products.stride, twoOverN = 2 / Float(max(sampleCount, 1))
        var loss = 0.0
        for i in 0..<rows {
            let row = rb + i * stride, label = Int(labels[first + i])
            for j in 0..<k {
                let y: Float = j == label ? 1 : -1
                let slack = max(0, 1 - y * row[j])
                loss += Double(slack * slack)
                row[j] = -y * slack * twoOverN
            }
        }
        return loss
    }
}
