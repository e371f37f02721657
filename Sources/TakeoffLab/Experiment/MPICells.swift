import Foundation
import TakeoffData
import TakeoffMPI

/// What the coordinator (rank 0) and the workers of a sharded sweep say to each other.
enum SweepMessage: Codable {
    /// Worker → coordinator: the data is read and the grid is the coordinator's (its fingerprint and cell count).
    case ready(dataset: String, cells: Int)
    /// Worker → coordinator: this rank cannot take part, and why.
    case unable(String)
    /// Coordinator → worker: train this cell.
    case train(CellJob)
    /// Worker → coordinator: a cell's result.
    case result(CellResult)
    /// Coordinator → worker: no more cells.
    case stop
}

/// A sharded sweep that cannot run, said by rank 0.
public enum ShardError: Error, CustomStringConvertible {
    case rankUnable(rank: Int, reason: String)
    case planDiffers(rank: Int, detail: String)
    case tooManyRanks(ranks: Int, cells: Int)
    case launcherGone

    public var description: String {
        switch self {
        case let .rankUnable(r, reason): "MPI rank \(r) cannot take part: \(reason)"
        case let .planDiffers(r, d): "MPI rank \(r) built another grid than rank 0 (\(d)): give every rank the same command and data"
        case let .tooManyRanks(ranks, cells): "\(ranks) MPI ranks for a grid of \(cells) cells: at least one rank would have nothing to do; start at most \(cells)"
        case .launcherGone: "the MPI launcher is gone (the job was killed); the cells stored so far are kept, a rerun continues"
        }
    }
}

/// Cells trained on the ranks of an MPI job. Rank 0 runs this: it hands each free rank the next cell
/// (and trains one cell itself on a thread of its own), receives each result as it comes, and the
/// ``SweepRunner`` commits it to the store at once; only rank 0 opens the store. The other ranks run
/// ``serve(_:evaluator:)``.
public final class MPICells: CellExecutor {
    let comm: Communicator
    let own: LocalCells
    private var idle: [Int]
    private var ownBusy = false
    private var stopped = false
    /// The process that started this rank (mpirun's daemon): when it is gone, so is the job.
    private let launcher = getppid()

    public var slots: Int { comm.size }

    /// Waits until every other rank has read the data and built the same grid as `evaluator`'s; throws
    /// (after telling every rank to stop) naming the first rank that cannot take part.
    public init(comm: Communicator, evaluator: CellEvaluator) throws {
        self.comm = comm
        own = LocalCells(evaluator: evaluator, workers: 1, onThreads: true)
        idle = []
        var waiting = Set(1..<comm.size)
        do {
            if comm.size > evaluator.plan.cells.count { throw ShardError.tooManyRanks(ranks: comm.size, cells: evaluator.plan.cells.count) }
            while !waiting.isEmpty {
                guard let m = comm.receive() else { continue }
                waiting.remove(m.source)
                switch try comm.decode(SweepMessage.self, from: m) {
                case let .ready(dataset, cells):
                    guard dataset == evaluator.plan.dataset, cells == evaluator.plan.cells.count else {
                        throw ShardError.planDiffers(rank: m.source, detail: "data \(dataset) with \(cells) cells, rank 0 has \(evaluator.plan.dataset) with \(evaluator.plan.cells.count)")
                    }
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

    public func start(_ job: CellJob) throws {
        if let rank = idle.popLast() {
            try comm.send(SweepMessage.train(job), to: rank)
        } else {
            precondition(!ownBusy, "MPICells: more cells started than slots")
            ownBusy = true
            try own.start(job)
        }
    }

    public func finished() throws -> CellResult {
        while true {
            var mine: CellResult?
            let message = comm.receive(idle: {
                mine = own.finishedIfReady()
                return mine == nil && getppid() == launcher
            })
            guard getppid() == launcher else { throw ShardError.launcherGone }
            if let mine {
                ownBusy = false
                return mine
            }
            if let m = message, case let .result(r) = try comm.decode(SweepMessage.self, from: m) {
                idle.append(m.source)
                return r
            }
        }
    }

    /// Tells every worker there is no more work (once).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        Self.stopWorkers(comm)
    }

    /// Tells every worker rank of `comm` to stop (rank 0, on a failure before the workers were gathered).
    public static func stopWorkers(_ comm: Communicator) {
        for rank in 1..<comm.size { try? comm.send(SweepMessage.stop, to: rank) }
    }

    deinit { stop() }

    /// A worker rank's loop: say whether it can take part (`evaluator` is nil when it could not read
    /// the data or build the grid: `failure` says why), then train each cell rank 0 sends until told
    /// to stop. Returns when stopped, or when rank 0's process is gone.
    public static func serve(_ comm: Communicator, evaluator: CellEvaluator?, failure: String? = nil) throws {
        if let evaluator {
            try comm.send(SweepMessage.ready(dataset: evaluator.plan.dataset, cells: evaluator.plan.cells.count), to: 0)
        } else {
            try comm.send(SweepMessage.unable(failure ?? "unknown failure"), to: 0)
        }
        let parent = getppid()  // the launcher: if it is gone, so is the job
        while let m = comm.receive(from: 0, idle: { getppid() == parent }) {
            switch try comm.decode(SweepMessage.self, from: m) {
            case let .train(job):
                guard let evaluator else { continue }
                try comm.send(SweepMessage.result(evaluator.evaluate(job)), to: 0)
            case .stop: return
            default: continue
            }
        }
    }
}
