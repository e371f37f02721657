import Foundation
import TakeoffData
import TakeoffNN

/// What `takeoff scale` asks for: networks of one family at several widths × training sizes × seeds,
/// on one data set, with a budget; then a joint fit of error over data size and parameter count.
public struct ScaleRequest: SweepRequest {
    public var data: String
    public var loading = LoadOptions()
    public var family: NetworkShape.Family = .mlp
    /// Widths (units of an MLP's hidden layers, a CNN's first channels); nil: ``defaultWidths``.
    public var widths: [Int]?
    public var depth = 2
    /// Training sizes m; nil: ``defaultSizes`` (those within the pool).
    public var sizes: [Int]?
    public var seeds = 2
    public var budget: TimeBudget = .seconds(600)
    /// Target test accuracy in (0, 1): the data each width needs to reach it.
    public var target: Double?
    /// Settings for the networks (epochs, learning rate, …).
    public var learnerOptions = LearnerOptions()
    /// Where the networks train.
    public var context = TrainingContext()
    public var compute: Compute
    /// The results store; nil: `scale.sqlite` in ``out``.
    public var store: String?
    public var out = "takeoff-out/scale"
    /// Train at most this many new cells, then report; 0 reports what the store holds.
    public var maxCells: Int?
    /// Bootstrap refits for the intervals.
    public var bootstraps = 200
    /// Log a line for every cell skipped at the budget too (otherwise the report sums them up per learner).
    public var verbose = false

    /// The most bootstrap refits: each is a full fit of the law.
    public static let maxBootstraps = 100_000
    /// A joint fit needs this many distinct widths and sizes.
    public static let minimumAxis = 3
    public static let defaultWidths: [NetworkShape.Family: [Int]] = [.mlp: [16, 32, 64, 128, 256, 512], .cnn: [4, 8, 16, 32]]
    public static let defaultSizes = [300, 750, 1_900, 4_800, 12_000]

    public init(data: String, compute: Compute) {
        self.data = data
        self.compute = compute
    }

    public var widthList: [Int] { widths ?? Self.defaultWidths[family]! }

    /// Checks what can be checked before the data is read: a clear error, nothing trained or lost.
    public func validate() throws {
        let w = widthList
        if let repeated = Dictionary(grouping: w, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw LabError.invalidOption(option: "widths", detail: "width \(repeated) is listed more than once: give each width once")
        }
        if let bad = w.first(where: { $0 < 1 }) { throw LabError.invalidOption(option: "widths", detail: "widths must be positive, got \(bad)") }
        guard w.count >= Self.minimumAxis else {
            throw LabError.invalidOption(option: "widths", detail: "a joint fit of error over data and parameters needs at least \(Self.minimumAxis) widths, got \(w.count) (\(w.map(String.init).joined(separator: ", "))); for one network's curve use takeoff curve")
        }
        if let sizes {
            if let repeated = Dictionary(grouping: sizes, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw LabError.invalidOption(option: "sizes", detail: "size \(repeated) is listed more than once: give each size once")
            }
            guard sizes.count >= Self.minimumAxis else {
                throw LabError.invalidOption(option: "sizes", detail: "a joint fit of error over data and parameters needs at least \(Self.minimumAxis) training sizes, got \(sizes.count)")
            }
        }
        guard depth >= 1, depth <= 16 else { throw LabError.invalidOption(option: "depth", detail: "must be in 1...16, got \(depth)") }
        try SweepSettings.check(seeds: seeds, seedLimit: 100, maxCells: maxCells, store: store, target: target)
        guard bootstraps >= 0, bootstraps <= Self.maxBootstraps else {
            throw LabError.invalidOption(option: "bootstraps", detail: "must be in 0...\(Self.maxBootstraps), got \(bootstraps)")
        }
        try learnerOptions.validate()
    }

    /// The networks, narrowest first.
    public var shapes: [NetworkShape] { widthList.sorted().map { NetworkShape(family, width: $0, depth: depth) } }

    /// The sizes for a pool of `pool` examples: the given ones, or the defaults that fit (the pool itself
    /// replacing those beyond it). Too few is an error naming the pool.
    public func sizeList(pool: Int) throws -> [Int] {
        let list = sizes ?? Array(Set(Self.defaultSizes.map { min($0, pool) })).sorted()
        guard list.count >= Self.minimumAxis else {
            throw LabError.invalidOption(option: "sizes", detail: "a joint fit needs at least \(Self.minimumAxis) training sizes; the pool of \(pool) examples leaves \(list.count) of the defaults: give --sizes")
        }
        return list
    }
}
