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

/// Evaluates cells of one plan on one split: the same code in a local worker and on an MPI rank.
public final class CellEvaluator: @unchecked Sendable {
    public let plan: SweepPlan
    public let split: TrainTestSplit
    private var orders: [UInt64: NestedSubsets] = [:]
    private let lock = NSLock()

    public init(plan: SweepPlan, split: TrainTestSplit) {
        self.plan = plan
        self.split = split
    }

    /// The pool rows of the cell: the first m of its seed's nested order.
    public func indices(_ key: CellKey) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        if orders[key.seed] == nil { orders[key.seed] = NestedSubsets(pool: split.train, seed: key.seed) }
        return orders[key.seed]!.indices(key.m)
    }

    /// Trains and scores `job`; never throws (failures are the result's status). A cell that runs past
    /// ``CellJob/secondsAllowed`` is stopped (its solver or training loop sees the ``Deadline``) and
    /// whatever it reached is discarded.
    public func evaluate(_ job: CellJob) -> CellResult {
        let start = Benchmarks.now()
        let result = Deadline.within(job.secondsAllowed) {
            CellResult(evaluating: job.key, learner: plan.learners[job.learner].learner, split: split, indices: indices(job.key))
        }
        let seconds = Benchmarks.now() - start
        guard let allowed = job.secondsAllowed, seconds > allowed, result.status != .gpuFailed else { return result }
        return CellResult(key: job.key, status: .cutBudget, fitSeconds: seconds,
                          error: String(format: "stopped after %.1f s, past the %.1f s the budget had left for it", seconds, allowed))
    }
}

/// Trains cells in this process: one at a time on the calling thread, or ``Compute/workers`` at once on
/// their own threads, each cell with ``Compute/threadsPerWorker`` threads.
public final class LocalCells: CellExecutor, @unchecked Sendable {
    let evaluator: CellEvaluator
    let compute: Compute
    public let slots: Int
    private let onThreads: Bool
    private var queued: [CellJob] = []
    private var done: [CellResult] = []
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)

    public init(evaluator: CellEvaluator, compute: Compute) {
        self.evaluator = evaluator
        self.compute = compute
        slots = compute.workers
        onThreads = compute.workers > 1
    }

    public func start(_ job: CellJob) throws {
        guard onThreads else { queued.append(job); return }
        DispatchQueue.global().async { [self] in
            let result = compute.perWorker { evaluator.evaluate(job) }
            lock.lock()
            done.append(result)
            lock.unlock()
            ready.signal()
        }
    }

    public func finished() throws -> CellResult {
        guard onThreads else { return compute.perWorker { evaluator.evaluate(queued.removeFirst()) } }
        ready.wait()
        return takeDone()
    }

    private func takeDone() -> CellResult {
        lock.lock()
        defer { lock.unlock() }
        return done.removeFirst()
    }
}
