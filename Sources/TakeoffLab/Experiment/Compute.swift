import TakeoffEngine

/// How a job uses the machine: the threads it may use in all, and how many cells train at once
/// (each with `threads / workers` threads). Explicit configuration, carried by the request and
/// written into its summary, not a global a caller changes.
public struct Compute: Sendable, Codable, Equatable {
    /// Threads of this process (of each rank, in an MPI job).
    public var threads: Int
    public var workers: Int
    /// Processes of the MPI job the cells are spread over (1 without MPI); each has ``threads``.
    public var ranks = 1

    /// `threads` (default: ``Parallel/defaultThreadCount``) and `workers` (default: one per 4 threads,
    /// since on a few cores one cell with every thread is fastest).
    public init(threads: Int? = nil, workers: Int? = nil) throws {
        let t = threads ?? Parallel.defaultThreadCount
        if let tooMany = threads == nil ? Parallel.refusalOfDefault() : Parallel.refusal(threads: t) {
            throw LabError.invalidOption(option: "threads", detail: tooMany)
        }
        let w = workers ?? Swift.max(1, t / 4)
        guard w >= 1, w <= t else { throw LabError.invalidOption(option: "workers", detail: "must be between 1 and the thread count (\(t)), got \(w)") }
        self.threads = t
        self.workers = w
    }

    /// As stored in a summary or a store: at least one thread, worker and rank, and no more workers than threads,
    /// so that a hand-edited value is an error rather than a division by zero. Not checked against this machine's
    /// cores as ``init(threads:workers:)`` checks: the store may come from a larger machine.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let (threads, workers) = (try c.decode(Int.self, forKey: .threads), try c.decode(Int.self, forKey: .workers))
        let ranks = try c.decodeIfPresent(Int.self, forKey: .ranks) ?? 1
        guard threads >= 1, workers >= 1, workers <= threads, ranks >= 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "threads \(threads), workers \(workers), ranks \(ranks): each must be at least 1, and workers at most threads"))
        }
        (self.threads, self.workers, self.ranks) = (threads, workers, ranks)
    }

    /// Threads each worker's cell uses.
    public var threadsPerWorker: Int { threads / workers }

    /// Runs `body` (a cell, on the thread that trains it) with Takeoff's kernels on ``threadsPerWorker``
    /// threads; the process-wide setting is not touched.
    public func perWorker<T>(_ body: () throws -> T) rethrows -> T {
        try Parallel.withThreadCount(threadsPerWorker, body)
    }

    /// E.g. `1 worker × 2 threads`, `4 MPI ranks × 1 thread`.
    public var description: String {
        let t = "\(threadsPerWorker) thread\(threadsPerWorker == 1 ? "" : "s")"
        return ranks > 1 ? "\(ranks) MPI ranks × \(t)" : "\(workers) worker\(workers == 1 ? "" : "s") × \(t)"
    }
}
