import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffNN

struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure error over data size × network width and fit a joint scaling law: the best width per m, the data a target needs, the compute-optimal split.",
        discussion: """
            Trains networks of one family at each width on nested subsets of each size, for each seed, with the same store, resumption, \
            budget and figure-first order as takeoff curve (cells are keyed by width and depth, so they never mix with a curve's). \
            Fits error ≈ a·m^−α + b·N^−β + c under Rosenfeld et al.'s envelope (Huber loss on log error, bootstrap intervals), back-tests it \
            on the largest cells against each width's last value and its own curve, and writes OUT/scale-*.svg (+ PNG), report.html, results.csv and summary.json.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Network family: mlp or cnn.") var family: String = "mlp"
    @Option(help: "Comma-separated widths, at least 3 (default mlp: 16,32,64,128,256,512; cnn: 4,8,16,32).") var widths: String?
    @Option(help: "Hidden layers (mlp) or convolution blocks (cnn).") var depth: Int = 2
    @Option(help: "Comma-separated training sizes m, at least 3 (default: 300,750,1900,4800,12000 within the pool).") var sizes: String?
    @Option(help: "Seeds per (width, m).") var seeds: Int = 2
    @Option(help: "Time budget, e.g. 90s, 10m, 1.5h, or none.") var budget: String = "10m"
    @Option(help: "Target test accuracy (0–1 or percent): the data each width needs to reach it.") var target: Double?
    @Option(help: "Bootstrap refits for the intervals, at most \(ScaleRequest.maxBootstraps).") var bootstraps: Int = 200
    @Option(help: "Results store (SQLite; default OUT/scale.sqlite).") var store: String?
    @Option(help: "Output folder.") var out: String = "takeoff-out/scale"
    @Option(help: "Seed of generated data and of a non-official test split.") var dataSeed: UInt64 = 0
    @Option(help: "Train at most this many new cells, then report; 0 reports what the store holds.") var maxCells: Int?
    @Flag(help: "Print the summary as JSON on standard output.") var json = false
    @OptionGroup(title: "Learner options (of the networks)") var learnerOptions: LearnerOptionArguments

    func run() throws {
        try global.apply()
        guard let shapeFamily = NetworkShape.Family(rawValue: family) else {
            throw ValidationError("--family: '\(family)' is not a network family; choose \(NetworkShape.Family.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        var request = ScaleRequest(data: dataOptions.data, compute: try Compute(threads: Parallel.threadCount, workers: 1))
        request.loading = try dataOptions.reading.loadOptions(seed: dataSeed, cacheIn: out)
        request.family = shapeFamily
        request.widths = try widths.map { try CommaList.positiveIntegers($0, option: "widths") }
        request.sizes = try sizes.map { try CommaList.positiveIntegers($0, option: "sizes") }
        (request.depth, request.seeds, request.store, request.out, request.maxCells, request.bootstraps) = (depth, seeds, store, out, maxCells, bootstraps)
        request.budget = try TimeBudget(parsing: budget)
        request.target = target.map { $0 > 1 ? $0 / 100 : $0 }
        request.learnerOptions = try learnerOptions.options()
        request.context.device = try deviceOptions.resolved()
        request.verbose = global.verbose

        // Under mpirun every rank runs this command: rank 0 hands out the cells and reports, the others train what it sends.
        guard let report = try ScaleExperiment.run(request, log: SweepLog()) else { return }
        print(json ? String(decoding: try report.summaryJSON(), as: UTF8.self) : report.console(out: out))
        try GPU.throwIfFailed()
    }
}
