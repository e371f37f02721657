import TakeoffEngine

/// Dual coordinate descent for the L2-regularised linear SVM (Hsieh et al., 2008, as in LIBLINEAR):
///
///     min over 0 ≤ α ≤ U   ½ αᵀ(Q + D)α − Σα,   Q_ij = yᵢyⱼ x̃ᵢ·x̃ⱼ,   x̃ = [x, 1],
///
/// with U = C, D = 0 for the hinge loss and U = ∞, D = 1/(2C) for the squared hinge.
/// Coordinates are visited in a fresh random order each epoch; variables stuck at a bound are
/// shrunk from the active set and brought back for a final check before stopping.
public struct DualCoordinateDescent: Sendable {
    public enum Loss: String, Sendable, CaseIterable { case hinge, squaredHinge = "squared-hinge" }

    public var loss: Loss
    public var C: Double
    /// Stop when the projected-gradient spread max PG − min PG over active variables is at most this.
    public var tolerance: Double
    public var maxEpochs: Int

    public init(loss: Loss = .squaredHinge, C: Double, tolerance: Double = 1e-4, maxEpochs: Int = 1000) {
        self.loss = loss
        self.C = C
        self.tolerance = tolerance
        self.maxEpochs = maxEpochs
    }

    public struct Result: Sendable {
        /// The primal weights and bias: w = Σ αᵢyᵢxᵢ, b = Σ αᵢyᵢ.
        public var weights: [Float]
        public var bias: Float
        public var alpha: [Float]
        public var epochs: Int
        /// The last epoch's max PG − min PG (over the active variables).
        public var gap: Double
        public var converged: Bool
    }

    /// Solves the binary problem on rows `x` [n, d] with labels `y` = ±1; `squaredNorms` are ‖xᵢ‖².
    /// `start` is a dual point to begin from (one α per row, e.g. the solution at a smaller C on the same
    /// rows), clipped to this C's box; zero when nil. The box has no equality constraint, so any clipped
    /// point is feasible and the solver reaches the same optimum from it.
    public func solve(x: UnsafePointer<Float>, n: Int, d: Int, y: [Float], squaredNorms: [Float],
                      start: [Float]? = nil, rng: inout RandomGenerator) -> Result {
        precondition(start == nil || start!.count == n, "DualCoordinateDescent: start has \(start!.count) values for \(n) rows")
        let upper: Float = loss == .hinge ? Float(C) : .infinity
        let diagonal: Float = loss == .hinge ? 0 : Float(0.5 / C)
        var w = [Float](repeating: 0, count: d), b: Float = 0
        var alpha = start.map { $0.map { min(max($0, 0), upper) } } ?? [Float](repeating: 0, count: n)
        for i in 0..<n where alpha[i] > 0 {
            let step = alpha[i] * y[i]
            w.withUnsafeMutableBufferPointer { CPULoops.axpySequential(step, x + i * d, $0.baseAddress!, count: d) }
            b += step
        }
        let qd = squaredNorms.map { $0 + 1 + diagonal }
        var index = Array(0..<n)
        var activeSize = n
        var pgMaxOld = Float.infinity, pgMinOld = -Float.infinity
        var epochs = 0, gap = Double.infinity, converged = false
        let eps = Float(tolerance)
        w.withUnsafeMutableBufferPointer { wb in
            let wp = wb.baseAddress!
            while epochs < maxEpochs && !Deadline.hasPassed {
                var pgMax = -Float.infinity, pgMin = Float.infinity
                for s in stride(from: activeSize - 1, to: 0, by: -1) { index.swapAt(s, rng.below(s + 1)) }
                var s = 0
                while s < activeSize {
                    let i = index[s], xi = x + i * d, yi = y[i]
                    let g = yi * (Dense.dot(wp, xi, d) + b) - 1 + diagonal * alpha[i]
                    var pg: Float = 0
                    if alpha[i] == 0 {
                        if g > pgMaxOld { activeSize -= 1; index.swapAt(s, activeSize); continue }
                        if g < 0 { pg = g }
                    } else if alpha[i] == upper {
                        if g < pgMinOld { activeSize -= 1; index.swapAt(s, activeSize); continue }
                        if g > 0 { pg = g }
                    } else {
                        pg = g
                    }
                    pgMax = max(pgMax, pg); pgMin = min(pgMin, pg)
                    if abs(pg) > 1e-12 {
                        let old = alpha[i]
                        alpha[i] = min(max(old - g / qd[i], 0), upper)
                        let step = (alpha[i] - old) * yi
                        CPULoops.axpySequential(step, xi, wp, count: d)
                        b += step
                    }
                    s += 1
                }
                epochs += 1
                if pgMax == -Float.infinity { pgMax = 0; pgMin = 0 }
                let spread = Double(pgMax - pgMin)
                gap = spread
                if spread <= Double(eps) {
                    if activeSize == n { converged = true; break }
                    activeSize = n; pgMaxOld = .infinity; pgMinOld = -.infinity
                    continue
                }
                pgMaxOld = pgMax <= 0 ? .infinity : pgMax
                pgMinOld = pgMin >= 0 ? -.infinity : pgMin
            }
        }
        return Result(weights: w, bias: b, alpha: alpha, epochs: epochs, gap: gap, converged: converged)
    }
}
