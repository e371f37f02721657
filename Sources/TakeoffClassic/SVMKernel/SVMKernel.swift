import Foundation
import TakeoffData
import TakeoffEngine

/// A positive semi-definite kernel, evaluated from dot products and squared row norms so that
/// whole rows and blocks come from one BLAS call.
public enum SVMKernel: Sendable, Equatable {
    /// K(a, b) = a·b.
    case linear
    /// K(a, b) = exp(−γ‖a − b‖²).
    case rbf(gamma: Float)
    /// K(a, b) = (γ a·b + coef0)^degree.
    case polynomial(gamma: Float, coef0: Float, degree: Int)

    /// The highest polynomial degree accepted, from an option or a model file (the `--degree` option's ceiling):
    /// each kernel value takes `degree` multiplies, so an unbounded degree could keep training or scoring busy for ever.
    public static let maximumDegree = LearnerOptions.maxDegree

    /// The kernel value from `a·b`, ‖a‖² and ‖b‖².
    @inline(__always)
    public func value(dot: Float, normA: Float, normB: Float) -> Float {
        switch self {
        case .linear: dot
        case let .rbf(gamma): Foundation.exp(-gamma * max(normA + normB - 2 * dot, 0))
        case let .polynomial(gamma, coef0, degree): Float.pow(gamma * dot + coef0, degree)
        }
    }

    /// Turns a row of dot products `x` (against rows with norms `norms`) into kernel values, in place.
    @inline(__always)
    func transform(_ x: UnsafeMutablePointer<Float>, count: Int, normA: Float, norms: UnsafePointer<Float>) {
        for j in 0..<count { x[j] = value(dot: x[j], normA: normA, normB: norms[j]) }
    }

    /// `out[r·ldo + c] = K(aᵣ, b_c)` for rows a [na, d] and b [nb, d]: one sgemm, then the
    /// elementwise transform in parallel.
    public func block(a: UnsafePointer<Float>, normsA: UnsafePointer<Float>, na: Int,
                      b: UnsafePointer<Float>, normsB: UnsafePointer<Float>, nb: Int, d: Int,
                      into out: UnsafeMutablePointer<Float>, ldo: Int) {
        BLAS.sgemm(transposeB: true, m: na, n: nb, k: d, a: a, lda: d, b: b, ldb: d, c: out, ldc: ldo)
        if self == .linear { return }
        Parallel.ranges(na, cost: nb * 8) { lo, hi in
            for r in lo..<hi { transform(out + r * ldo, count: nb, normA: normsA[r], norms: normsB) }
        }
    }

    /// The kernel between one row `v` (norm `normV`) and each of the rows x [n, d]: one sgemv.
    public func row(_ v: UnsafePointer<Float>, normV: Float, x: UnsafePointer<Float>, norms: UnsafePointer<Float>,
                    n: Int, d: Int, into out: UnsafeMutablePointer<Float>) {
        BLAS.sgemv(m: n, n: d, a: x, lda: d, x: v, y: out)
        if self != .linear { transform(out, count: n, normA: normV, norms: norms) }
    }

    /// `gamma = 1 / (d · Var(X))` over all entries, as scikit-learn's `gamma='scale'` (1 when the variance is 0).
    public static func scaleGamma(_ features: Tensor) -> Float {
        let n = features.count, d = features.shape.last ?? 1
        guard n > 0 else { return 1 }
        var sum = 0.0, sumSquares = 0.0
        for i in 0..<n { let v = Double(features.pointer[i]); sum += v; sumSquares += v * v }
        let mean = sum / Double(n)
        let variance = sumSquares / Double(n) - mean * mean
        return variance > 0 ? Float(1 / (Double(d) * variance)) : 1
    }
}

extension Float {
    @inline(__always) static func pow(_ x: Float, _ n: Int) -> Float {
        var r: Float = 1
        for _ in 0..<n { r *= x }
        return r
    }
}
