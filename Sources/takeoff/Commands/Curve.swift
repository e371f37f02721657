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
            threads (by default one worker per 4 threads: on a few cores one cell with every thread is fastest). Cheap cells go first, the first seed over the whole grid before the others; cells \
            predicted to overrun the budget are skipped and reported. Writes OUT/curve.svg, report.html, results.csv and summary.json.
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
    @Option(help: "Epochs for the networks (default: the recipe for m).") var epochs: Int?
    @Option(help: "Seed of generated data and of a non-official test split (kept fixed; subset seeds vary).") var dataSeed: UInt64 = 0
    @Option(help: "Train at most this many new cells, then report (a later run resumes); 0 reports what the store holds.") var maxCells: Int?
    @Flag(help: "A small grid (logreg, linear-svm, mlp-small, mlp-medium at 5 sizes up to 3,000, 1 seed) for a first look in about 15 seconds.")
    var quick = false
    @Flag(help: "Print the summary as JSON on standard output.") var json = false

    static let quickLearners = ["logreg", "linear-svm", "mlp-small", "mlp-medium"]
    static let quickSizes = [100, 250, 600, 1500, 3000]

    func run() throws {
        try global.apply()
        let workers = self.workers ?? Swift.max(1, Parallel.threadCount / 4)
        guard workers >= 1, workers <= Parallel.threadCount else {
            throw ValidationError("--workers must be between 1 and the thread count (\(Parallel.threadCount)), got \(workers)")
        }
        let threadsPerWorker = Parallel.threadCount / workers
        // Everything is checked before the first cell trains.
        let budgetSeconds = try Self.parseBudget(budget ?? (quick ? "1m" : "10m"))
        if let maxCells, maxCells < 0 { throw ValidationError("--max-cells must be 0 (report only) or more, got \(maxCells)") }
        // Checked here too, so it is refused even when no network is in the grid to use it.
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        let seedValues = try seedList(seeds ?? (quick ? 1 : 3))
        if store?.isEmpty == true { throw ValidationError("--store needs a file path, got an empty one") }
        let targetAccuracy = try target.map { t -> Double in
            let v = t > 1 ? t / 100 : t
            guard v > 0, v < 1 else { throw ValidationError("--target must be an accuracy in (0, 1) or a percentage, got \(t)") }
            return v
        }
        let split = try dataOptions.load(seed: dataSeed)
        let names = learners.map(Self.list) ?? (quick ? Self.quickLearners : SweepPlan.defaultLearners(for: split.train))
        let device = try deviceOptions.resolved()
        let learnerList = try names.map { name -> any Learner in
            var options = LearnerOptions()
            if NeuralPreset(rawValue: name) != nil { (options.epochs, options.device) = (epochs, device) }
            return try LearnerRegistry.learner(named: name, options: options)
        }
        let pool = split.train.count
        let sizeList: [Int]
        if let sizes {
            sizeList = try Self.list(sizes).map { s in
                guard let m = Int(s.replacingOccurrences(of: "_", with: "")) else { throw ValidationError("--sizes: '\(s)' is not a whole number") }
                return m
            }
        } else if quick {
            sizeList = Array(Set(Self.quickSizes.map { min($0, pool) })).sorted()
        } else {
            sizeList = SweepPlan.logSpacedSizes(pool: pool)
        }
        let plan = try SweepPlan(learners: learnerList, sizes: sizeList, seeds: seedValues, split: split)

        let outURL = try Self.checkWritable(out, option: "--out")
        let resultStore = try ResultStore(path: store ?? outURL.appendingPathComponent("curve.sqlite").path)

        let runner = SweepRunner(plan: plan, split: split, store: resultStore)
        runner.budget = budgetSeconds
        runner.cellLimit = maxCells
        runner.showProgress = true
        runner.workers = workers
        Parallel.threadCount = threadsPerWorker
        var done = 0
        let total = plan.cells.count
        let interactive = isatty(2) == 1
        runner.log = { line in
            done += 1
            FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + "[\(done)] " + line + "\n").utf8))
        }
        FileHandle.standardError.write(Data(("curve on \(dataOptions.data): \(plan.learners.count) learners × \(plan.sizes.count) sizes × "
            + "\(plan.seeds.count) seeds = \(total) cells; store \(resultStore.path); \(workers) worker\(workers == 1 ? "" : "s") × \(threadsPerWorker) thread\(threadsPerWorker == 1 ? "" : "s")"
            + (budgetSeconds.map { String(format: "; budget %.0f s", $0) } ?? "") + "\n").utf8))
        let outcome = try runner.run()

        let analysis = Analysis(results: outcome.results, learners: plan.learners.map { ($0.name, $0.configuration) }, target: targetAccuracy)
        let report = CurveReport(dataName: dataOptions.data, plan: plan, outcome: outcome, analysis: analysis, poolSize: pool,
                                 testSize: split.test.count, budget: budgetSeconds, threads: Parallel.threadCount)
        try report.write(to: outURL)
        if json {
            print(String(decoding: try report.summaryJSON(), as: UTF8.self))
            return try GPU.throwIfFailed()
        }
        print(report.table)
        print("")
        for line in analysis.summary { print("- " + line) }
        let counts = report.statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print(String(format: "\n%d cells (%@): %d trained now, %d from the store, %.1f s.", outcome.results.count, counts, outcome.ran,
                     outcome.reused, outcome.seconds) + (outcome.complete ? "" : " Stopped early: run again to continue."))
        print("Wrote \(out)/curve.svg, report.html, results.csv, summary.json")
        try GPU.throwIfFailed()  // its cells were not stored: the exit status says so, and a rerun trains them
    }

    static func list(_ s: String) -> [String] {
        s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Seconds from `90`, `90s`, `10m`, `1.5h`; nil for `none` (no budget).
    static func parseBudget(_ s: String) throws -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "none" || t == "unlimited" { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("min", 60), ("h", 3600)]
        for (suffix, factor) in units.sorted(by: { $0.0.count > $1.0.count }) where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0, v.isFinite { return v * factor }
            throw CurveError.invalidBudget(s)
        }
        guard let v = Double(t), v > 0, v.isFinite else { throw CurveError.invalidBudget(s) }
        return v
    }

    /// Creates the folder `path` (given by `option`) if needed and proves a file can be written there.
    @discardableResult
    static func checkWritable(_ path: String, option: String) throws -> URL {
        guard !path.isEmpty else { throw ValidationError("\(option) needs a folder path, got an empty one") }
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
