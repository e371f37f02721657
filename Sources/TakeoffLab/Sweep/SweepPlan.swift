import Foundation
import TakeoffData
import TakeoffEngine

/// The grid of a learning-curve sweep: learners × training sizes m × seeds, on one data set's
/// training pool with its fixed test set. Validated before any training starts.
public struct SweepPlan: Sendable {
    /// A learner with its name and its configuration as canonical JSON (the key of its cells).
    public struct Entry: Sendable {
        public let learner: any Learner
        public let configuration: String
        /// The learner's planned work at each size of the grid, where it plans its work (see ``Learner/plannedWork(examples:like:)``).
        public var work: [Int: Double] = [:]
        public var name: String { learner.name }
    }

    public let learners: [Entry]

    /// Whether any learner's products run in bfloat16 (``Precision/bf16``), for the run's headline and figure.
    public var networksInBF16: Bool { learners.contains { $0.learner.configuration["precision"] == Precision.bf16.rawValue } }
    /// Ascending, distinct.
    public let sizes: [Int]
    public let seeds: [UInt64]
    /// ``fingerprint(of:)`` of the data.
    public let dataset: String

    /// The grid's identity (``SweepRecord/key(dataset:learners:sizes:seeds:)``): the data, every learner's configuration
    /// in order, the sizes and the seeds. Ranks of one MPI job must agree on it before they share cells.
    public var key: String { SweepRecord.key(dataset: dataset, learners: learners.map(\.configuration), sizes: sizes, seeds: seeds) }

    /// The grid for `split`; throws ``CurveError`` for an empty grid, a repeated learner, a size
    /// outside 1…pool, or a learner that cannot use the data. `declarations` declares learners that
    /// are not in the registry (a scaling sweep's networks of each width); they are consulted first.
    public init(learners: [any Learner], sizes: [Int], seeds: [UInt64], split: TrainTestSplit,
                declarations: [LearnerDeclaration] = []) throws {
        guard !learners.isEmpty else { throw CurveError.invalidGrid("no learners to sweep") }
        guard !sizes.isEmpty else { throw CurveError.invalidGrid("no training sizes to sweep") }
        guard !seeds.isEmpty else { throw CurveError.invalidGrid("at least one seed is needed") }
        guard Set(seeds).count == seeds.count else { throw CurveError.invalidGrid("seeds repeat: \(seeds)") }
        let pool = split.train.count
        for m in sizes {
            guard m >= 1 else { throw CurveError.invalidGrid("training sizes must be positive, got \(m)") }
            guard m <= pool else { throw CurveError.sizeExceedsPool(m: m, pool: pool, dataset: split.train.name) }
        }
        var entries: [Entry] = []
        for l in learners {
            try (declarations.first { $0.name == l.name } ?? LearnerRegistry.declaration(named: l.name)).check(split.train)
            var entry = Entry(learner: l, configuration: Self.canonicalConfiguration(of: l))
            for m in sizes { entry.work[m] = l.plannedWork(examples: m, like: split.train) }
            guard !entries.contains(where: { $0.configuration == entry.configuration }) else {
                throw CurveError.invalidGrid("learner \(l.name) is listed twice")
            }
            entries.append(entry)
        }
        self.learners = entries
        self.sizes = Array(Set(sizes)).sorted()
        self.seeds = seeds
        self.dataset = Self.fingerprint(of: split)
    }

    /// Every cell of the grid.
    public var cells: [CellKey] {
        learners.flatMap { l in
            sizes.flatMap { m in
                seeds.map { CellKey(dataset: dataset, learner: l.name, configuration: l.configuration, m: m, seed: $0) }
            }
        }
    }

    /// `{"learner": name, …configuration}` with sorted keys: equal exactly when the learners are configured alike.
    public static func canonicalConfiguration(of learner: any Learner) -> String {
        var c = learner.configuration
        c["learner"] = learner.name
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(c)) ?? Data(), as: UTF8.self)
    }

    /// The data's identity for keying results: the pool's and the test set's content hashes and the preprocessing.
    public static func fingerprint(of split: TrainTestSplit) -> String {
        "\(split.train.fingerprint)-\(split.test.fingerprint)-\(split.preprocessing.key)"
    }

    /// `count` sizes spaced evenly on a log scale from `smallest` (or the pool, if smaller) up to the whole pool.
    public static func logSpacedSizes(pool: Int, count: Int = 8, smallest: Int = 100) -> [Int] {
        let lo = Double(min(smallest, pool)), hi = Double(pool)
        guard count > 1, hi > lo else { return [pool] }
        let sizes = (0..<count).map { i -> Int in
            let m = lo * pow(hi / lo, Double(i) / Double(count - 1))
            return i == count - 1 ? pool : Int((m / roundingStep(m)).rounded() * roundingStep(m))
        }
        return Array(Set(sizes)).sorted()
    }

    /// Rounds sizes to two significant digits so tables read well.
    static func roundingStep(_ m: Double) -> Double { max(1, pow(10, floor(log10(m)) - 1)) }
}
