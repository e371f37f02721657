import CNarrowProducts
import TakeoffEngine

/// The two products of a linear multi-class objective, scores S = X·W + b and the gradient Xᵀ·R, where each
/// objective supplies only its loss: a function that turns a block of scores into R = ∂loss/∂S in place.
/// Rows go in blocks small enough to stay in cache between the two products, so X is read from memory once
/// per evaluation. With at most 16 classes the products run in CNarrowProducts' narrow kernels, one row range
/// per thread (OpenBLAS would spend most of the time packing X for a 16-wide product); with more, in OpenBLAS.
/// Parameters are laid out as W ([d, K] row-major) then b ([K]).
final class LinearScores: @unchecked Sendable {
    let sampleCount: Int
    let featureCount: Int
    let classCount: Int
    /// The distance between two rows of scores: 16 (zero-padded) for the narrow kernels, else K.
    let stride: Int
    private let x: Tensor
    private let narrow: Bool
    private let weights: Tensor         // [d, stride] Float copy of W
    private let scores: Tensor          // [n, stride]: scores, then R
    private let weightGradient: Tensor  // [d, stride] per thread (narrow) or [d, K]

    /// The instruction set of the narrow kernels (the same on every call, so results repeat).
    static let isa = takeoff_best_isa()

    /// Products over `features` [n, d] for `classCount` classes.
    init(features: Tensor, classCount: Int) {
        precondition(features.rank == 2, "LinearScores: features \(features.shape) are not [n, d]")
        sampleCount = features.shape[0]
        featureCount = features.shape[1]
        self.classCount = classCount
        x = features
        narrow = classCount <= 16
        stride = narrow ? 16 : classCount
        weights = Tensor.zeros([featureCount, stride])
        scores = Tensor(uninitializedShape: [sampleCount, stride])
        weightGradient = Tensor(uninitializedShape: [narrow ? Parallel.threadCount : 1, featureCount, stride])
    }

    /// The parameter count, (d + 1)·K.
    var dimension: Int { (featureCount + 1) * classCount }

    /// Σ loss over the rows at parameters `w`, writing Xᵀ·R and ΣR (the gradient of that sum) into `g`.
    /// `residual(block, rows, first)` gets `rows` rows of scores from row `first`, `stride` apart, bias
    /// included; it replaces them by ∂loss/∂score, leaves padding lanes zero and returns the rows' summed loss.
    /// It runs on several threads at once, each on its own rows.
    func lossAndGradient(_ w: [Double], gradient g: inout [Double],
                         residual: (_ block: UnsafeMutablePointer<Float>, _ rows: Int, _ first: Int) -> Double) -> Double {
        let n = sampleCount, d = featureCount, k = classCount, dk = d * k, stride = stride
        let wp = weights.pointer, gw = weightGradient.pointer
        for j in 0..<d { for c in 0..<k { wp[j * stride + c] = Float(w[j * k + c]) } }
        let bias = (0..<k).map { Float(w[dk + $0]) }
        let block = max(64, (1 << 20) / max(d, 1))
        /// Adds the bias to a block's scores, lets `residual` replace them, and sums R into `biasGradient`.
        func residualRows(_ rb: UnsafeMutablePointer<Float>, rows: Int, first: Int, biasGradient: inout [Double]) -> Double {
            for i in 0..<rows { for j in 0..<k { rb[i * stride + j] += bias[j] } }
            let loss = residual(rb, rows, first)
            for i in 0..<rows { for j in 0..<k { biasGradient[j] += Double(rb[i * stride + j]) } }
            return loss
        }
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
                            let rows = Swift.min(block, n * (part + 1) / t - r0), xb = x.pointer + r0 * d, rb = scores.pointer + r0 * stride
                            takeoff_narrow_product(Self.isa, xb, rows, d, wp, rb)
                            partLoss += residualRows(rb, rows: rows, first: r0, biasGradient: &partBias)
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
                let rows = min(block, n - r0), xb = x.pointer + r0 * d, rb = scores.pointer + r0 * k
                BLAS.sgemm(m: rows, n: k, k: d, a: xb, lda: d, b: wp, ldb: k, c: rb, ldc: k)
                loss += residualRows(rb, rows: rows, first: r0, biasGradient: &biasGradient)
                BLAS.sgemm(transposeA: true, m: d, n: k, k: rows, a: xb, lda: d, b: rb, ldb: k,
                           beta: r0 == 0 ? 0 : 1, c: gw, ldc: k)
            }
        }
        for j in 0..<d { for c in 0..<k { g[j * k + c] = Double(gw[j * stride + c]) } }
        for c in 0..<k { g[dk + c] = biasGradient[c] }
        return loss
    }
}
