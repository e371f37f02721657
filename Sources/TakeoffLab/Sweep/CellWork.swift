import Dispatch
import Foundation
import TakeoffData
import TakeoffEngine

/// A cell to train: its key and the plan's learner for it. Encodable, so it can travel to another process.
public struct CellJob: Sendable, Codable, Equatable {
    public var key: CellKey
    /// The learner's index in ``SweepPlan/learners``.
    public var learner: Int
    /// Seconds the cell may run before it is stopped and reported ``CellStatus/cutBudget``; nil for no limit.
    public var secondsAllowed: Double?

    public init(key: CellKey, learner: Int, secondsAllowed: Double? = nil) {
        (self.key, self.learner, self.secondsAllowed) = (key, learner, secondsAllowed)
    }
}

/// Where a sweep's cells train: in this process (``LocalCells``) or on other MPI ranks. The runner
/// starts up to ``slots`` jobs and collects each result as it comes.
public protocol CellExecutor: AnyObject {
    /// Jobs that can run at once.
    var slots: Int { get }
    /// Starts `job` on a free slot.
    func start(_ job: CellJob) throws
    /// Waits for a started job to finish and returns its result.
    func finished() throws -> CellResult
}

/// What trains one cell of a sweep, the same code in a local worker and on an MPI rank: a learner on a
/// nested subset for a curve or a scaling sweep (``CellEvaluator``), one run of an activation race
/// (``ActivationCells``). A new kind of sweep is a new kind of cell work; the plan, schedule, budget,
/// store and executors are shared.
public protocol CellWork: AnyObject, Sendable {
    /// What every MPI rank must agree on (the data and the grid); a rank that built other work is refused.
    var fingerprint: String { get }
    /// Trains and scores `job`; never throws (failures are the result's status).
    func result(of job: CellJob) -> CellResult
}

extension CellWork {
    /// ``result(of:)`` within the job's time: a cell that runs past ``CellJob/secondsAllowed`` is stopped
    /// (its solver or training loop sees the ``Deadline``) and whatever it reached is discarded.
    public func evaluate(_ job: CellJob) -> CellResult {
        let start = Benchmarks.now()
        let outcome: CellResult = Deadline.within(job.secondsAllowed) { self.result(of: job) }
        let seconds = Benchmarks.now() - start
        guard let allowed = job.secondsAllowed, seconds > allowed, outcome.status != .gpuFailed else { return outcome }
        return CellResult(key: job.key, status: .cutBudget, fitSeconds: seconds,
                          error: String(format: "stopped after %.1f s, past the %.1f s the budget had left for it", seconds, allowed))
    }
}

/// Trains a learner of one plan on a nested subset of one split and scores it on the test set: the
/// cells of a curve and of a scaling sweep.
public final class CellEvaluator: CellWork, @unchecked Sendable {
    public let plan: SweepPlan
    public let split: TrainTestSplit
    private var orders: [UInt64: NestedSubsets] = [:]
    private let lock = NSLock()

    public init(plan: SweepPlan, split: TrainTestSplit) {
        self.plan = plan
        self.split = split
    }

    public var fingerprint: String { "\(plan.dataset), \(plan.cells.count) cells, grid \(plan.key)" }

    /// The pool rows of the cell: the first m of its seed's nested order.
    public func indices(_ key: CellKey) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        if orders[key.seed] == nil { orders[key.seed] = NestedSubsets(pool: split.train, seed: key.seed) }
        return orders[key.seed]!.indices(key.m)
    }

    public func result(of job: CellJob) -> CellResult {
        CellResult(evaluating: job.key, learner: plan.learners[job.learner].learner, split: split, indices: indices(job.key))
    }
}

/// Trains cells in this process: one at a time on the calling thread, or ``Compute/workers`` at once on
/// their own threads, each cell with ``Compute/threadsPerWorker`` threads.
public final class LocalCells: CellExecutor, @unchecked Sendable {
    let work: any CellWork
    let compute: Compute
    public let slots: Int
    private let onThreads: Bool
    private var queued: [CellJob] = []
    private var done: [CellResult] = []
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)

    public init(work: any CellWork, compute: Compute) {
        self.work = work
        self.compute = compute
        slots = compute.workers
        onThreads = compute.workers > 1
    }

    public func start(_ job: CellJob) throws {
        guard onThreads else { queued.append(job); return }
        DispatchQueue.global().async { [self] in
            let result = compute.perWorker { work.evaluate(job) }
            lock.lock()
            done.append(result)
            lock.unlock()
            ready.signal()
        }
    }

    public func finished() throws -> CellResult {
        guard onThreads else { return compute.perWorker { work.evaluate(queued.removeFirst()) } }
        ready.wait()
        return takeDone()
    }

    private func takeDone() -> CellResult {
        lock.lock()
        defer { lock.unlock() }
        return done.removeFirst()
    }
}
