import Foundation
import TakeoffData
import TakeoffEngine

/// A time limit: seconds, or none.
public enum TimeBudget: Sendable, Equatable, Codable {
    case seconds(Double)
    case unlimited

    /// Parses `90`, `90s`, `10m`, `1.5h`, `none`; throws ``LabError/invalidOption(option:detail:)`` otherwise.
    public init(parsing s: String) throws {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "none" || t == "unlimited" { self = .unlimited; return }
        let units: [(String, Double)] = [("min", 60), ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var value = Double(t), factor = 1.0
        if value == nil, let (suffix, f) = units.first(where: { t.hasSuffix($0.0) }) { (value, factor) = (Double(t.dropLast(suffix.count)), f) }
        guard let v = value, v.isFinite else {
            throw LabError.invalidOption(option: "budget", detail: "'\(s)' is not a duration: expected one such as 90s, 10m, 1.5h, or none")
        }
        guard v > 0 else {
            throw LabError.invalidOption(option: "budget", detail: "'\(s)' leaves no time to train: give a positive duration such as 90s, "
                                         + "or none for no limit (to report what the store holds without training, use --max-cells 0)")
        }
        self = .seconds(v * factor)
    }

    /// The limit in seconds, nil for none.
    public var seconds: Double? { if case let .seconds(s) = self { s } else { nil } }
}

/// What `takeoff curve` asks for: learners × training sizes × seeds on one data set, with a budget.
/// Every field left nil takes the default of a full run, or of a `quick` one.
public struct CurveRequest: SweepRequest {
    /// A built-in data set, a file or an MNIST-layout directory.
    public var data: String
    public var loading = LoadOptions()
    /// Learner names; nil: every learner that suits the data (when quick, those of ``quickLearners`` that do, or all that do where none does).
    public var learners: [String]?
    /// Settings for the learners; each applies to the learners that take it (e.g. epochs to the networks).
    public var learnerOptions = LearnerOptions()
    /// Where the learners train (the device of those that can use one); progress and MPI are the sweep's.
    public var context = TrainingContext()
    /// Training sizes m; nil: 8 log-spaced from 100 to the pool (``quickSizes`` when quick).
    public var sizes: [Int]?
    /// Seeds per (learner, m); nil: 3 (1 when quick).
    public var seeds: Int?
    /// nil: 10 minutes (1 when quick).
    public var budget: TimeBudget?
    public var quick = false
    public var compute: Compute
    /// The results store; nil: `curve.sqlite` in ``out``.
    public var store: String?
    /// Where the report goes.
    public var out = "takeoff-out/curve"
    /// Target test accuracy in (0, 1): the m each learner needs to reach it.
    public var target: Double?
    /// Train at most this many new cells, then report; 0 reports what the store holds.
    public var maxCells: Int?
    /// What the figure plots and the curves are fitted to; nil: ``CurveMetric/default(for:)`` of the data.
    public var metric: CurveMetric?
    /// Log a line for every cell skipped at the budget too (otherwise the report sums them up per learner).
    public var verbose = false

    /// The quick grid's learners and sizes: a first look in about 15 seconds.
    public static let quickLearners = ["logreg", "linear-svm", "mlp-small", "mlp-medium"]
    public static let quickSizes = [100, 250, 600, 1500, 3000]
    /// Seeds of a run and of a quick one.
    public static let defaultSeeds = (full: 3, quick: 1)
    public static let defaultBudget = (full: TimeBudget.seconds(600), quick: TimeBudget.seconds(60))

    public init(data: String, compute: Compute) {
        self.data = data
        self.compute = compute
    }

    /// The budget this request runs with.
    public var resolvedBudget: TimeBudget { budget ?? (quick ? Self.defaultBudget.quick : Self.defaultBudget.full) }

    /// Checks what can be checked before the data is read: a clear error, nothing trained.
    public func validate() throws {
        try SweepSettings.check(seeds: seeds ?? (quick ? Self.defaultSeeds.quick : Self.defaultSeeds.full), seedLimit: 10_000, maxCells: maxCells,
                                store: store, target: target)
        try learnerOptions.validate()
        for name in learners ?? [] { _ = try LearnerRegistry.declaration(named: name) }
        if metric == .logloss, target != nil {
            throw LabError.invalidOption(option: "target", detail: "is an accuracy or AUC to reach; it does not apply to --metric logloss")
        }
    }

    /// The metric of this request for `data`; throws when `data` cannot have it (AUC needs two classes).
    public func resolvedMetric(for data: Dataset) throws -> CurveMetric {
        let m = metric ?? CurveMetric.default(for: data)
        if m == .auc, data.classCount != 2 {
            throw LabError.invalidOption(option: "metric", detail: "auc needs two classes; \(self.data) has \(data.classCount) (use accuracy or logloss)")
        }
        return m
    }

    /// The seeds 0, 1, … of this request.
    public var seedList: [UInt64] { (0..<UInt64(seeds ?? (quick ? Self.defaultSeeds.quick : Self.defaultSeeds.full))).map { $0 } }

    /// The learners of this request for `data`, each given the options it takes.
    public func makeLearners(for data: Dataset) throws -> [any Learner] {
        let suiting = LearnerRegistry.names(suiting: data)
        // Quick: the quick learners that suit the data, or all that do where none of them does (a click log).
        let quickNames = Self.quickLearners.filter(suiting.contains)
        let names = learners ?? (quick ? (quickNames.isEmpty ? suiting : quickNames) : suiting)
        let declarations = try names.map(LearnerRegistry.declaration(named:))
        // Each option goes to the learners that take it; one that none of them takes is refused, not ignored.
        let taken = declarations.reduce(into: Set<LearnerOption>()) { $0.formUnion($1.options) }
        if let (option, _) = learnerOptions.given.first(where: { !taken.contains($0.option) }) {
            throw LearnerError.optionNotTaken(learner: names.joined(separator: ", "), option: option, takes: taken.sorted())
        }
        return try declarations.map { try $0.make(learnerOptions.restricted(to: $0.options), context: context) }
    }

    /// The sizes of this request for a pool of `pool` examples.
    public func sizeList(pool: Int) -> [Int] {
        if let sizes { return sizes }
        return quick ? Array(Set(Self.quickSizes.map { min($0, pool) })).sorted() : SweepPlan.logSpacedSizes(pool: pool)
    }

    /// Reads the data, seeded by ``LoadOptions/seed`` (kept fixed; subset seeds vary).
    public func loadData() throws -> TrainTestSplit { try DataCatalog.load(data, options: loading) }
}
