import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffMPI

/// A sweep made ready to run: its grid, the work that trains a cell, where its results are kept and
/// its limits. Curves, scaling sweeps and activation races are each a `Sweep` with their own
/// ``CellWork``; ``run(executor:log:showProgress:)`` is the one path from grid to stored results.
public struct Sweep {
    public let plan: SweepPlan
    public let work: any CellWork
    /// The SQLite store (locked while the sweep runs).
    public let storePath: String
    /// Wall-clock seconds the run may take; nil for no limit.
    public var budget: Double?
    /// Train at most this many new cells; 0 reports what the store holds.
    public var cellLimit: Int?
    public var compute: Compute
    /// The sweep's row in the store, for readers such as `takeoff serve`.
    public var record: SweepRecord
    /// The progress bar's label (the command).
    public var label: String
    /// What a finished cell's line reports.
    public var metric = CurveMetric.accuracy
    /// Whether the log also gets a line for each group of cells skipped at the budget (else the report sums them up per learner).
    public var logsSkippedCells = false

    /// The sweep of `plan` on `split` (the data the user named `data`), its cells trained by `work`, stored in
    /// `store` or, by default, `<label>.sqlite` in the output folder `out`.
    public init(plan: SweepPlan, work: any CellWork, data: String, split: TrainTestSplit, store: String?, out: String, label: String,
                budget: Double?, cellLimit: Int?, target: Double?, compute: Compute) {
        (self.plan, self.work, self.budget, self.cellLimit, self.compute, self.label) = (plan, work, budget, cellLimit, compute, label)
        storePath = store ?? URL(fileURLWithPath: out).appendingPathComponent("\(label).sqlite").path
        record = SweepRecord(plan: plan, data: data, poolSize: split.train.count, testSize: split.test.count, budgetSeconds: budget,
                             target: target, compute: compute)
    }

    /// Takes the store's lock, reuses its stored cells, trains the missing ones (on `executor`, or in
    /// this process) within the budget and commits each as it finishes.
    public func run(executor: CellExecutor? = nil, log: ((String) -> Void)? = nil, showProgress: Bool = false) throws -> SweepRunner.Outcome {
        let lock = try StoreLock(storePath: storePath)
        defer { withExtendedLifetime(lock) {} }
        let runner = SweepRunner(plan: plan, work: work, store: try ResultStore(path: storePath), compute: compute)
        runner.budget = budget
        runner.cellLimit = cellLimit
        runner.showProgress = showProgress
        runner.progressLabel = label
        runner.log = log
        (runner.logsSkippedCells, runner.metric) = (logsSkippedCells, metric)
        runner.executor = executor
        return try runner.run(recording: record)
    }
}

/// What a sweep request has whatever its kind: the machine's share it runs on.
public protocol SweepRequest: Sendable {
    var compute: Compute { get set }
}

/// A kind of sweep: a request checked and made into a ``Sweep`` before anything trains, and a report
/// made of its outcome. The command line, MPI ranks and tests run every kind through
/// ``run(executor:log:showProgress:)`` or ``run(_:on:announce:log:showProgress:)``.
public protocol SweepExperiment {
    associatedtype Request: SweepRequest
    associatedtype Report
    /// Checks `request`, reads the data and builds the grid; throws before anything trains.
    init(_ request: Request) throws
    var sweep: Sweep { get }
    /// The output folder.
    var out: String { get }
    /// One line saying what will run.
    var headline: String { get }
    /// Analyses `outcome` and writes the report into `folder`.
    func report(_ outcome: SweepRunner.Outcome, to folder: URL) throws -> Report
}

extension SweepExperiment {
    /// Checks the output folder, runs the sweep (cells on `executor`, or in this process), and reports.
    public func run(executor: CellExecutor? = nil, log: ((String) -> Void)? = nil, showProgress: Bool = false) throws -> Report {
        let folder = try OutputFolder.prepare(out, option: "out")
        return try report(sweep.run(executor: executor, log: log, showProgress: showProgress), to: folder)
    }

    /// Runs `request` as this process's rank of an MPI job. Rank 0 prepares the experiment, gathers
    /// the other ranks (each reads the data and builds the same grid), hands out the cells, commits
    /// each result and writes the report, which it returns; the other ranks train the cells they are
    /// given and return nil. A rank that cannot take part makes rank 0 stop the job with an error naming it.
    public static func run(_ request: Request, on comm: Communicator, announce: ((String) -> Void)? = nil,
                           log: ((String) -> Void)? = nil, showProgress: Bool = false) throws -> Report? {
        var request = request
        request.compute.ranks = comm.size
        guard comm.isRoot else {
            var (work, failure): ((any CellWork)?, String?) = (nil, nil)
            do { work = try Self(request).sweep.work } catch { failure = "\(error)" }
            try MPICells.serve(comm, work: work, failure: failure)
            return nil
        }
        let experiment: Self
        do {
            experiment = try Self(request)
            try OutputFolder.prepare(experiment.out, option: "out")
        } catch {
            MPICells.stopWorkers(comm)
            throw error
        }
        let cells = try MPICells(comm: comm, work: experiment.sweep.work, jobs: experiment.sweep.plan.cells.count)
        defer { cells.stop() }
        announce?(experiment.headline)
        return try experiment.run(executor: cells, log: log, showProgress: showProgress)
    }
}

extension SweepExperiment {
    /// Runs `request` as the command line does: in this process, or under `mpirun` as this process's rank
    /// (nil on every rank but 0), with `log` announcing the sweep and numbering its cells.
    public static func run(_ request: Request, log: SweepLog, showProgress: Bool = true) throws -> Report? {
        if let comm = Communicator.world {
            return try run(request, on: comm, announce: log.announce, log: log.line, showProgress: showProgress)
        }
        let experiment = try Self(request)
        log.announce(experiment.headline)
        return try experiment.run(log: log.line, showProgress: showProgress)
    }
}
