import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffMPI

/// What `takeoff train` asks for: one learner on a nested subset of a data set, scored on its test set.
public struct TrainRequest: Sendable {
    /// A built-in data set, a file or an MNIST-layout directory.
    public var data: String
    /// How to read it; its seed is set from ``seed``.
    public var loading = LoadOptions()
    public var learner: String
    public var options = LearnerOptions()
    /// Where it trains, over which MPI ranks, and whether it shows progress.
    public var context = TrainingContext()
    /// Training examples m, a nested stratified subset of the pool; nil: all.
    public var trainSize: Int?
    /// Fixes the subset, the initialisation and the shuffling (and a non-official test split).
    public var seed: UInt64 = 0
    /// Where to save the trained model (safetensors); checked before training.
    public var save: String?

    public init(data: String, learner: String) {
        self.data = data
        self.learner = learner
    }

    /// Trains and scores; throws on bad input before any training, and when training fails.
    public func run() throws -> TrainResult {
        let declaration = try LearnerRegistry.declaration(named: self.learner)
        if let group = context.dataParallel, group.size > 1, declaration.family != .neural {
            throw LabError.invalidOption(option: "learner", detail: "\(declaration.name) cannot train data-parallel over \(group.size) MPI ranks; the networks can")
        }
        let learner = try declaration.make(options, context: context)
        if let save { try OutputFile.check(save, option: "save") }
        var loading = self.loading
        loading.seed = seed
        let split = try DataCatalog.load(data, options: loading)
        try declaration.check(split.train)
        let m = trainSize ?? split.train.count
        guard m >= 1, m <= split.train.count else {
            throw LabError.invalidOption(option: "train-size", detail: "\(m) is outside 1...\(split.train.count), the training pool of \(data)")
        }
        if let group = context.dataParallel, group.size > 1 {
            try Self.agree(group, on: [SweepPlan.canonicalConfiguration(of: learner), SweepPlan.fingerprint(of: split), "\(m)", "\(seed)"])
        }
        let cell = try TrainedCell(training: learner, split: split, indices: NestedSubsets(pool: split.train, seed: seed).indices(m), seed: seed)
        if let save { try cell.model.save(to: URL(fileURLWithPath: save)) }
        return TrainResult(request: self, learner: learner, cell: cell, threads: Parallel.threadCount, classNames: split.train.classNames)
    }
}

extension TrainRequest {
    /// Throws on every rank unless all ranks train the same `settings` (learner configuration, data, m, seed): ranks
    /// given different commands would sum gradients of different models, or wait for ever on mismatched collectives.
    static func agree(_ group: any DataParallelGroup, on settings: [String]) throws {
        // A 64-bit hash of the settings in four 16-bit parts, each exact in a Float.
        let hash = fnv1a(settings.joined(separator: "\n"))
        let mine = (0..<4).map { Float((hash >> (16 * UInt64($0))) & 0xffff) }
        var first = mine
        first.withUnsafeMutableBufferPointer { group.broadcast($0, root: 0) }
        var differing: [Float] = [first == mine ? 0 : 1]
        differing.withUnsafeMutableBufferPointer { group.allreduceSum($0) }
        guard differing[0] == 0 else {
            throw LabError.invalidOption(option: "learner", detail: "\(Int(differing[0])) of the \(group.size) MPI ranks \(differing[0] == 1 ? "was" : "were") given other training settings "
                                         + "(learner options, data, --train-size or --seed) than rank 0: every rank must run the same command")
        }
    }

    /// Runs as this process was launched: alone, or as one rank of an `mpirun` job, where every rank trains
    /// data-parallel on its shard of each batch and rank 0 alone shows progress, saves and returns the result
    /// (the other ranks return nil).
    public func runAsLaunched() throws -> TrainResult? {
        guard let comm = Communicator.world else { return try run() }
        var request = self
        request.context.dataParallel = comm
        if !comm.isRoot { (request.context.showProgress, request.save) = (false, nil) }
        let result = try request.run()
        return comm.isRoot ? result : nil
    }
}

/// What one training run gave.
public struct TrainResult {
    public let request: TrainRequest
    public let learner: any Learner
    public let cell: TrainedCell
    public let threads: Int
    /// The data's class names, in label order.
    public let classNames: [String]

    /// The result as one JSON object (the `--json` output).
    public var json: [String: Any] {
        var r: [String: Any] = [
            "learner": learner.name, "data": request.data, "train_size": cell.trainSize, "test_size": cell.testSize, "seed": request.seed,
            "test_accuracy": cell.metrics.accuracy, "fit_seconds": cell.fitSeconds, "predict_seconds": cell.predictSeconds,
            "parameters": cell.model.parameterCount, "configuration": learner.configuration, "statistics": cell.model.statistics,
            "threads": threads,
        ]
        if let loss = cell.metrics.logLoss { r["test_log_loss"] = loss }
        r.merge(cell.metrics.twoClassFields) { a, _ in a }
        return r
    }
}

/// A file a command will write.
public enum OutputFile {
    /// Checks, before any work, that a file can be written at `path` (given by the setting `option`):
    /// the path is not empty or a directory, and its folder exists and takes new files.
    public static func check(_ path: String, option: String) throws {
        func fail(_ detail: String) -> LabError { .invalidOption(option: option, detail: detail) }
        guard !path.isEmpty else { throw fail("needs a file path, got an empty one") }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { throw fail("\(path) is a directory; give a file path") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("\(path): the folder \(folder) does not exist")
        }
        guard fm.isWritableFile(atPath: folder) else { throw fail("\(path): cannot write in \(folder)") }
    }
}
