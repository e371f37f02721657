import Dispatch
import Foundation
import TakeoffData
import TakeoffMPI

/// What rank 0 (the coordinator) and the other ranks of a sharded sweep say to each other.
enum FarmMessage<Job: Codable, Output: Codable>: Codable {
    /// Worker → coordinator: ready, with the fingerprint of the work it built (it must match rank 0's).
    case ready(String)
    /// Worker → coordinator: this rank cannot take part, and why.
    case unable(String)
    /// Coordinator → worker: do this.
    case work(Job)
    /// Worker → coordinator: a job's output.
    case done(Output)
    /// Coordinator → worker: no more work.
    case stop
}

/// A sharded sweep that cannot run, said by rank 0.
public enum ShardError: Error, CustomStringConvertible {
    case rankUnable(rank: Int, reason: String)
    case workDiffers(rank: Int, detail: String)
    case tooManyRanks(ranks: Int, jobs: Int)
    case launcherGone

    public var description: String {
        switch self {
        case let .rankUnable(r, reason): "MPI rank \(r) cannot take part: \(reason)"
        case let .workDiffers(r, d): "MPI rank \(r) built other work than rank 0 (\(d)): give every rank the same command and data"
        case let .tooManyRanks(ranks, jobs): "\(ranks) MPI ranks for a grid of \(jobs) cells: at least one rank would have nothing to do; start at most \(jobs)"
        case .launcherGone: "the MPI launcher is gone (the job was killed); the results stored so far are kept, a rerun continues"
        }
    }
}

/// Jobs farmed out over the ranks of an MPI job, used by every sharded sweep. Rank 0 runs this: it hands each free rank the next job, does one job at a time itself on a
/// thread of its own, and takes each output as it arrives. The other ranks run ``serve(_:fingerprint:failure:work:)``.
public final class MPIFarm<Job: Codable & Sendable, Output: Codable & Sendable>: @unchecked Sendable {
    let comm: Communicator
    private let work: @Sendable (Job) -> Output
    private var idle: [Int] = []
    private var ownBusy = false
    private var own: Output?
    private let ownLock = NSLock()
    private var stopped = false
    /// The process that started this rank (mpirun's daemon): when it is gone, so is the job.
    private let launcher = getppid()

    /// Jobs that can run at once: one per rank.
    public var slots: Int { comm.size }

    /// Waits until every other rank is ready with the same `fingerprint`; throws (after telling every
    /// rank to stop) naming the first rank that cannot take part. `jobs` is the size of the whole grid.
    public init(comm: Communicator, fingerprint: String, jobs: Int, work: @escaping @Sendable (Job) -> Output) throws {
        self.comm = comm
        self.work = work
        var waiting = Set(1..<comm.size)
        do {
            if comm.size > jobs { throw ShardError.tooManyRanks(ranks: comm.size, jobs: jobs) }
            while !waiting.isEmpty {
                guard let m = comm.receive(idle: { getppid() == launcher }) else { throw ShardError.launcherGone }
                waiting.remove(m.source)
                switch try comm.decode(FarmMessage<Job, Output>.self, from: m) {
                case let .ready(theirs):
                    guard theirs == fingerprint else { throw ShardError.workDiffers(rank: m.source, detail: "\(theirs), rank 0 has \(fingerprint)") }
                    idle.append(m.source)
                case let .unable(reason): throw ShardError.rankUnable(rank: m.source, reason: reason)
                default: continue
                }
            }
        } catch {
            stop()
            throw error
        }
        idle.sort(by: >)
    }

    /// Starts `job` on a free rank, or on this rank's own thread.
    public func start(_ job: Job) throws {
        if let rank = idle.popLast() {
            try comm.send(FarmMessage<Job, Output>.work(job), to: rank)
            return
        }
        precondition(!ownBusy, "MPIFarm: more jobs started than slots")
        ownBusy = true
        DispatchQueue.global().async { [self] in
            let output = work(job)
            ownLock.withLock { own = output }
        }
    }

    /// Waits for a started job's output.
    public func finished() throws -> Output {
        while true {
            var mine: Output?
            let message = comm.receive(idle: {
                mine = ownLock.withLock { defer { own = nil }; return own }
                return mine == nil && getppid() == launcher
            })
            if let mine {
                ownBusy = false
                return mine
            }
            guard getppid() == launcher else { throw ShardError.launcherGone }
            if let m = message, case let .done(output) = try comm.decode(FarmMessage<Job, Output>.self, from: m) {
                idle.append(m.source)
                return output
            }
        }
    }

    /// Tells every other rank there is no more work (once).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        Self.stopWorkers(comm)
    }

    deinit { stop() }

    /// Tells every worker rank of `comm` to stop (rank 0, on a failure before a farm was made).
    public static func stopWorkers(_ comm: Communicator) {
        for rank in 1..<comm.size { try? comm.send(FarmMessage<Job, Output>.stop, to: rank) }
    }

    /// A worker rank's loop: say whether it can take part (`work` is nil when it could not read the
    /// data or build the grid: `failure` says why), then do each job rank 0 sends until told to stop.
    /// Returns when stopped, or when the launcher is gone.
    public static func serve(_ comm: Communicator, fingerprint: String, failure: String? = nil, work: ((Job) -> Output)?) throws {
        if work != nil {
            try comm.send(FarmMessage<Job, Output>.ready(fingerprint), to: 0)
        } else {
            try comm.send(FarmMessage<Job, Output>.unable(failure ?? "unknown failure"), to: 0)
        }
        let launcher = getppid()
        while let m = comm.receive(from: 0, idle: { getppid() == launcher }) {
            switch try comm.decode(FarmMessage<Job, Output>.self, from: m) {
            case let .work(job):
                guard let work else { continue }
                try comm.send(FarmMessage<Job, Output>.done(work(job)), to: 0)
            case .stop: return
            default: continue
            }
        }
    }
}

/// A sweep's cells on the ranks of an MPI job (see ``MPIFarm``); the ``SweepRunner`` commits each
/// result to the store as it arrives, and only rank 0 opens the store.
public final class MPICells: CellExecutor {
    let farm: MPIFarm<CellJob, CellResult>

    /// Waits for every other rank to be ready with the same work; `jobs` is the size of the whole grid.
    public init(comm: Communicator, work: any CellWork, jobs: Int) throws {
        farm = try MPIFarm(comm: comm, fingerprint: work.fingerprint, jobs: jobs, work: { work.evaluate($0) })
    }

    public var slots: Int { farm.slots }
    public func start(_ job: CellJob) throws { try farm.start(job) }
    public func finished() throws -> CellResult { try farm.finished() }
    public func stop() { farm.stop() }

    /// A worker rank's loop for `work` (nil, with `failure`, when this rank could not build it).
    public static func serve(_ comm: Communicator, work: (any CellWork)?, failure: String? = nil) throws {
        try MPIFarm<CellJob, CellResult>.serve(comm, fingerprint: work?.fingerprint ?? "", failure: failure,
                                                work: work.map { w in { w.evaluate($0) } })
    }

    /// Tells every worker rank to stop (rank 0, on a failure before the farm was made).
    public static func stopWorkers(_ comm: Communicator) { MPIFarm<CellJob, CellResult>.stopWorkers(comm) }
}
