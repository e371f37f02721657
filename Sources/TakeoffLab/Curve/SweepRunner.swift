import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// Runs a ``SweepPlan``: one cell at a time with all of ``Parallel/threadCount`` threads, or ``workers``
/// cells at once (the caller sets ``Parallel/threadCount`` so that workers × threads fit the cores; on a
/// small machine one worker with every core is best).
///
/// Cells already in the store are reused. The next cell is the cheapest predicted one among each
/// (learner, seed)'s smallest unfinished size, so costs are extrapolated from measured sizes only; repeat
/// seeds count as dearer, so curves reach large m before they get their spread. With a budget, a cell
/// whose predicted cost (times ``budgetMargin``) would overrun it is skipped, with its learner's larger sizes.
public final class SweepRunner {
    public let plan: SweepPlan
    public let split: TrainTestSplit
    public let store: ResultStore
    /// Wall-clock seconds the run may take; nil for no limit.
    public var budget: Double?
    /// Stop after running this many new cells (the rest are left for a later run, as after a kill);
    /// 0 runs none and reports what the store holds.
    public var cellLimit: Int?
    /// Receives one line per finished or skipped cell.
    public var log: ((String) -> Void)?
    /// Draws an overall bar with ETA on standard error.
    public var showProgress = false
    /// Cells trained at the same time, each from a different (learner, seed) curve.
    public var workers = 1

    /// What a run did.
    public struct Outcome: Sendable {
        /// One result per cell of the plan that is stored or was skipped, in plan order.
        public var results: [CellResult]
        /// Cells trained in this run.
        public var ran: Int
        /// Cells found in the store.
        public var reused: Int
        /// Whether every cell is stored or skipped (false when ``cellLimit`` stopped the run).
        public var complete: Bool
        public var seconds: Double
    }

    public init(plan: SweepPlan, split: TrainTestSplit, store: ResultStore) {
        self.plan = plan
        self.split = split
        self.store = store
    }

    public func run() throws -> Outcome {
        let start = Benchmarks.now()
        let cells = plan.cells
        let planned = Set(cells)
        var results = try store.results(dataset: plan.dataset).filter { planned.contains($0.key) }
        let reused = results.count
        var cost = CostModel()
        for r in results.values {
            if let f = r.fitSeconds { cost.add(learner: r.key.configuration, m: r.key.m, seconds: f + (r.predictSeconds ?? 0)) }
        }
        var pending = cells.filter { results[$0] == nil }
        let learnerIndex = Dictionary(uniqueKeysWithValues: plan.learners.enumerated().map { ($1.configuration, $0) })
        let seedRank = Dictionary(uniqueKeysWithValues: plan.seeds.enumerated().map { ($1, $0) })
        var orders: [UInt64: NestedSubsets] = [:]
        let bar = showProgress ? ProgressBar(total: 1000, label: "curve") : nil
        let interactive = isatty(2) == 1
        let total = cells.count
        var ran = 0

        func remainingEstimate(_ elapsed: Double) -> Double {
            let r = pending.map { cost.predict(learner: $0.configuration, m: $0.m) ?? 1 }.reduce(0, +)
            return budget.map { min(r, max(0, $0 - elapsed)) } ?? r
        }
        func emit(_ line: String) {
            log?(line)
            if let bar {
                let elapsed = Benchmarks.now() - start
                let rest = remainingEstimate(elapsed)
                bar.update(Int(1000 * elapsed / max(elapsed + rest, 1e-9)), status: "\(results.count)/\(total) cells", force: interactive)
            }
        }

        while !pending.isEmpty {
            if let limit = cellLimit, ran >= limit { break }
            // The smallest pending size of each (learner, seed) is eligible; the cheapest predicted goes first,
            // with a repeat seed counted (rank + 1)² times dearer, so a curve reaches larger m before it gets its spread.
            var smallest: [String: Int] = [:]
            for c in pending { smallest["\(c.configuration)#\(c.seed)"] = min(smallest["\(c.configuration)#\(c.seed)"] ?? .max, c.m) }
            let eligible = pending.filter { smallest["\($0.configuration)#\($0.seed)"] == $0.m }
            let ranked = eligible.sorted { a, b in
                let pa = cost.predict(learner: a.configuration, m: a.m) ?? 0, pb = cost.predict(learner: b.configuration, m: b.m) ?? 0
                let ra = seedRank[a.seed]!, rb = seedRank[b.seed]!
                return (pa * Double((ra + 1) * (ra + 1)), ra, a.m, learnerIndex[a.configuration]!)
                    < (pb * Double((rb + 1) * (rb + 1)), rb, b.m, learnerIndex[b.configuration]!)
            }
            let elapsed = Benchmarks.now() - start
            if let budget, let over = ranked.prefix(workers).first(where: { next in
                // Cells cannot be stopped once started, so the prediction is taken with a margin.
                elapsed >= budget || elapsed + (cost.predict(learner: next.configuration, m: next.m) ?? 0) * Self.budgetMargin > budget
            }) {
                let predicted = (cost.predict(learner: over.configuration, m: over.m) ?? 0) * Self.budgetMargin
                let reason = elapsed >= budget ? "the budget was used up"
                    : String(format: "predicted %.1f s (with margin) but %.1f s of the budget left", predicted, budget - elapsed)
                let dropped = pending.filter { $0.configuration == over.configuration && $0.m >= over.m }
                for key in dropped { results[key] = CellResult(key: key, status: .skippedBudget, error: reason) }
                pending.removeAll { $0.configuration == over.configuration && $0.m >= over.m }
                emit("\(over.learner) m=\(over.m)\(dropped.count > 1 ? " and larger" : ""): skipped-budget (\(reason), \(dropped.count) cells)")
                continue
            }
            let batch = Array(ranked.prefix(Swift.min(workers, cellLimit.map { $0 - ran } ?? workers)))
            for key in batch where orders[key.seed] == nil { orders[key.seed] = NestedSubsets(pool: split.train, seed: key.seed) }
            let jobs = batch.map { key in (key, plan.learners[learnerIndex[key.configuration]!].learner, orders[key.seed]!.indices(key.m)) }
            var finished = [CellResult?](repeating: nil, count: jobs.count)
            if jobs.count == 1 {
                finished[0] = Self.runCell(jobs[0].0, learner: jobs[0].1, split: split, indices: jobs[0].2)
            } else {
                finished.withUnsafeMutableBufferPointer { out in
                    let slots = UncheckedSendable(out.baseAddress!), work = UncheckedSendable(jobs), data = UncheckedSendable(split)
                    DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
                        let (key, learner, indices) = work.value[i]
                        slots.value[i] = Self.runCell(key, learner: learner, split: data.value, indices: indices)
                    }
                }
            }
            for case let result? in finished {
                let key = result.key
                try store.record(result)
                results[key] = result
                pending.removeAll { $0 == key }
                ran += 1
                if let f = result.fitSeconds { cost.add(learner: key.configuration, m: key.m, seconds: f + (result.predictSeconds ?? 0)) }
                emit(Self.describe(result))
            }
        }
        bar?.finish(status: "\(results.count)/\(total) cells, \(ran) run, \(reused) from the store")
        return Outcome(results: cells.compactMap { results[$0] }, ran: ran, reused: reused, complete: pending.isEmpty,
                       seconds: Benchmarks.now() - start)
    }

    /// Safety factor on predicted cell times when checking the budget: fit times vary with early stopping and load.
    public static let budgetMargin = 1.5

    /// Trains `learner` on the pool rows `indices` (preprocessing fitted on them) and evaluates it on the test set.
    static func runCell(_ key: CellKey, learner: any Learner, split: TrainTestSplit, indices: [Int]) -> CellResult {
        let subset = split.train.subset(indices, name: "\(split.train.name)[m=\(key.m),seed=\(key.seed)]")
        let (train, test, _) = split.prepared(subset)
        do {
            let fitStart = Benchmarks.now()
            let model = try learner.fit(train, seed: key.seed)
            let fitSeconds = Benchmarks.now() - fitStart
            let predictStart = Benchmarks.now()
            let scores = model.scores(test.features)
            let predictSeconds = Benchmarks.now() - predictStart
            let metrics = try Metrics(scores: scores, labels: test.labels, probabilities: model.givesProbabilities)
            return CellResult(key: key, status: .ok, accuracy: metrics.accuracy, logLoss: metrics.logLoss.flatMap { $0.isFinite ? $0 : nil },
                              fitSeconds: fitSeconds, predictSeconds: predictSeconds, parameters: model.parameterCount)
        } catch let e as GPUError {
            if case .stopped = e { return CellResult(key: key, status: .gpuFailed, error: e.description) }
            return CellResult(key: key, status: .failed, error: e.description)
        } catch let e as NonFiniteScores {
            // NaN scores from a network on a GPU that failed while scoring are the GPU's failure, not divergence.
            if (learner as? NeuralLearner)?.device == .cuda {
                do { try GPU.throwIfFailed() } catch { return CellResult(key: key, status: .gpuFailed, error: "\(error)") }
            }
            return CellResult(key: key, status: .diverged, error: e.description)
        } catch let e as TrainingError {
            if case .diverged = e { return CellResult(key: key, status: .diverged, error: e.description) }
            return CellResult(key: key, status: .failed, error: e.description)
        } catch {
            return CellResult(key: key, status: .failed, error: "\(error)")
        }
    }

    /// One line for a finished cell, e.g. `mlp-small m=1000 seed 1: ok 84.12% (fit 3.2 s)`.
    public static func describe(_ r: CellResult) -> String {
        let head = "\(r.key.learner) m=\(r.key.m) seed \(r.key.seed): \(r.status.rawValue)"
        switch r.status {
        case .ok:
            return head + String(format: " %.2f%% (fit %.2f s, predict %.2f s)", (r.accuracy ?? 0) * 100, r.fitSeconds ?? 0, r.predictSeconds ?? 0)
        default:
            return head + (r.error.map { " — \($0)" } ?? "")
        }
    }
}
