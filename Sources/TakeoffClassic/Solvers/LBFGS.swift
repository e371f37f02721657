import TakeoffEngine

/// Limited-memory BFGS (Nocedal, 1980) with a weak-Wolfe bisection line search
/// (Lewis and Overton, 2013), stopping when the largest gradient component is at most
/// ``gradientTolerance`` (scipy's `gtol`, as scikit-learn's `tol` uses it).
public struct LBFGS: Sendable {
    /// Pairs (s, y) kept for the two-loop recursion.
    public var memory = 10
    /// Stop when ‖∇f‖∞ ≤ this.
    public var gradientTolerance = 1e-4
    /// Stop after this many iterations, unconverged.
    public var maxIterations = 1000
    /// Trial steps per line search before giving up.
    public var maxLineSearchSteps = 50

    public init(gradientTolerance: Double = 1e-4, maxIterations: Int = 1000, memory: Int = 10) {
        self.gradientTolerance = gradientTolerance
        self.maxIterations = maxIterations
        self.memory = memory
    }

    /// Why the solver stopped.
    public enum Stop: String, Sendable {
        case gradientTolerance = "gradient-tolerance", maxIterations = "max-iterations"
        case lineSearchFailed = "line-search-failed", notFinite = "not-finite"
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        /// ‖∇f‖∞ at `x`.
        public var gradientNorm: Double
        public var iterations: Int
        public var evaluations: Int
        public var stop: Stop
        public var converged: Bool { stop == .gradientTolerance }
    }

    /// Minimises `f` from `start`.
    public func minimize(_ f: some DifferentiableObjective, from start: [Double]) -> Result {
        let n = f.dimension
        precondition(start.count == n, "LBFGS: start has \(start.count) values, objective has \(n)")
        var x = start, g = [Double](repeating: 0, count: n)
        var value = f.evaluate(x, gradient: &g)
        var evaluations = 1
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        func forgetCurvature() { s.removeAll(); y.removeAll(); rho.removeAll() }
        var p = [Double](repeating: 0, count: n), xNew = x, gNew = g
        var alphas = [Double](repeating: 0, count: memory)
        var iteration = 0
        func infNorm(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        // Over buffers (``Dense``): indexing the nested arrays in place cost half of a small fit's time.
        func dot(_ a: [Double], _ b: [Double]) -> Double { Dense.dot(a, b, a.count) }
        func finish(_ stop: Stop) -> Result {
            Result(x: x, value: value, gradientNorm: infNorm(g), iterations: iteration, evaluations: evaluations, stop: stop)
        }
        if !value.isFinite { return finish(.notFinite) }

        while true {
            if infNorm(g) <= gradientTolerance { return finish(.gradientTolerance) }
            // A passed deadline: whoever set it discards the result (see ``Deadline``).
            if iteration >= maxIterations || Deadline.hasPassed { return finish(.maxIterations) }

            // Two-loop recursion: p = −H·g.
            for i in 0..<n { p[i] = -g[i] }
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                alphas[k] = rho[k] * dot(s[k], p)
                Dense.axpy(-alphas[k], y[k], &p, n)
            }
            if let sl = s.last, let yl = y.last {
                let gamma = dot(sl, yl) / dot(yl, yl)
                for i in 0..<n { p[i] *= gamma }
            }
            for k in 0..<s.count {
                let beta = rho[k] * dot(y[k], p)
                Dense.axpy(alphas[k] - beta, s[k], &p, n)
            }
            var slope = dot(g, p)
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                forgetCurvature()
                for i in 0..<n { p[i] = -g[i] }
                slope = dot(g, p)
            }

            // Weak-Wolfe line search by bracketing and bisection.
            var t = s.isEmpty ? min(1, 1 / (-slope).squareRoot()) : 1
            var low = 0.0, high = Double.infinity
            var valueNew = value, accepted = false
            for _ in 0..<maxLineSearchSteps {
                for i in 0..<n { xNew[i] = x[i] + t * p[i] }
                valueNew = f.evaluate(xNew, gradient: &gNew)
                evaluations += 1
                if !valueNew.isFinite || valueNew > value + 1e-4 * t * slope {
                    high = t
                } else if dot(gNew, p) < 0.9 * slope {
                    low = t
                } else {
                    accepted = true
                    break
                }
                t = high.isFinite ? (low + high) / 2 : 2 * low
            }
            if !accepted {
                // A stale curvature memory can give a poor direction: retry once from steepest descent.
                if !s.isEmpty { forgetCurvature(); continue }
                return finish(.lineSearchFailed)
            }

            var sk = [Double](repeating: 0, count: n), yk = sk
            for i in 0..<n { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i] }
            let sy = dot(sk, yk)
            if sy > 1e-12 * dot(yk, yk) {
                if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
                s.append(sk); y.append(yk); rho.append(1 / sy)
            }
            swap(&x, &xNew)
            swap(&g, &gNew)
            value = valueNew
            iteration += 1
        }
    }
}
