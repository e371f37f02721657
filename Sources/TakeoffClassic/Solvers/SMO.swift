import TakeoffEngine

/// Sequential minimal optimisation for the C-SVM dual (Platt, 1998; Fan, Chen and Lin, 2005, as in LIBSVM):
///
///     min ½ αᵀQα − Σα   subject to   yᵀα = 0,  0 ≤ α ≤ C,   Q_ij = yᵢyⱼK(xᵢ, xⱼ),
///
/// with second-order working-set selection (WSS2) and shrinking: variables at a bound whose
/// gradient says they will stay there leave the active set, and the full gradient is rebuilt
/// before the final optimality check.
public struct SMO: Sendable {
    public var C: Double
    /// Stop when the maximal violating pair's gap m(α) − M(α) is below this (LIBSVM's `eps`).
    public var tolerance: Double
    public var shrinking: Bool
    /// nil: max(10⁷, 100·n), as LIBSVM.
    public var maxIterations: Int?

    public init(C: Double, tolerance: Double = 1e-3, shrinking: Bool = true, maxIterations: Int? = nil) {
        self.C = C
        self.tolerance = tolerance
        self.shrinking = shrinking
        self.maxIterations = maxIterations
    }

    public struct Result: Sendable {
        public var alpha: [Double]
        /// The offset: f(x) = Σ yᵢαᵢK(xᵢ, x) − rho.
        public var rho: Double
        /// The dual objective ½αᵀQα − Σα.
        public var objective: Double
        public var iterations: Int
        /// The final gap m(α) − M(α).
        public var gap: Double
        public var converged: Bool
    }

    /// Solves the binary problem with labels `y` = ±1 over the rows held by `cache`. `start` is a feasible
    /// dual point of the same rows to begin from (α ≥ 0 with yᵀα = 0, e.g. the solution at another C): it is
    /// scaled down into this C's box if it leaves it, which keeps yᵀα = 0, so the solver reaches the same
    /// optimum from it (alpha seeding); zero when nil.
    public func solve(y: [Float], cache: SVMKernelCache, start: [Double]? = nil) -> Result {
        let n = cache.count
        precondition(y.count == n, "SMO: \(y.count) labels for \(n) kernel rows")
        precondition(start == nil || start!.count == n, "SMO: start has \(start!.count) values for \(n) rows")
        let c = C, eps = tolerance, tau = 1e-12
        let limit = maxIterations ?? max(10_000_000, 100 * n)
        var alpha = [Double](repeating: 0, count: n)
        var grad = [Double](repeating: -1, count: n)
        if let start {
            let scale = min(1, c / max(start.max() ?? 0, .leastNormalMagnitude))
            for t in 0..<n { alpha[t] = max(start[t], 0) * scale }
            for j in 0..<n where alpha[j] > 0 {
                let kj = cache.row(j), aj = Double(y[j]) * alpha[j]
                for t in 0..<n { grad[t] += Double(y[t]) * aj * Double(kj[t]) }
            }
        }
        var active = Array(0..<n), activeCount = n
        let qd = cache.diagonal.map(Double.init)
        var iterations = 0, gap = Double.infinity, unshrunk = false
        var counter = min(n, 1000)

        func isUpper(_ t: Int) -> Bool { alpha[t] >= c }
        func isLower(_ t: Int) -> Bool { alpha[t] <= 0 }

        /// G_k = −1 + Σⱼ yₖyⱼαⱼK_jk for the inactive k, then everything active again.
        func reconstructGradient() {
            if activeCount == n { return }
            let inactive = Array(active[activeCount...])
            for k in inactive { grad[k] = -1 }
            for j in 0..<n where alpha[j] > 0 {
                let kj = cache.row(j), aj = Double(y[j]) * alpha[j]
                for k in inactive { grad[k] += Double(y[k]) * aj * Double(kj[k]) }
            }
            activeCount = n
        }

        /// (max over I_up of −yG, max over I_low of yG) on the active set.
        func extremes() -> (Double, Double) {
            var up = -Double.infinity, low = -Double.infinity
            for s in 0..<activeCount {
                let t = active[s], yg = Double(y[t]) * grad[t]
                if y[t] > 0 {
                    if !isUpper(t) { up = max(up, -yg) }
                    if !isLower(t) { low = max(low, yg) }
                } else {
                    if !isLower(t) { up = max(up, -yg) }
                    if !isUpper(t) { low = max(low, yg) }
                }
            }
            return (up, low)
        }

        func shrink() {
            var (up, low) = extremes()
            if !unshrunk && up + low <= eps * 10 {
                unshrunk = true
                reconstructGradient()
                (up, low) = extremes()
            }
            var s = 0
            while s < activeCount {
                let t = active[s], g = grad[t]
                let out: Bool
                if isUpper(t) { out = y[t] > 0 ? -g > up : -g > low }
                else if isLower(t) { out = y[t] > 0 ? g > low : g > up }
                else { out = false }
                if out { activeCount -= 1; active.swapAt(s, activeCount) } else { s += 1 }
            }
        }

        /// WSS2: i maximises −yG over I_up; j minimises the second-order decrease over I_low. nil when optimal.
        func select() -> (Int, Int)? {
            var gmax = -Double.infinity, i = -1
            for s in 0..<activeCount {
                let t = active[s]
                if y[t] > 0 { if !isUpper(t) && -grad[t] >= gmax { gmax = -grad[t]; i = t } }
                else if !isLower(t) && grad[t] >= gmax { gmax = grad[t]; i = t }
            }
            if i < 0 { gap = -Double.infinity; return nil }
            let ki = cache.row(i), qi = qd[i]
            var gmax2 = -Double.infinity, j = -1, best = Double.infinity
            for s in 0..<activeCount {
                let t = active[s]
                let diff: Double
                if y[t] > 0 {
                    if isLower(t) { continue }
                    gmax2 = max(gmax2, grad[t]); diff = gmax + grad[t]
                } else {
                    if isUpper(t) { continue }
                    gmax2 = max(gmax2, -grad[t]); diff = gmax - grad[t]
                }
                if diff > 0 {
                    let quad = qi + qd[t] - 2 * Double(ki[t])
                    let decrease = -diff * diff / (quad > 0 ? quad : tau)
                    if decrease <= best { best = decrease; j = t }
                }
            }
            gap = gmax + gmax2
            return gap < eps || j < 0 ? nil : (i, j)
        }

        while iterations < limit {
            if iterations & 1023 == 0 && Deadline.hasPassed { break }
            if shrinking {
                counter -= 1
                if counter == 0 { counter = min(n, 1000); shrink() }
            }
            var pair = select()
            if pair == nil {
                if activeCount == n { break }
                reconstructGradient()
                counter = 1
                pair = select()
                if pair == nil { break }
            }
            let (i, j) = pair!
            iterations += 1
            let ki = cache.row(i), kj = cache.row(j)
            let yi = Double(y[i]), yj = Double(y[j])
            let oldI = alpha[i], oldJ = alpha[j]
            let kij = Double(ki[j])
            var quad = qd[i] + qd[j] - 2 * kij
            if quad <= 0 { quad = tau }
            if yi != yj {
                let delta = (-grad[i] - grad[j]) / quad, diff = oldI - oldJ
                var ai = oldI + delta, aj = oldJ + delta
                if diff > 0 { if aj < 0 { aj = 0; ai = diff } } else if ai < 0 { ai = 0; aj = -diff }
                if diff > 0 { if ai > c { ai = c; aj = c - diff } } else if aj > c { aj = c; ai = c + diff }
                alpha[i] = ai; alpha[j] = aj
            } else {
                let delta = (grad[i] - grad[j]) / quad, sum = oldI + oldJ
                var ai = oldI - delta, aj = oldJ + delta
                if sum > c { if ai > c { ai = c; aj = sum - c } } else if aj < 0 { aj = 0; ai = sum }
                if sum > c { if aj > c { aj = c; ai = sum - c } } else if ai < 0 { ai = 0; aj = sum }
                alpha[i] = ai; alpha[j] = aj
            }
            let di = yi * (alpha[i] - oldI), dj = yj * (alpha[j] - oldJ)
            for s in 0..<activeCount {
                let t = active[s]
                grad[t] += Double(y[t]) * (di * Double(ki[t]) + dj * Double(kj[t]))
            }
        }
        reconstructGradient()

        var upperBound = Double.infinity, lowerBound = -Double.infinity, freeSum = 0.0, freeCount = 0
        var objective = 0.0
        for t in 0..<n {
            let yg = Double(y[t]) * grad[t]
            objective += alpha[t] * (grad[t] - 1) / 2
            if isUpper(t) {
                if y[t] < 0 { upperBound = min(upperBound, yg) } else { lowerBound = max(lowerBound, yg) }
            } else if isLower(t) {
                if y[t] > 0 { upperBound = min(upperBound, yg) } else { lowerBound = max(lowerBound, yg) }
            } else {
                freeSum += yg; freeCount += 1
            }
        }
        let rho = freeCount > 0 ? freeSum / Double(freeCount) : (upperBound + lowerBound) / 2
        return Result(alpha: alpha, rho: rho.isFinite ? rho : 0, objective: objective, iterations: iterations,
                      gap: gap, converged: iterations < limit)
    }
}
