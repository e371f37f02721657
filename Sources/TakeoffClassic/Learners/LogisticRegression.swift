import Foundation
import TakeoffData
import TakeoffEngine

/// `logreg`: multinomial logistic regression with an L2 penalty, minimised to a gradient-norm
/// tolerance by ``LBFGS`` on the full ``MultinomialLogistic`` objective.
public struct LogisticRegression: Learner {
    /// Fixed regularisation; nil picks C from ``grid`` by validation inside the training set (see ``RegularisationSearch``),
    /// the grid moved by whole decades to the scale of the data (``RegularisationSearch/scaled(_:to:)``).
    public var C: Double?
    public var grid: [Double] = [0.001, 0.01, 0.1, 1]
    /// ‖∇f‖∞ at which the solver stops.
    public var tolerance = 1e-4
    public var maxIterations = 1000

    public init(C: Double? = nil, tolerance: Double = 1e-4, maxIterations: Int = 1000) {
        self.C = C
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    public var name: String { Self.declaration.name }
    public var configuration: [String: String] {
        ["C": RegularisationSearch.describe(C: C, grid: grid, scaled: true),
         "tolerance": "\(tolerance)", "max_iterations": "\(maxIterations)", "solver": "lbfgs"]
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        let start = Benchmarks.now()
        var statistics: [String: Double] = [:]
        let c: Double
        var solutions: [Double: [Double]] = [:]
        if let C { c = C } else {
            // Each fit starts from the one before: the previous fold at the same C, or the previous C (the grid
            // ascends); the final fit from the chosen C's. (Keeping a regularisation path per fold instead was
            // 2.5x slower at m = 1,500: a fold's optimum at the same C is the closer start.)
            var previous: [Double]?
            let (grid, factor) = RegularisationSearch.scaled(grid.sorted(), to: train)
            statistics["C_grid_factor"] = factor
            let search = try RegularisationSearch.choose(from: grid, on: train, seed: seed) { part, c in
                let m = try fit(part, C: c, start: previous)
                previous = m.parameters
                solutions[c] = previous
                return m
            }
            c = search.C
            for (g, a) in zip(grid, search.accuracies) { statistics["validation_accuracy_C=\(g)"] = a }
        }
        var model = try fit(train, C: c, start: solutions[c])
        model.statistics.merge(statistics) { a, _ in a }
        model.statistics["fit_seconds"] = Benchmarks.now() - start
        return model
    }

    /// Fits with regularisation `C`, no search, starting from `start` (laid out as ``LogisticRegressionModel/parameters``) or zero.
    public func fit(_ train: Dataset, C: Double, start: [Double]? = nil) throws -> LogisticRegressionModel {
        guard C > 0, C.isFinite else { throw ClassicError.invalidOption(option: "C", value: "\(C)", reason: "must be positive") }
        guard train.count > 0 else { throw TrainingError.unsuitableData(learner: name, reason: "empty training set") }
        let objective = MultinomialLogistic(features: train.features, labels: train.labels, classCount: train.classCount, C: C)
        let solver = LBFGS(gradientTolerance: tolerance, maxIterations: maxIterations)
        let zero = [Double](repeating: 0, count: objective.dimension)
        let r = solver.minimize(objective, from: start?.count == objective.dimension ? start! : zero)
        guard r.stop != .notFinite, r.x.allSatisfy(\.isFinite) else {
            throw TrainingError.diverged(learner: name, detail: "objective not finite after \(r.iterations) iterations")
        }
        let d = train.featureCount, k = train.classCount
        return LogisticRegressionModel(
            weights: Tensor(r.x[0..<(d * k)].map { Float($0) }, shape: [d, k]),
            bias: Tensor(r.x[(d * k)...].map { Float($0) }, shape: [k]),
            statistics: ["C": C, "objective": r.value, "gradient_norm": r.gradientNorm, "iterations": Double(r.iterations),
                         "evaluations": Double(r.evaluations), "converged": r.converged ? 1 : 0, "tolerance": tolerance])
    }
}

/// A fitted multinomial logistic regression: softmax(x·W + b).
public struct LogisticRegressionModel: TrainedModel {
    /// [d, K].
    public var weights: Tensor
    /// [K].
    public var bias: Tensor
    public var statistics: [String: Double]

    public var learnerName: String { LogisticRegression.declaration.name }
    public var classCount: Int { bias.count }
    public var parameterCount: Int { weights.count + bias.count }
    public var givesProbabilities: Bool { true }
    /// W row-major then b, as ``MultinomialLogistic`` lays them out.
    public var parameters: [Double] { (weights.scalars + bias.scalars).map(Double.init) }

    public func scores(_ features: Tensor) -> Tensor {
        let d = weights.shape[0], k = classCount
        precondition(features.rank == 2 && features.shape[1] == d,
                     "LogisticRegressionModel.scores: features \(features.shape) but the model has \(d) features")
        let n = features.shape[0]
        let out = Tensor(uninitializedShape: [n, k])
        let o = out.pointer, b = bias.pointer
        BLAS.sgemm(m: n, n: k, k: d, a: features.pointer, lda: d, b: weights.pointer, ldb: k, c: o, ldc: k)
        Parallel.ranges(n, cost: 8 * k) { lo, hi in
            for i in lo..<hi {
                let row = o + i * k
                var top = -Float.infinity
                for j in 0..<k { row[j] += b[j]; top = max(top, row[j]) }
                var total: Float = 0
                for j in 0..<k { row[j] = Foundation.exp(row[j] - top); total += row[j] }
                for j in 0..<k { row[j] /= total }
            }
        }
        return out
    }
}
