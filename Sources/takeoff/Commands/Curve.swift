import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffNN

struct Curve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure learning curves: learners × training sizes × seeds on nested subsets, fitted, extrapolated and reported.",
        discussion: """
            Results go to an SQLite store (default OUT/curve.sqlite); each finished cell is committed at once, so a killed run \
            resumes where it stopped and a rerun skips what is stored. --workers cells train at once, each with --threads / workers \
            threads (by default one worker per 4 threads: on a few cores one cell with every thread is fastest). One seed of every learner at every size goes first (each learner's largest size before its second-largest, which come last), the other seeds after, where the ranking is least settled; \
            cells predicted to overrun the budget are skipped and reported, with how long the rest would take. Writes OUT/curve.svg, curve.png, report.html, results.csv and summary.json.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Comma-separated learners (default: all that suit the data: \(LearnerRegistry.names.joined(separator: ", "))).")
    var learners: String?
    @Option(help: "Comma-separated training sizes m (default: 8 log-spaced from 100 to the whole pool).") var sizes: String?
    @Option(help: "Seeds per (learner, m): 0, 1, … (default 3; 1 with --quick).") var seeds: Int?
    @Option(help: "Time budget, e.g. 90s, 10m, 1.5h, or none: cells predicted to overrun it are skipped and reported (default 10m; 1m with --quick).")
    var budget: String?
    @Option(help: "Cells trained at once; each gets --threads / workers threads (default: one worker per 4 threads, so 1 on a small machine).")
    var workers: Int?
    @Option(help: "Results store (SQLite; default OUT/curve.sqlite).") var store: String?
    @Option(help: "Output folder.") var out: String = "takeoff-out/curve"
    @Option(help: "Target test accuracy (0–1 or percent): the m each learner needs to reach it.") var target: Double?
    @Option(help: "What the figure plots and the curves are fitted to: \(CurveMetric.allCases.map(\.rawValue).joined(separator: ", ")) (default: auc on two-class categorical data such as movielens-clicks, else accuracy). The report and summary.json carry all three where measured.")
    var metric: String?
    @Option(help: "Seed of generated data and of a non-official test split (kept fixed; subset seeds vary).") var dataSeed: UInt64 = 0
    @Option(help: "Train at most this many new cells, then report (a later run resumes); 0 reports what the store holds.") var maxCells: Int?
    @Flag(help: "A small grid (\(CurveRequest.quickLearners.joined(separator: ", ")) at \(CurveRequest.quickSizes.count) sizes up to \(CurveRequest.quickSizes.last!), 1 seed) for a first look in about 15 seconds.")
    var quick = false
    @Flag(help: "Print the summary as JSON on standard output.") var json = false
    @OptionGroup(title: "Learner options (each applies to the learners that take it)") var learnerOptions: LearnerOptionArguments

    func run() throws {
        try global.apply()
        var request = CurveRequest(data: dataOptions.data, compute: try Compute.asLaunched(threads: Parallel.threadCount, workers: workers))
        request.loading = try dataOptions.reading.loadOptions(seed: dataSeed, cacheIn: out)
        request.learners = learners.map(CommaList.items)
        request.learnerOptions = try learnerOptions.options()
        request.context.device = try deviceOptions.resolved()
        request.sizes = try sizes.map { try CommaList.positiveIntegers($0, option: "sizes") }
        (request.seeds, request.quick, request.store, request.out, request.maxCells) = (seeds, quick, store, out, maxCells)
        request.verbose = global.verbose
        request.budget = try budget.map(TimeBudget.init(parsing:))
        request.target = target.map { $0 > 1 ? $0 / 100 : $0 }
        request.metric = try metric.map { name in
            guard let m = CurveMetric(rawValue: name) else {
                throw ValidationError("--metric must be one of \(CurveMetric.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
            }
            return m
        }
        // Under mpirun every rank runs this command: rank 0 hands out the cells and reports, the others train what it sends.
        guard let report = try CurveExperiment.run(request, log: SweepLog()) else { return }
        print(json ? String(decoding: try report.summaryJSON(), as: UTF8.self) : report.console(out: out))
        try GPU.throwIfFailed()  // its cells were not stored: the exit status says so, and a rerun trains them
    }
}
