import Foundation
import TakeoffData
import TakeoffEngine

/// `linear-svm`: an L2-regularised linear SVM per class (one-vs-rest), squared hinge (the default) or hinge,
/// solved in the dual by ``DualCoordinateDescent``, the classes in parallel. (The primal by L-BFGS reaches the same
/// weights but takes 2.9× as long at m = 24,000: BENCHMARKS.md, "Choosing C at large m".)
public struct LinearSVM: Learner {
    /// Fixed regularisation; nil picks C from ``grid`` by validation inside the training set (see ``RegularisationSearch``).
    public var C: Double?
    public var grid: [Double] = [0.001, 0.01, 0.1, 1]
    public var loss: DualCoordinateDescent.Loss = .squaredHinge
    /// The dual's projected-gradient spread at which it stops (``DualCoordinateDescent/tolerance``).
    public var tolerance = 1e-4
    /// Dual epochs before stopping unconverged.
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
         "solver": "dual-cd"]
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        let start = Benchmarks.now()
        var statistics: [String: Double] = [:]
        let c: Double
        if let C { c = C } else {
            // Each fit starts from the previous C's duals on the same part (fewer epochs to the same optimum).
            var previous: [Int: [[Float]]] = [:]
            let search = try RegularisationSearch.choose(from: grid, on: train, seed: seed) { part, index, c in
                let fitted = try fitWithDuals(part, C: c, seed: seed, start: previous[index])
                previous[index] = fitted.duals.map(\.alpha)
                return fitted.model
            }
            c = search.C
            for (g, a) in zip(grid, search.accuracies) { statistics["validation_accuracy_C=\(g)"] = a }
        }
        var model = try fitWithDuals(train, C: c, seed: seed).model
        model.statistics.merge(statistics) { a, _ in a }
        model.statistics["fit_seconds"] = Benchmarks.now() - start
        return model
    }

    /// Fits with regularisation `C`, no search.
    public func fit(_ train: Dataset, C: Double, seed: UInt64) throws -> LinearSVMModel {
        try fitWithDuals(train, C: C, seed: seed).model
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
