import CVectorKernels
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
    /// With at most 16 classes, the two products run in CVectorKernels' narrow products, one row range per
    /// thread (OpenBLAS would spend most of the time packing x for a 16-wide product); with more, in
    /// OpenBLAS. W and the scores are laid out `stride` wide (16, zero-padded, or K).
    private let narrow: Bool
    private let stride: Int
    private let weights: Tensor      // [d, stride] Float copy of W
    private let residual: Tensor     // [n, stride]: scores, then (softmax − onehot) / n
    private let weightGradient: Tensor  // [d, stride] per thread (narrow) or [d, K]

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
        narrow = classCount <= 16
        stride = narrow ? 16 : classCount
        weights = Tensor.zeros([featureCount, stride])
        residual = Tensor(uninitializedShape: [sampleCount, stride])
        weightGradient = Tensor(uninitializedShape: [narrow ? Parallel.threadCount : 1, featureCount, stride])
    }

    public var dimension: Int { (featureCount + 1) * classCount }

    /// The instruction set of the narrow kernels (the same on every call, so results repeat).
    static let isa = takeoff_best_isa()

    public func evaluate(_ w: [Double], gradient g: inout [Double]) -> Double {
        let n = sampleCount, d = featureCount, k = classCount, dk = d * k, stride = stride
        let wp = weights.pointer, gw = weightGradient.pointer
        for j in 0..<d { for c in 0..<k { wp[j * stride + c] = Float(w[j * k + c]) } }
        let bias = (0..<k).map { Float(w[dk + $0]) }
        // Row blocks small enough to stay in cache between the two products, so x is read from memory once.
        let block = max(64, (1 << 20) / max(d, 1))
        var loss = 0.0, biasGradient = [Double](repeating: 0, count: k)
        if narrow {
            // One contiguous row range per thread, each with its own gradient sums, added in thread order.
            let t = Swift.max(1, Swift.min(weightGradient.shape[0], n / 64))
            var losses = [Double](repeating: 0, count: t), biases = [[Double]](repeating: [], count: t)
            losses.withUnsafeMutableBufferPointer { lp in
                biases.withUnsafeMutableBufferPointer { bp in
                    let (lp, bp) = (UncheckedSendable(lp.baseAddress!), UncheckedSendable(bp.baseAddress!))
                    Parallel.forEach(t) { part in
                        let gp = gw + part * d * stride
                        gp.update(repeating: 0, count: d * stride)
                        var partLoss = 0.0, partBias = [Double](repeating: 0, count: k)
                        for r0 in Swift.stride(from: n * part / t, to: n * (part + 1) / t, by: block) {
                            let rows = Swift.min(block, n * (part + 1) / t - r0), xb = x.pointer + r0 * d, rb = residual.pointer + r0 * stride
                            takeoff_narrow_product(Self.isa, xb, rows, d, wp, rb)
                            partLoss += residualRows(rb, rows: rows, first: r0, bias: bias, biasGradient: &partBias)
                            takeoff_narrow_transpose_product(Self.isa, xb, rows, d, rb, gp)
                        }
                        (lp.value[part], bp.value[part]) = (partLoss, partBias)
                    }
                }
            }
            for part in 0..<t {
                loss += losses[part]
                for c in 0..<k { biasGradient[c] += biases[part][c] }
                if part > 0 { CPULoops.axpySequential(1, gw + part * d * stride, gw, count: d * stride) }
            }
        } else {
            for r0 in Swift.stride(from: 0, to: n, by: block) {
                let rows = min(block, n - r0), xb = x.pointer + r0 * d, rb = residual.pointer + r0 * k
                BLAS.sgemm(m: rows, n: k, k: d, a: xb, lda: d, b: wp, ldb: k, c: rb, ldc: k)
                loss += residualRows(rb, rows: rows, first: r0, bias: bias, biasGradient: &biasGradient)
                BLAS.sgemm(transposeA: true, m: d, n: k, k: rows, a: xb, lda: d, b: rb, ldb: k,
                           beta: r0 == 0 ? 0 : 1, c: gw, ldc: k)
            }
        }
        var penalty = 0.0
        for j in 0..<d {
            for c in 0..<k {
                let i = j * k + c
                penalty += w[i] * w[i]
                g[i] = Double(gw[j * stride + c]) + lambda * w[i]
            }
        }
        for c in 0..<k { g[dk + c] = biasGradient[c] }
        return loss / Double(max(n, 1)) + 0.5 * lambda * penalty
    }

    /// Turns `rows` rows of scores (`stride` apart, from row `first`) into the residual (softmax − onehot) / n
    /// in place, adding to `biasGradient`; returns the rows' summed loss. Padding lanes stay zero.
    private func residualRows(_ rb: UnsafeMutablePointer<Float>, rows: Int, first: Int, bias: [Float],
                              biasGradient: inout [Double]) -> Double {
        let k = classCount, inverseN = 1 / Float(max(sampleCount, 1))
        var loss = 0.0
        for i in 0..<rows {
            let row = rb + i * stride, label = Int(labels[first + i])
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
        return loss
    }
}

extension Float {
    @inline(__always) var exp: Float { Foundation.exp(self) }
    @inline(__always) var log: Float { Foundation.log(self) }
}
