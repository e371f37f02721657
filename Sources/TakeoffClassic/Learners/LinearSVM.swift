import Foundation
import TakeoffData
import TakeoffEngine

/// `linear-svm`: an L2-regularised linear SVM per class (one-vs-rest). The squared hinge (the default) is
/// minimised in the primal by ``LBFGS`` on ``OneVsRestSquaredHinge``, all classes in one pass over the rows,
/// to a gradient-norm tolerance; the hinge, which has no gradient, in the dual by ``DualCoordinateDescent``,
/// the classes in parallel. The primal reads the rows once per evaluation for all K classes, where the dual
/// reads them once per epoch for each class (LIBLINEAR also suggests the primal when m ≫ d); BENCHMARKS.md,
/// "Choosing C at large m", has the fit times.
public struct LinearSVM: Learner {
    /// Fixed regularisation; nil picks C from ``grid`` by validation inside the training set (see ``RegularisationSearch``).
    public var C: Double?
    public var grid: [Double] = [0.001, 0.01, 0.1, 1]
    public var loss: DualCoordinateDescent.Loss = .squaredHinge
    /// The squared hinge: ‖∇f‖∞ of the primal (``OneVsRestSquaredHinge``) at which L-BFGS stops; the hinge:
    /// the dual's projected-gradient spread (``DualCoordinateDescent/tolerance``).
    public var tolerance = 1e-4
    /// L-BFGS iterations (squared hinge) or dual epochs (hinge) before stopping unconverged.
    public var maxEpochs = 1000

    public init(C: Double? = nil, loss: DualCoordinateDescent.Loss = .squaredHinge, tolerance: Double = 1e-4, maxEpochs: Int = 1000) {
        self.C = C
        self.loss = loss
        self.tolerance = tolerance
        self.maxEpochs = maxEpochs
    }

    public var name: String { Self.declaration.name }
    public var configuration: [String: String] {
        ["C": RegularisationSearch.describe(C: C, grid: grid),
         "loss": loss.rawValue, "tolerance": "\(tolerance)", "max_epochs": "\(maxEpochs)",
         "solver": loss == .squaredHinge ? "primal-lbfgs" : "dual-cd"]
    }

    /// Where a fit starts: the primal parameters (W then b, any rows) or each class's duals (one α per row
    /// of the same rows), as the previous fit on the same rows ended.
    enum Start {
        case primal([Double])
        case dual([[Float]])
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        let start = Benchmarks.now()
        var statistics: [String: Double] = [:]
        let c: Double
        var primalAt: [Double: [Double]] = [:]
        if let C { c = C } else {
            // Each fit starts from the previous C's solution on the same part (fewer steps to the same optimum);
            // the final fit from the chosen C's primal solution, which is a point for any rows.
            var previous: [Int: Start] = [:]
            let search = try RegularisationSearch.choose(from: grid, on: train, seed: seed) { part, index, c in
                let fitted = try fit(part, C: c, seed: seed, from: previous[index])
                previous[index] = fitted.end
                if case let .primal(x) = fitted.end { primalAt[c] = x }
                return fitted.model
            }
            c = search.C
            for (g, a) in zip(grid, search.accuracies) { statistics["validation_accuracy_C=\(g)"] = a }
        }
        var model = try fit(train, C: c, seed: seed, from: primalAt[c].map(Start.primal)).model
        model.statistics.merge(statistics) { a, _ in a }
        model.statistics["fit_seconds"] = Benchmarks.now() - start
        return model
    }

    /// Fits with regularisation `C`, no search.
    public func fit(_ train: Dataset, C: Double, seed: UInt64) throws -> LinearSVMModel {
        try fit(train, C: C, seed: seed, from: nil).model
    }

    /// Fits with regularisation `C` from `start`, returning where the solver ended (a start for another C).
    func fit(_ train: Dataset, C: Double, seed: UInt64, from start: Start?) throws -> (model: LinearSVMModel, end: Start) {
        switch loss {
        case .squaredHinge:
            guard case let .primal(x)? = start else { return try fitPrimal(train, C: C, start: nil) }
            return try fitPrimal(train, C: C, start: x)
        case .hinge:
            guard case let .dual(alpha)? = start, alpha.first?.count == train.count else {
                let r = try fitWithDuals(train, C: C, seed: seed)
                return (r.model, .dual(r.duals.map(\.alpha)))
            }
            let r = try fitWithDuals(train, C: C, seed: seed, start: alpha)
            return (r.model, .dual(r.duals.map(\.alpha)))
        }
    }

    /// The squared hinge in the primal, from `start` (W then b) or zero.
    func fitPrimal(_ train: Dataset, C: Double, start: [Double]?) throws -> (model: LinearSVMModel, end: Start) {
        try check(train, C: C)
        let objective = OneVsRestSquaredHinge(features: train.features, labels: train.labels, classCount: train.classCount, C: C)
        let solver = LBFGS(gradientTolerance: tolerance, maxIterations: maxEpochs)
        let zero = [Double](repeating: 0, count: objective.dimension)
        let r = solver.minimize(objective, from: start?.count == objective.dimension ? start! : zero)
        guard r.stop != .notFinite, r.x.allSatisfy(\.isFinite) else {
            throw TrainingError.diverged(learner: name, detail: "objective not finite after \(r.iterations) iterations")
        }
        let d = train.featureCount, k = train.classCount
        let model = LinearSVMModel(
            weights: Tensor(r.x[0..<(d * k)].map { Float($0) }, shape: [d, k]),
            bias: Tensor(r.x[(d * k)...].map { Float($0) }, shape: [k]),
            statistics: ["C": C, "tolerance": tolerance, "objective": r.value, "gradient_norm": r.gradientNorm,
                         "iterations": Double(r.iterations), "evaluations": Double(r.evaluations),
                         "converged_classes": r.converged ? Double(k) : 0])
        return (model, .primal(r.x))
    }

    /// Fits with regularisation `C` in the dual, whatever the loss, and returns each class's dual solution too
    /// (for checking optimality, or as the `start` of a fit at another C on the same rows: one α per row for
    /// each class).
    public func fitWithDuals(_ train: Dataset, C: Double, seed: UInt64, start: [[Float]]? = nil) throws -> (model: LinearSVMModel, duals: [DualCoordinateDescent.Result]) {
        try check(train, C: C)
        let n = train.count, d = train.featureCount, k = train.classCount
        let solver = DualCoordinateDescent(loss: loss, C: C, tolerance: tolerance, maxEpochs: maxEpochs)
        let norms = Dense.rowNorms(train.features.pointer, n: n, d: d)
        let root = RandomGenerator(seed: seed)
        var results = [DualCoordinateDescent.Result?](repeating: nil, count: k)
        let x = train.features, labels = train.labels
        results.withUnsafeMutableBufferPointer { buf in
            let out = UncheckedSendable(buf.baseAddress!)
            Parallel.forEach(k) { c in
                var rng = root.fork(UInt64(c))
                let y = labels.map { $0 == c ? Float(1) : -1 }
                out.value[c] = solver.solve(x: x.pointer, n: n, d: d, y: y, squaredNorms: norms, start: start?[c], rng: &rng)
            }
        }
        let duals = results.map { $0! }
        let weights = Tensor.zeros([d, k]), bias = Tensor.zeros([k])
        for (c, r) in duals.enumerated() {
            guard r.weights.allSatisfy(\.isFinite), r.bias.isFinite else {
                throw TrainingError.diverged(learner: name, detail: "class \(c) weights not finite")
            }
            for j in 0..<d { weights.pointer[j * k + c] = r.weights[j] }
            bias.pointer[c] = r.bias
        }
        let epochs = duals.map { Double($0.epochs) }
        let model = LinearSVMModel(weights: weights, bias: bias, statistics: [
            "C": C, "tolerance": tolerance, "epochs_max": epochs.max() ?? 0, "epochs_mean": epochs.reduce(0, +) / Double(max(k, 1)),
            "gap_max": duals.map(\.gap).max() ?? 0, "converged_classes": Double(duals.filter(\.converged).count),
            "support_vectors": Double(duals.map { $0.alpha.filter { $0 > 0 }.count }.reduce(0, +)),
        ])
        return (model, duals)
    }

    private func check(_ train: Dataset, C: Double) throws {
        guard C > 0, C.isFinite else { throw ClassicError.invalidOption(option: "C", value: "\(C)", reason: "must be positive") }
        guard train.count > 0 else { throw TrainingError.unsuitableData(learner: name, reason: "empty training set") }
    }
}

/// A fitted one-vs-rest linear SVM; scores are the decision values x·wₖ + bₖ.
public struct LinearSVMModel: TrainedModel {
    /// [d, K].
    public var weights: Tensor
    /// [K].
    public var bias: Tensor
    public var statistics: [String: Double]

    public var learnerName: String { LinearSVM.declaration.name }
    public var classCount: Int { bias.count }
    public var parameterCount: Int { weights.count + bias.count }
    public var givesProbabilities: Bool { false }

    public func scores(_ features: Tensor) -> Tensor {
        let d = weights.shape[0], k = classCount
        precondition(features.rank == 2 && features.shape[1] == d,
                     "LinearSVMModel.scores: features \(features.shape) but the model has \(d) features")
        let n = features.shape[0]
        let out = Tensor(uninitializedShape: [n, k])
        for i in 0..<n { (out.pointer + i * k).update(from: bias.pointer, count: k) }
        BLAS.sgemm(m: n, n: k, k: d, a: features.pointer, lda: d, b: weights.pointer, ldb: k, beta: 1, c: out.pointer, ldc: k)
        return out
    }
}
