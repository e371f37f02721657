import Dispatch
import Foundation
import TakeoffData
import TakeoffEngine

/// `rbf-svm`: a C-SVM with an RBF (or linear, or polynomial) kernel, one binary ``SMO`` problem per
/// pair of classes (one-vs-one) with a ``SVMKernelCache`` of `cacheMB` each, predicting by votes.
public struct KernelSVM: Learner {
    public enum KernelKind: String, Sendable, CaseIterable { case rbf, linear, polynomial }

    /// Fixed regularisation; nil picks C from ``grid`` by validation inside the training set (see ``RegularisationSearch``).
    public var C: Double?
    public var grid: [Double] = [1, 10, 100]
    public var kernel: KernelKind = .rbf
    /// nil: 1 / (d · Var(X)) of the training features.
    public var gamma: Double?
    public var coef0 = 0.0
    public var degree = 3
    public var tolerance = 1e-3
    /// The kernel cache budget per binary problem, in MiB.
    public var cacheMB = 1024
    public var shrinking = true
    /// The kernel memory the binary problems solved side by side may hold together.
    static let concurrentBytes = 4 << 30

    public init(C: Double? = nil, kernel: KernelKind = .rbf, gamma: Double? = nil, tolerance: Double = 1e-3, cacheMB: Int = 1024) {
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.tolerance = tolerance
        self.cacheMB = cacheMB
    }

    public var name: String { Self.declaration.name }
    public var configuration: [String: String] {
        var c = ["C": RegularisationSearch.describe(C: C, grid: grid),
                 "kernel": kernel.rawValue, "gamma": gamma.map { "\($0)" } ?? "scale",
                 "tolerance": "\(tolerance)", "shrinking": "\(shrinking)", "solver": "smo-wss2"]
        if kernel == .polynomial { c["degree"] = "\(degree)"; c["coef0"] = "\(coef0)" }
        return c
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        let start = Benchmarks.now()
        var statistics: [String: Double] = [:]
        let c: Double
        if let C { c = C } else {
            // Each fit starts from the duals of the previous C on the same part (alpha seeding).
            var previous: [Int: [[Double]]] = [:]
            let search = try RegularisationSearch.choose(from: grid, on: train, seed: seed) { part, index, c in
                let fitted = try fitWithDuals(part, C: c, start: previous[index])
                previous[index] = fitted.duals
                return fitted.model
            }
            c = search.C
            for (g, a) in zip(grid, search.accuracies) { statistics["validation_accuracy_C=\(g)"] = a }
        }
        var model = try fit(train, C: c)
        model.statistics.merge(statistics) { a, _ in a }
        model.statistics["fit_seconds"] = Benchmarks.now() - start
        return model
    }

    /// The kernel for `features` (resolving gamma='scale' on them).
    public func resolvedKernel(for features: Tensor) -> SVMKernel {
        let g = gamma.map(Float.init) ?? SVMKernel.scaleGamma(features)
        switch kernel {
        case .rbf: return .rbf(gamma: g)
        case .linear: return .linear
        case .polynomial: return .polynomial(gamma: g, coef0: Float(coef0), degree: degree)
        }
    }

    /// Fits with regularisation `C`, no search.
    public func fit(_ train: Dataset, C: Double) throws -> KernelSVMModel {
        try fitWithDuals(train, C: C).model
    }

    /// Fits with regularisation `C` and returns each class pair's dual solution too (α over the pair's rows:
    /// the lower class's, then the higher's, each in row order; empty for a pair missing a class), which can `start` a fit at
    /// another C on the same rows.
    public func fitWithDuals(_ train: Dataset, C: Double, start: [[Double]]? = nil) throws -> (model: KernelSVMModel, duals: [[Double]]) {
        guard C > 0, C.isFinite else { throw ClassicError.invalidOption(option: "C", value: "\(C)", reason: "must be positive") }
        guard train.count > 0 else { throw TrainingError.unsuitableData(learner: name, reason: "empty training set") }
        let d = train.featureCount, k = train.classCount
        let kernel = resolvedKernel(for: train.features)
        var members = [[Int]](repeating: [], count: k)
        for (i, y) in train.labels.enumerated() { members[y].append(i) }
        let solver = SMO(C: C, tolerance: tolerance, shrinking: shrinking)
        let pairs = (0..<k).flatMap { a in ((a + 1)..<k).map { b in (a: a, b: b) } }
        let pairCount = pairs.count
        // Each problem's SMO runs on one thread; problems run side by side, each with its own kernel storage
        // (within `concurrentBytes` together) and single-threaded kernels, so the result does not depend on it.
        let problemBytes = pairs.map { p -> Int in
            let n = members[p.a].count + members[p.b].count
            return SVMKernelCache.rowsHeld(n: n, budgetBytes: cacheMB << 20) * max(n, 1) * 4
        }.max() ?? 0
        let workers = max(1, min(Parallel.threadCount, pairs.count, Self.concurrentBytes / max(problemBytes, 1)))
        let storages = (0..<workers).map { _ in SVMKernelStorage(capacity: problemBytes / 4) }
        // Per pair: the solution, its support coefficients (training index, yα), and what its cache held.
        typealias Solved = (result: SMO.Result, coefficients: [(Int, Float)], cacheBytes: Int, misses: Int)
        var solved = [Solved?](repeating: nil, count: pairCount)
        solved.withUnsafeMutableBufferPointer { slots in
            let out = UncheckedSendable(slots)
            func solve(_ p: Int, storage: SVMKernelStorage) {
                let (a, b) = pairs[p]
                guard !members[a].isEmpty, !members[b].isEmpty else { return }
                let rows = members[a] + members[b]
                let sub = train.subset(rows)
                let y = rows.indices.map { $0 < members[a].count ? Float(1) : -1 }
                let cache = SVMKernelCache(x: sub.features.pointer, n: rows.count, d: d, kernel: kernel, budgetBytes: cacheMB << 20, storage: storage)
                let r = solver.solve(y: y, cache: cache, start: start?[p])
                let coefficients = r.alpha.indices.compactMap { t in r.alpha[t] > 0 ? (rows[t], y[t] * Float(r.alpha[t])) : nil }
                out.value[p] = (r, coefficients, cache.allocatedBytes, cache.misses)
                withExtendedLifetime(sub) {}
            }
            if workers == 1 {
                for p in pairs.indices { solve(p, storage: storages[0]) }
            } else {
                let work = UncheckedSendable((solve, storages))
                let deadline = Deadline.end
                BLAS.singleThreaded {
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        Deadline.until(deadline) {
                            Parallel.withThreadCount(1) {
                                for p in stride(from: w, to: pairCount, by: workers) { work.value.0(p, work.value.1[w]) }
                            }
                        }
                    }
                }
            }
        }
        var coefficients: [[(Int, Float)]] = []
        var rho: [Float] = []
        var duals: [[Double]] = []
        var iterations = 0.0, worstGap = 0.0, unconverged = 0.0
        for (p, (a, b)) in pairs.enumerated() {
            guard let (r, list, _, _) = solved[p] else {
                coefficients.append([]); rho.append(members[a].isEmpty ? 1 : -1); duals.append([])
                continue
            }
            guard r.rho.isFinite, r.alpha.allSatisfy(\.isFinite) else {
                throw TrainingError.diverged(learner: name, detail: "classes \(a) vs \(b): dual not finite")
            }
            coefficients.append(list)
            rho.append(Float(r.rho))
            duals.append(r.alpha)
            iterations += Double(r.iterations)
            worstGap = max(worstGap, r.gap)
            if !r.converged { unconverged += 1 }
        }
        let peakCache = Double(solved.compactMap { $0?.cacheBytes }.max() ?? 0) * Double(workers)
        let misses = Double(solved.compactMap { $0?.misses }.reduce(0, +))
        let support = Array(Set(coefficients.flatMap { $0.map(\.0) })).sorted()
        var column = [Int: Int]()
        for (s, i) in support.enumerated() { column[i] = s }
        let coef = Tensor.zeros([support.count, pairCount])
        for (p, list) in coefficients.enumerated() {
            for (i, v) in list { coef.pointer[column[i]! * pairCount + p] = v }
        }
        let model = KernelSVMModel(
            kernel: kernel, supportVectors: train.subset(support).features, coefficients: coef,
            rho: Tensor(rho, shape: [pairCount]), classCount: k,
            statistics: ["C": C, "gamma": Double(kernel.gamma), "iterations": iterations, "gap_max": worstGap,
                         "unconverged_pairs": unconverged, "support_vectors": Double(support.count),
                         "cache_bytes_peak": peakCache, "concurrent_problems": Double(workers), "cache_budget_bytes": Double(cacheMB << 20), "cache_misses": misses])
        return (model, duals)
    }
}

extension SVMKernel {
    var gamma: Float {
        switch self {
        case .linear: 0
        case let .rbf(g): g
        case let .polynomial(g, _, _): g
        }
    }
}

/// A fitted one-vs-one kernel SVM. Scores are votes plus a confidence in (−⅓, ⅓) that only breaks ties.
public struct KernelSVMModel: TrainedModel {
    public var kernel: SVMKernel
    /// [nSV, d].
    public var supportVectors: Tensor
    /// yα of each support vector in each pair's problem: [nSV, K(K−1)/2], pairs ordered (0,1), (0,2), …, (1,2), ….
    public var coefficients: Tensor
    /// [K(K−1)/2]: pair p's decision is Σ coef·K(sv, x) − rho[p]; positive votes for the lower class.
    public var rho: Tensor
    public var classCount: Int
    public var statistics: [String: Double]

    public var learnerName: String { KernelSVM.declaration.name }
    public var parameterCount: Int { supportVectors.count + coefficients.count + rho.count }
    public var givesProbabilities: Bool { false }

    /// Pairwise decision values, [n, K(K−1)/2].
    public func decisions(_ features: Tensor) -> Tensor {
        let d = supportVectors.shape[1], nsv = supportVectors.shape[0], pairs = rho.count
        precondition(features.rank == 2 && features.shape[1] == d,
                     "KernelSVMModel: features \(features.shape) but the model has \(d) features")
        let n = features.shape[0], block = 1024
        let out = Tensor(uninitializedShape: [n, pairs])
        for i in 0..<n { (out.pointer + i * pairs).update(from: rho.pointer, count: pairs) }
        if nsv == 0 { CPULoops.map(out.pointer, into: out.pointer, count: out.count, Fn.Affine(scale: -1, shift: 0)); return out }
        let svNorms = Dense.rowNorms(supportVectors.pointer, n: nsv, d: d)
        let tile = Tensor(uninitializedShape: [min(block, n), nsv])
        for r0 in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - r0)
            let x = features.pointer + r0 * d
            let norms = Dense.rowNorms(x, n: rows, d: d)
            kernel.block(a: x, normsA: norms, na: rows, b: supportVectors.pointer, normsB: svNorms, nb: nsv, d: d,
                         into: tile.pointer, ldo: nsv)
            BLAS.sgemm(m: rows, n: pairs, k: nsv, alpha: 1, a: tile.pointer, lda: nsv, b: coefficients.pointer, ldb: pairs,
                       beta: -1, c: out.pointer + r0 * pairs, ldc: pairs)
        }
        return out
    }

    public func scores(_ features: Tensor) -> Tensor {
        let dec = decisions(features)
        let n = dec.shape[0], pairs = rho.count, k = classCount
        let out = Tensor.zeros([n, k])
        var confidence = [Float](repeating: 0, count: k)
        for i in 0..<n {
            let row = out.pointer + i * k, di = dec.pointer + i * pairs
            for j in 0..<k { confidence[j] = 0 }
            var p = 0
            for a in 0..<k {
                for b in (a + 1)..<k {
                    if di[p] > 0 { row[a] += 1 } else { row[b] += 1 }
                    confidence[a] += di[p]; confidence[b] -= di[p]
                    p += 1
                }
            }
            for j in 0..<k { row[j] += confidence[j] / (3 * (abs(confidence[j]) + 1)) }
        }
        return out
    }
}
