import Foundation
import TakeoffData
import TakeoffEngine

/// `sparse-logreg`: binary logistic regression with an L2 penalty on categorical fields hashed into
/// ``buckets`` sparse features (the hashing trick with field-aware buckets, ``FieldHasher``), minimised to a
/// gradient-norm tolerance by ``LBFGS`` on ``SparseBinaryLogistic``: the industry baseline for click
/// prediction. No dense matrix is built: the solver works over the buckets the training rows use (a few
/// thousand on MovieLens, at most rows × fields), and the model keeps one weight per bucket.
public struct SparseLogisticRegression: Learner {
    /// Fixed regularisation; nil picks C from ``grid`` by validation inside the training set (``RegularisationSearch``).
    public var C: Double?
    /// Rows of one-hot fields have ‖x‖² = the number of fields (about 10); ``LogisticRegression``'s grid, tuned on
    /// ‖x‖² ≈ 157, moved by the same rule (``RegularisationSearch/scaled(_:to:)``) lands here.
    public var grid: [Double] = [0.01, 0.1, 1, 10]
    /// Hash buckets: 2²⁰, about 10⁶ weights (8 MB in Double) however many distinct values a field has.
    public var buckets = 1 << 20
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
        ["C": RegularisationSearch.describe(C: C, grid: grid), "buckets": "\(buckets)", "hashing": "fnv1a64-field-aware",
         "tolerance": "\(tolerance)", "max_iterations": "\(maxIterations)", "solver": "lbfgs"]
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        let start = Benchmarks.now()
        try Self.declaration.check(train)
        guard train.classCount == 2 else {
            throw TrainingError.unsuitableData(learner: name, reason: "\(train.name) has \(train.classCount) classes; \(name) separates two (clicked or not)")
        }
        var statistics: [String: Double] = [:]
        let c: Double
        var solutions: [Double: [Double]] = [:]
        if let C { c = C } else {
            // Warm starts as in LogisticRegression: each fit from the one before (the grid ascends).
            var previous: [Double]?
            let search = try RegularisationSearch.choose(from: grid.sorted(), on: train, seed: seed) { part, c in
                let m = try fit(part, C: c, start: previous)
                previous = m.parameters
                solutions[c] = previous
                return m
            }
            c = search.C
            for (g, a) in zip(grid.sorted(), search.accuracies) { statistics["validation_accuracy_C=\(g)"] = a }
        }
        var model = try fit(train, C: c, start: solutions[c])
        model.statistics.merge(statistics) { a, _ in a }
        model.statistics["fit_seconds"] = Benchmarks.now() - start
        return model
    }

    /// Fits with regularisation `C`, no search, starting from `start` (``SparseLogisticModel/parameters``) or zero.
    public func fit(_ train: Dataset, C: Double, start: [Double]? = nil) throws -> SparseLogisticModel {
        guard C > 0, C.isFinite else { throw ClassicError.invalidOption(option: "C", value: "\(C)", reason: "must be positive") }
        guard let fields = train.categorical else {
            throw TrainingError.unsuitableData(learner: name, reason: "\(train.name) has no categorical fields to hash (\(name) learns from a click log's user, item, …)")
        }
        guard train.count > 0 else { throw TrainingError.unsuitableData(learner: name, reason: "empty training set") }
        let hasher = try FieldHasher(dimension: buckets)
        // Solved over the buckets the rows use (the others' weights stay at zero), then laid out over all of them.
        let (rows, used) = fields.hashed(into: hasher).compacted()
        let objective = SparseBinaryLogistic(rows: rows, labels: train.labels, C: C)
        var x0 = [Double](repeating: 0, count: objective.dimension)
        if let start, start.count == buckets + 1 {
            for (k, c) in used.enumerated() { x0[k] = start[Int(c)] }
            x0[used.count] = start[buckets]
        }
        let r = LBFGS(gradientTolerance: tolerance, maxIterations: maxIterations).minimize(objective, from: x0)
        guard r.stop != .notFinite, r.x.allSatisfy(\.isFinite) else {
            throw TrainingError.diverged(learner: name, detail: "objective not finite after \(r.iterations) iterations")
        }
        var weights = [Float](repeating: 0, count: buckets)
        for (k, c) in used.enumerated() { weights[Int(c)] = Float(r.x[k]) }
        return SparseLogisticModel(
            weights: Tensor(weights, shape: [buckets]), bias: Float(r.x[used.count]), fields: fields.names,
            statistics: ["C": C, "objective": r.value, "gradient_norm": r.gradientNorm, "iterations": Double(r.iterations),
                         "evaluations": Double(r.evaluations), "converged": r.converged ? 1 : 0, "tolerance": tolerance,
                         "buckets_used": Double(used.count)])
    }
}

/// A fitted ``SparseLogisticRegression``: P(class 1) = σ(Σ_fields w[bucket(field, value)] + b).
public struct SparseLogisticModel: TrainedModel {
    /// One weight per hash bucket, [buckets].
    public var weights: Tensor
    public var bias: Float
    /// The categorical fields it reads, by name.
    public var fields: [String]
    public var statistics: [String: Double]

    public var learnerName: String { SparseLogisticRegression.declaration.name }
    public var classCount: Int { 2 }
    /// It reads no dense features.
    public var featureCount: Int { 0 }
    public var parameterCount: Int { weights.count + 1 }
    public var categoricalFields: [String] { fields }
    public var givesProbabilities: Bool { true }
    /// w then b, as ``SparseBinaryLogistic`` lays them out.
    public var parameters: [Double] { weights.scalars.map(Double.init) + [Double(bias)] }

    /// It scores categorical fields, which dense features do not carry: use ``scores(on:)``.
    public func scores(_ features: Tensor) -> Tensor {
        preconditionFailure("\(learnerName) scores a data set's categorical fields, not dense features: call scores(on:)")
    }

    /// [n, 2] probabilities of not clicked and clicked. Stops with a message naming the field when `data` lacks one it was trained on.
    public func scores(on data: Dataset) -> Tensor {
        guard let given = data.categorical else { return scores(data.features) }
        let columns = fields.map { name -> Int in
            guard let j = given.names.firstIndex(of: name) else {
                preconditionFailure("\(learnerName): \(data.name) has no field '\(name)' (it has \(given.names.joined(separator: ", ")))")
            }
            return j
        }
        let hasher = try! FieldHasher(dimension: weights.count)  // the weights' count is a valid dimension
        let tables = columns.map { given.buckets(field: $0, hasher: hasher) }
        let out = Tensor(uninitializedShape: [data.count, 2])
        let w = weights.pointer, o = out.pointer, f = given.fieldCount
        for r in 0..<data.count {
            var z = bias
            for (k, j) in columns.enumerated() { z += w[Int(tables[k][Int(given.codes[r * f + j])])] }
            let p = 1 / (1 + Foundation.exp(-z))
            o[2 * r] = 1 - p
            o[2 * r + 1] = p
        }
        return out
    }

    /// Writes the weights, bias and field names to a safetensors file.
    public func save(to url: URL) throws {
        try ClassicModelFile.write(["weights": weights, "bias": Tensor([bias], shape: [1])], learner: learnerName,
                                   extra: ["fields": fields.joined(separator: "\t")], statistics: statistics, to: url)
    }
}
