import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// A ``ScaleRequest`` made ready to run: checked, the data read, a ``Sweep`` of one network per
/// width built. It runs as any ``SweepExperiment`` (same store, budget, figure-first schedule and
/// executors as a curve, locally or sharded over MPI ranks; its cells are keyed by each network's
/// width and depth, so they never mix with a curve's), then fits and reports.
public final class ScaleExperiment: SweepExperiment {
    public let request: ScaleRequest
    public let split: TrainTestSplit
    public let plan: SweepPlan
    public let shapes: [NetworkShape]
    public let sweep: Sweep

    /// Prepares `request`, reading the data unless `split` is given.
    public init(_ request: ScaleRequest, split: TrainTestSplit?) throws {
        try request.validate()
        self.request = request
        let split = try split ?? DataCatalog.load(request.data, options: request.loading)
        self.split = split
        shapes = request.shapes
        let smallest = Self.examplesPerClass * split.train.classCount
        if let tiny = request.sizes?.filter({ $0 < smallest }), !tiny.isEmpty {
            throw LabError.invalidOption(option: "sizes", detail: "\(tiny.map(String.init).joined(separator: ", ")) \(tiny.count == 1 ? "is" : "are") too few examples "
                + "for \(split.train.classCount) classes: a fitted law (its irreducible error above all) says nothing from subsets that small; "
                + "give sizes of at least \(smallest) (\(Self.examplesPerClass) a class)")
        }
        let inputShape = Self.inputShape(request.family, split.train)
        for shape in shapes.reversed() {
            let network = NeuralArchitecture.shape(shape)
            let bytes = network.trainingBytes(inputShape: inputShape, classes: split.train.classCount)
            guard bytes <= Double(MemoryLimit.bytes) else {
                throw LabError.invalidOption(option: "widths", detail: "width \(shape.width) (\(shape.summary)) has "
                    + String(format: "%.3g parameters", network.parameterEstimate(inputShape: inputShape, classes: split.train.classCount))
                    + " on \(inputShape.map(String.init).joined(separator: "×")) inputs: \(MemoryLimit.gibibytes(bytes)) with gradients and optimizer state, "
                    + "over the \(MemoryLimit.gibibytes(Double(MemoryLimit.bytes))) allowed (half the memory); give smaller widths")
            }
        }
        let declarations = shapes.map(NeuralLearner.declaration(for:))
        let learners = try declarations.map { try $0.make(request.learnerOptions, context: request.context) }
        plan = try SweepPlan(learners: learners, sizes: request.sizeList(pool: split.train.count), seeds: (0..<UInt64(request.seeds)).map { $0 },
                             split: split, declarations: declarations)
        var sweep = Sweep(plan: plan, work: CellEvaluator(plan: plan, split: split), data: request.data, split: split, store: request.store,
                          out: request.out, label: "scale", budget: request.budget.seconds, cellLimit: request.maxCells, target: request.target,
                          compute: request.compute)
        sweep.logsSkippedCells = request.verbose
        self.sweep = sweep
    }

    public convenience init(_ request: ScaleRequest) throws { try self.init(request, split: nil) }

    public var out: String { request.out }

    /// The store's path: ``ScaleRequest/store`` or `scale.sqlite` in the output folder.
    public var storePath: String { sweep.storePath }

    /// One line saying what will run.
    public var headline: String {
        "scale on \(request.data): \(request.family.rawValue) depth \(request.depth), widths \(shapes.map { "\($0.width)" }.joined(separator: ", ")) × "
            + "\(plan.sizes.count) sizes × \(plan.seeds.count) seeds = \(plan.cells.count) cells; store \(storePath); \(request.compute.description)"
            + (request.budget.seconds.map { String(format: "; budget %.0f s", $0) } ?? "")
    }

    /// The smallest training size per class that a scaling fit takes.
    public static let examplesPerClass = 5

    /// One example's shape as networks of `family` take it.
    static func inputShape(_ family: NetworkShape.Family, _ data: Dataset) -> [Int] {
        family == .cnn ? (data.imageShape ?? [data.featureCount]) : [data.featureCount]
    }

    /// The analysis's setting for this sweep.
    var setting: ScaleAnalysis.Setting {
        let inputShape = Self.inputShape(request.family, split.train)
        return .init(shapes: shapes, configurations: plan.learners.map(\.configuration), sizes: plan.sizes, pool: split.train.count,
                     inputShape: inputShape, classes: split.train.classCount, target: request.target, bootstraps: request.bootstraps,
                     epochs: request.learnerOptions.epochs)
    }

    /// Fits the joint law and writes the report.
    public func report(_ outcome: SweepRunner.Outcome, to folder: URL) throws -> ScaleReport {
        let analysis = ScaleAnalysis(results: outcome.results, setting: setting)
        let report = ScaleReport(dataName: request.data, request: request, plan: plan, outcome: outcome, analysis: analysis,
                                 poolSize: split.train.count, testSize: split.test.count)
        try report.write(to: folder)
        return report
    }
}
