import Foundation

/// Linear quantile regression without intercept: the coefficients w minimising Σ ρτ(yᵢ − xᵢ·w), where
/// ρτ(r) = τ·r for r ≥ 0 and (τ − 1)·r otherwise. Solved by iteratively reweighted least squares (each
/// residual weighted by τ or 1 − τ over its size, floored), from the least-squares fit; deterministic.
public enum QuantileRegression {
    public static func fit(rows: [[Double]], targets: [Double], quantile tau: Double, iterations: Int = 200) -> [Double] {
        precondition(!rows.isEmpty && rows.count == targets.count && (0.0...1.0).contains(tau), "QuantileRegression: bad problem")
        let k = rows[0].count
        var w = weightedLeastSquares(rows, targets, weights: [Double](repeating: 1, count: rows.count), k) ?? [Double](repeating: 0, count: k)
        var previous = loss(rows, targets, w, tau)
        for _ in 0..<iterations {
            let weights = zip(rows, targets).map { x, y -> Double in
                let r = y - dot(x, w)
                return (r >= 0 ? tau : 1 - tau) / max(abs(r), 1e-6)
            }
            guard let next = weightedLeastSquares(rows, targets, weights: weights, k) else { break }
            let l = loss(rows, targets, next, tau)
            w = next
            if previous - l < 1e-10 * max(previous, 1e-12) { break }
            previous = l
        }
        return w
    }

    /// The mean check loss of `w`.
    public static func loss(_ rows: [[Double]], _ targets: [Double], _ w: [Double], _ tau: Double) -> Double {
        zip(rows, targets).map { x, y in
            let r = y - dot(x, w)
            return r >= 0 ? tau * r : (tau - 1) * r
        }.reduce(0, +) / Double(rows.count)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map(*).reduce(0, +) }

    /// Solves (XᵀWX + λI) w = XᵀWy with a tiny ridge λ for conditioning.
    static func weightedLeastSquares(_ rows: [[Double]], _ targets: [Double], weights: [Double], _ k: Int) -> [Double]? {
        var a = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k)
        for (i, x) in rows.enumerated() {
            let wi = weights[i]
            for u in 0..<k {
                let wx = wi * x[u]
                b[u] += wx * targets[i]
                for v in u..<k { a[u * k + v] += wx * x[v] }
            }
        }
        let scale = (0..<k).map { a[$0 * k + $0] }.max() ?? 1
        for u in 0..<k {
            for v in 0..<u { a[u * k + v] = a[v * k + u] }
            a[u * k + u] += 1e-10 * max(scale, 1e-12)
        }
        return CurveFit.solve(a, b, k)
    }
}
