import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffMPI

/// A ``CurveRequest`` made ready to run: the request checked, the data read, the grid built and
/// validated, a ``Sweep`` of its learners on nested subsets. Run it as any ``SweepExperiment``; its
/// report is the analysed curves.
public final class CurveExperiment: SweepExperiment {
    public let request: CurveRequest
    public let split: TrainTestSplit
    public let plan: SweepPlan
    public let budget: TimeBudget
    public let sweep: Sweep
    /// What the figure plots (``CurveRequest/resolvedMetric(for:)``).
    public let metric: CurveMetric

    /// Prepares `request`, reading the data with ``CurveRequest/loadData()`` unless `split` is given.
    public init(_ request: CurveRequest, split: TrainTestSplit?) throws {
        try request.validate()
        self.request = request
        budget = request.resolvedBudget
        let split = try split ?? request.loadData()
        self.split = split
        metric = try request.resolvedMetric(for: split.train)
        plan = try SweepPlan(learners: request.makeLearners(for: split.train), sizes: request.sizeList(pool: split.train.count),
                             seeds: request.seedList, split: split)
        var sweep = Sweep(plan: plan, work: CellEvaluator(plan: plan, split: split), data: request.data, split: split, store: request.store,
                          out: request.out, label: "curve", budget: budget.seconds, cellLimit: request.maxCells, target: request.target,
                          compute: request.compute)
        (sweep.logsSkippedCells, sweep.metric) = (request.verbose, metric)
        self.sweep = sweep
    }

    public convenience init(_ request: CurveRequest) throws { try self.init(request, split: nil) }

    public var out: String { request.out }

    /// The store's path: ``CurveRequest/store`` or `curve.sqlite` in the output folder.
    public var storePath: String { sweep.storePath }

    /// One line saying what will run, e.g. `curve on xor: 2 learners × 4 sizes × 2 seeds = 16 cells; …`.
    public var headline: String {
        "curve on \(request.data): \(plan.learners.count) learners × \(plan.sizes.count) sizes × \(plan.seeds.count) seeds = "
            + "\(plan.cells.count) cells; store \(storePath); \(request.compute.description)" + (budget.seconds.map { String(format: "; budget %.0f s", $0) } ?? "")
            + "; " + devices + (plan.networksInBF16 ? ", networks in bf16" : "") + split.notes.map { "\nnote: \($0)" }.joined()  // what reading the data decided (an image folder's size, skipped files)
    }

    /// Where the learners train, e.g. `networks on cuda, the others on the CPU` or `all on the CPU`.
    public var devices: String {
        let elsewhere = Set(plan.learners.map(\.learner.device).filter { $0 != .cpu })
        return elsewhere.isEmpty ? "all learners on the CPU"
            : "networks on \(elsewhere.map(\.rawValue).sorted().joined(separator: ", ")), the others on the CPU"
    }

    /// Analyses the curves and writes the report.
    public func report(_ outcome: SweepRunner.Outcome, to folder: URL) throws -> CurveReport {
        let analysis = Analysis(results: outcome.results, learners: plan.learners.map { ($0.name, $0.configuration) }, target: request.target,
                                metric: metric)
        var report = CurveReport(dataName: request.data, plan: plan, outcome: outcome, analysis: analysis, poolSize: split.train.count,
                                 testSize: split.test.count, budget: budget.seconds, compute: request.compute)
        report.classNames = split.train.classNames
        try report.write(to: folder)
        return report
    }
}
