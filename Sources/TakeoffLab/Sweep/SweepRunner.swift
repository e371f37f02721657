import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// Runs a ``SweepPlan``: reuses the cells already in the store, asks a ``SweepSchedule`` which cell
/// goes next (figure first, within the budget), has a ``CellExecutor`` train it (in this process, or
/// on MPI ranks) and commits each result to the store the moment it arrives, so a killed run loses only
/// the cells in flight.
public final class SweepRunner {
    public let plan: SweepPlan
    /// What trains a cell (used when no ``executor`` is given).
    public let work: any CellWork
    public let store: ResultStore
    /// Wall-clock seconds the run may take; nil for no limit.
    public var budget: Double?
    /// Stop after running this many new cells (the rest are left for a later run, as after a kill);
    /// 0 runs none and reports what the store holds.
    public var cellLimit: Int?
    /// Receives one line per finished cell (and per skipped cell with ``logsSkippedCells``).
    public var log: ((String) -> Void)?
    /// Whether ``log`` also gets a line for each group of cells skipped at the budget; otherwise the outcome's
    /// closing lines sum them up per learner.
    public var logsSkippedCells = false
    /// What a finished cell's line reports: the sweep's metric.
    public var metric = CurveMetric.accuracy
    /// Draws an overall bar with ETA on standard error.
    public var showProgress = false
    /// The bar's label (the command that runs the sweep).
    public var progressLabel = "curve"
    /// Threads, and cells trained at once in this process (ignored by an ``executor`` given explicitly).
    public var compute: Compute
    /// Where cells train; nil trains them in this process with ``compute``.
    public var executor: CellExecutor?
    /// Called after each finished or skipped cell with the grid's cells by status and the predicted seconds left.
    public var progress: ((_ cells: [String: Int], _ remainingSeconds: Double) -> Void)?

    /// What a run did.
    public struct Outcome: Sendable {
        /// One result per cell of the plan that is stored or was skipped, in plan order.
        public var results: [CellResult]
        /// Cells trained in this run.
        public var ran: Int
        /// Cells found in the store.
        public var reused: Int
        /// Whether every cell of the plan has a stored result (false when the budget or ``cellLimit`` left some out).
        public var complete: Bool
        public var seconds: Double
        /// Predicted seconds (one worker) to train the cells still missing; 0 when complete.
        public var remainingSeconds: Double
    }

    public init(plan: SweepPlan, work: any CellWork, store: ResultStore, compute: Compute? = nil) {
        self.plan = plan
        self.work = work
        self.store = store
        self.compute = compute ?? (try! Compute(threads: Parallel.threadCount, workers: 1))
    }

    /// A runner of a curve's cells: `plan`'s learners on nested subsets of `split`.
    public convenience init(plan: SweepPlan, split: TrainTestSplit, store: ResultStore, compute: Compute? = nil) {
        self.init(plan: plan, work: CellEvaluator(plan: plan, split: split), store: store, compute: compute)
    }

    public func run() throws -> Outcome {
        let start = Benchmarks.now()
        let planned = Set(plan.cells)
        let stored = try store.results(dataset: plan.dataset).filter { planned.contains($0.key) }
        var schedule = SweepSchedule(plan: plan, stored: stored, budget: budget)
        let executor = self.executor ?? LocalCells(work: work, compute: compute)
        let bar = showProgress ? ProgressBar(total: 1000, label: progressLabel) : nil
        let interactive = isatty(2) == 1
        let total = plan.cells.count
        var (ran, started) = (0, 0)

        func emit(_ line: String?) {
            if let line { log?(line) }
            if let progress {
                let rest = schedule.remainingSeconds / Double(executor.slots)
                progress(schedule.results.values.statusCounts,
                         budget.map { min(rest, max(0, $0 - (Benchmarks.now() - start))) } ?? rest)
            }
            if let bar {
                let elapsed = Benchmarks.now() - start
                let rest = budget.map { min(schedule.remainingSeconds, max(0, $0 - elapsed)) } ?? schedule.remainingSeconds
                bar.update(Int(1000 * elapsed / max(elapsed + rest / Double(executor.slots), 1e-9)),
                           status: "\(schedule.results.count)/\(total) cells", force: interactive)
            }
        }

        while true {
            // Fill every free slot, then wait for a result.
            filling: while started - ran < executor.slots, cellLimit.map({ started < $0 }) ?? true {
                switch schedule.next(elapsed: Benchmarks.now() - start) {
                case let .run(key):
                    let allowed = budget.map { max(0, $0 - (Benchmarks.now() - start)) + Self.overrun(budget: $0) }
                    try executor.start(CellJob(key: key, learner: schedule.learner(of: key), secondsAllowed: allowed))
                    started += 1
                case let .skip(keys, reason):
                    let first = keys[0]
                    emit(logsSkippedCells ? "\(first.learner) m=\(first.m)\(keys.count > 1 ? " and larger" : "") seed \(first.seed): skipped-budget (\(reason), \(keys.count) cells)" : nil)
                case .wait, .done:
                    break filling
                }
            }
            if started == ran { break }
            let result = try executor.finished()
            try store.record(result)
            schedule.finished(result)
            ran += 1
            emit(Self.describe(result, metric: metric))
        }
        let results = plan.cells.compactMap { schedule.results[$0] }
        let complete = results.count == total && results.allSatisfy(\.status.isStored)
        bar?.finish(status: "\(results.count)/\(total) cells, \(ran) run, \(stored.count) from the store")
        return Outcome(results: results, ran: ran, reused: stored.count, complete: complete, seconds: Benchmarks.now() - start,
                       remainingSeconds: complete ? 0 : schedule.remainingSeconds)
    }

    /// Safety factor on predicted cell times when checking the budget: fit times vary with early stopping and load.
    public static let budgetMargin = 1.5

    /// How far past the end of `budget` seconds a started cell may run before it is stopped and reported
    /// ``CellStatus/cutBudget``: 5% of the budget, at least a second.
    public static func overrun(budget: Double) -> Double { max(1, 0.05 * budget) }

    /// One line for a finished cell in `metric`, e.g. `mlp-small m=1000 seed 1: ok 84.12% (fit 3.20 s, predict 0.01 s)`
    /// or `logreg m=600 seed 0: ok ROC AUC 0.6012 (…)`.
    public static func describe(_ r: CellResult, metric: CurveMetric = .accuracy) -> String {
        let head = "\(r.key.learner) m=\(r.key.m) seed \(r.key.seed): \(r.status.rawValue)"
        switch r.status {
        case .ok:
            let score = metric.score(r).map { (metric == .accuracy ? "" : metric.name + " ") + metric.text(ofScore: $0, digits: metric == .accuracy ? 2 : 4) }
                ?? "(no \(metric.name))"
            return head + " " + score + String(format: " (fit %.2f s, predict %.2f s)", r.fitSeconds ?? 0, r.predictSeconds ?? 0)
        default:
            return head + (r.error.map { " — \($0)" } ?? "")
        }
    }
}
