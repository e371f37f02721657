import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffMPI

/// A ``CurveRequest`` made ready to run: the request checked, the data read, the grid built and
/// validated. ``run(executor:log:showProgress:)`` then checks the output folder and store before the
/// first cell trains, trains, analyses and writes the report. The command line, MPI ranks and tests
/// all run a curve through this type.
public final class CurveExperiment {
    public let request: CurveRequest
    public let split: TrainTestSplit
    public let plan: SweepPlan
    public let budget: TimeBudget
    /// What the figure plots (``CurveRequest/resolvedMetric(for:)``).
    public let metric: CurveMetric

    /// Prepares `request`, reading the data with ``CurveRequest/loadData()`` unless `split` is given.
    public init(_ request: CurveRequest, split: TrainTestSplit? = nil) throws {
        try request.validate()
        self.request = request
        budget = request.resolvedBudget
        let split = try split ?? request.loadData()
        self.split = split
        metric = try request.resolvedMetric(for: split.train)
        plan = try SweepPlan(learners: request.makeLearners(for: split.train), sizes: request.sizeList(pool: split.train.count),
                             seeds: request.seedList, split: split)
    }

    /// The store's path: ``CurveRequest/store`` or `curve.sqlite` in the output folder.
    public var storePath: String { request.store ?? URL(fileURLWithPath: request.out).appendingPathComponent("curve.sqlite").path }

    /// One line saying what will run, e.g. `curve on xor: 2 learners × 4 sizes × 2 seeds = 16 cells; …`.
    public func headline(workers: String) -> String {
        "curve on \(request.data): \(plan.learners.count) learners × \(plan.sizes.count) sizes × \(plan.seeds.count) seeds = "
            + "\(plan.cells.count) cells; store \(storePath); \(workers)" + (budget.seconds.map { String(format: "; budget %.0f s", $0) } ?? "")
            + "; " + devices
    }

    /// Where the learners train, e.g. `networks on cuda, the others on the CPU` or `all on the CPU`.
    public var devices: String {
        let elsewhere = Set(plan.learners.map(\.learner.device).filter { $0 != .cpu })
        return elsewhere.isEmpty ? "all learners on the CPU"
            : "networks on \(elsewhere.map(\.rawValue).sorted().joined(separator: ", ")), the others on the CPU"
    }

    /// Runs the sweep (cells on `executor`, or in this process), analyses it and writes the report.
    public func run(executor: CellExecutor? = nil, log: ((String) -> Void)? = nil, showProgress: Bool = false) throws -> CurveReport {
        let outFolder = try OutputFolder.prepare(request.out, option: "out")
        let lock = try StoreLock(storePath: storePath)
        defer { withExtendedLifetime(lock) {} }
        let store = try ResultStore(path: storePath)
        let runner = SweepRunner(plan: plan, split: split, store: store, compute: request.compute)
        runner.budget = budget.seconds
        runner.cellLimit = request.maxCells
        runner.showProgress = showProgress
        runner.log = log
        (runner.logsSkippedCells, runner.metric) = (request.verbose, metric)
        runner.executor = executor
        let outcome = try runner.run(recording: SweepRecord(plan: plan, data: request.data, poolSize: split.train.count, testSize: split.test.count,
                                                            budgetSeconds: budget.seconds, target: request.target, compute: request.compute))
        let analysis = Analysis(results: outcome.results, learners: plan.learners.map { ($0.name, $0.configuration) }, target: request.target,
                                metric: metric)
        var report = CurveReport(dataName: request.data, plan: plan, outcome: outcome, analysis: analysis, poolSize: split.train.count,
                                 testSize: split.test.count, budget: budget.seconds, compute: request.compute)
        report.classNames = split.train.classNames
        try report.write(to: outFolder)
        return report
    }
}

extension CurveExperiment {
    /// Runs `request` as this process's rank of an MPI job. Rank 0 prepares the experiment, gathers
    /// the other ranks (each reads the data and builds the same grid), hands out the cells, commits
    /// each result and writes the report, which it returns; the other ranks train the cells they are
    /// given and return nil. A rank that cannot take part makes rank 0 stop the job with an error naming it.
    public static func run(_ request: CurveRequest, on comm: Communicator, announce: ((String) -> Void)? = nil,
                           log: ((String) -> Void)? = nil, showProgress: Bool = false) throws -> CurveReport? {
        guard comm.isRoot else {
            var (evaluator, failure): (CellEvaluator?, String?) = (nil, nil)
            do {
                let experiment = try CurveExperiment(request)
                evaluator = CellEvaluator(plan: experiment.plan, split: experiment.split)
            } catch {
                failure = "\(error)"
            }
            try MPICells.serve(comm, evaluator: evaluator, failure: failure)
            return nil
        }
        let experiment: CurveExperiment
        do {
            experiment = try CurveExperiment(request)
            try OutputFolder.prepare(request.out, option: "out")
        } catch {
            MPIFarm<CellJob, CellResult>.stopWorkers(comm)
            throw error
        }
        let cells = try MPICells(comm: comm, evaluator: CellEvaluator(plan: experiment.plan, split: experiment.split))
        defer { cells.stop() }
        announce?(experiment.headline(workers: request.compute.description))
        return try experiment.run(executor: cells, log: log, showProgress: showProgress)
    }
}

/// The folder a command writes its report into.
public enum OutputFolder {
    /// Creates the folder `path` (given by the setting `option`) if needed and proves a file can be written there.
    @discardableResult
    public static func prepare(_ path: String, option: String) throws -> URL {
        guard !path.isEmpty else { throw LabError.invalidOption(option: option, detail: "needs a folder path, got an empty one") }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CurveError.unwritableOutput(path: url.path, detail: "it is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            let probe = url.appendingPathComponent(".takeoff-write-check-\(getpid())")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw CurveError.unwritableOutput(path: url.path, detail: (error as NSError).localizedDescription)
        }
        return url
    }
}
