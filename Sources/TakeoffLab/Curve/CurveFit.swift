import Foundation
import TakeoffEngine

/// A ``CurveFamily`` fitted to (m, accuracy) points by least squares: Levenberg–Marquardt with
/// bounds (steps are projected into them) from several seeded starting points, keeping the best.
public struct CurveFit: Sendable, Codable {
    public var family: CurveFamily
    /// Parameters in units of x = m / ``scale``.
    public var raw: [Double]
    /// The largest m fitted; x = m / scale.
    public var scale: Double
    /// Root-mean-square residual on the fitted points.
    public var rmse: Double

    /// Parameters in units of m, named by ``CurveFamily/parameterNames``.
    public var parameters: [Double] { family.parameters(raw: raw, scale: scale) }
    /// The fitted accuracy at `m`.
    public func predict(_ m: Double) -> Double { family.value(raw, m / scale) }
    /// The plateau the fit heads to.
    public var asymptote: Double { family.asymptote(raw) }

    /// Fits `family` to accuracies `values` at sizes `sizes`, minimising the squared residuals times
    /// `weights` (e.g. inverse variances over seeds; nil weighs all alike); nil with fewer points than parameters.
    public static func fit(_ family: CurveFamily, sizes: [Double], values: [Double], weights: [Double]? = nil,
                           restarts: Int = 24, seed: UInt64 = 0) -> CurveFit? {
        precondition(sizes.count == values.count && (weights?.count ?? sizes.count) == sizes.count,
                     "CurveFit: \(sizes.count) sizes, \(values.count) values and \(weights?.count ?? sizes.count) weights")
        guard sizes.count >= family.parameterCount, let scale = sizes.max(), scale > 0 else { return nil }
        if family == .last {
            let last = values[sizes.firstIndex(of: scale)!]
            return CurveFit(family: .last, raw: [last], scale: scale, rmse: rms(values.map { $0 - last }))
        }
        let x = sizes.map { $0 / scale }
        let ranges = family.startRanges(low: values.min()!, high: values.max()!)
        var rng = RandomGenerator(seed: seed)
        var best: (p: [Double], sse: Double)?
        for r in 0..<restarts {
            let start = ranges.map { range in
                r == 0 ? (range.lowerBound + range.upperBound) / 2
                    : range.lowerBound + Double(rng.uniform()) * (range.upperBound - range.lowerBound)
            }
            let found = levenbergMarquardt(family, x: x, y: values, weights: weights?.map { $0.squareRoot() }, start: start)
            if found.sse.isFinite, found.sse < best?.sse ?? .infinity { best = found }
        }
        guard let best else { return nil }
        return CurveFit(family: family, raw: best.p, scale: scale, rmse: rms(zip(x, values).map { family.value(best.p, $0) - $1 }))
    }

    static func rms(_ r: [Double]) -> Double { (r.map { $0 * $0 }.reduce(0, +) / Double(max(r.count, 1))).squareRoot() }

    /// Minimises the squared residuals (each scaled by `scales`) from `start`, projecting every step into the family's bounds.
    static func levenbergMarquardt(_ family: CurveFamily, x: [Double], y: [Double], weights scales: [Double]? = nil, start: [Double],
                                   iterations: Int = 300) -> (p: [Double], sse: Double) {
        let bounds = family.bounds
        func clamp(_ p: [Double]) -> [Double] { zip(p, bounds).map { min(max($0, $1.lowerBound), $1.upperBound) } }
        func residuals(_ p: [Double]) -> [Double] {
            let r = zip(x, y).map { family.value(p, $0) - $1 }
            return scales.map { zip(r, $0).map(*) } ?? r
        }
        func sse(_ r: [Double]) -> Double {
            let s = r.map { $0 * $0 }.reduce(0, +)
            return s.isFinite ? s : .infinity
        }
        var p = clamp(start)
        var r = residuals(p)
        var cost = sse(r)
        guard cost.isFinite else { return (p, cost) }
        let k = p.count, n = x.count
        var lambda = 1e-3
        for _ in 0..<iterations {
            // Forward differences, stepping inward at an upper bound.
            var jac = [Double](repeating: 0, count: n * k)
            for j in 0..<k {
                var q = p
                var h = 1e-7 * max(abs(p[j]), 1e-3)
                if q[j] + h > bounds[j].upperBound { h = -h }
                q[j] += h
                let rq = residuals(q)
                for i in 0..<n { jac[i * k + j] = (rq[i] - r[i]) / h }
            }
            var a = [Double](repeating: 0, count: k * k), g = [Double](repeating: 0, count: k)
            for i in 0..<n {
                for u in 0..<k {
                    g[u] += jac[i * k + u] * r[i]
                    for v in 0..<k { a[u * k + v] += jac[i * k + u] * jac[i * k + v] }
                }
            }
            guard a.allSatisfy(\.isFinite), g.allSatisfy(\.isFinite) else { break }
            var improved = false
            for _ in 0..<12 {
                var m = a
                for u in 0..<k { m[u * k + u] += lambda * max(a[u * k + u], 1e-12) }
                guard let step = solve(m, g.map { -$0 }, k) else { lambda *= 4; continue }
                let candidate = clamp(zip(p, step).map(+))
                let rc = residuals(candidate)
                let c = sse(rc)
                if c < cost {
                    let gain = cost - c
                    (p, r, cost) = (candidate, rc, c)
                    lambda = max(lambda / 3, 1e-12)
                    improved = gain > 1e-15 * max(cost, 1e-30)
                    break
                }
                lambda *= 4
            }
            if !improved || cost < 1e-28 { break }
        }
        return (p, cost)
    }

    /// Solves the k×k system m·s = b by Gaussian elimination with partial pivoting; nil if singular.
    static func solve(_ m: [Double], _ b: [Double], _ k: Int) -> [Double]? {
        var a = m, rhs = b
        for col in 0..<k {
            var pivot = col
            for row in col + 1..<k where abs(a[row * k + col]) > abs(a[pivot * k + col]) { pivot = row }
            guard abs(a[pivot * k + col]) > 1e-300, a[pivot * k + col].isFinite else { return nil }
            if pivot != col {
                for j in 0..<k { a.swapAt(col * k + j, pivot * k + j) }
                rhs.swapAt(col, pivot)
            }
            for row in col + 1..<k {
                let f = a[row * k + col] / a[col * k + col]
                for j in col..<k { a[row * k + j] -= f * a[col * k + j] }
                rhs[row] -= f * rhs[col]
            }
        }
        var s = [Double](repeating: 0, count: k)
        for row in stride(from: k - 1, through: 0, by: -1) {
            var v = rhs[row]
            for j in row + 1..<k { v -= a[row * k + j] * s[j] }
            s[row] = v / a[row * k + row]
        }
        return s.allSatisfy(\.isFinite) ? s : nil
    }
}
