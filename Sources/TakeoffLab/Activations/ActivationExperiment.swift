import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// What `takeoff activations` asks for: an ``ActivationRace`` on one data set.
public struct ActivationRequest: SweepRequest {
    /// A built-in data set, a file or a directory.
    public var data: String
    public var loading = LoadOptions()
    public var race = ActivationRace()
    /// Training examples: a nested subset of the pool (seed 0); nil: the whole pool.
    public var trainSize: Int?
    public var compute: Compute
    /// The results store; nil: `activations.sqlite` in ``out``.
    public var store: String?
    public var out = "takeoff-out/activations"

    public init(data: String, compute: Compute) {
        self.data = data
        self.compute = compute
    }

    /// Checks what can be checked before the data is read (the network's size is checked once the features are known).
    public func validate() throws {
        try race.validate(inputs: 1, classes: 2)
        try SweepSettings.check(seeds: race.seeds.count, seedLimit: 10_000, maxCells: nil, store: store, target: nil)
        if let trainSize, trainSize < 1 { throw LabError.invalidOption(option: "train-size", detail: "must be positive, got \(trainSize)") }
    }
}

extension ActivationRace {
    /// One entrant of the race: its network with one activation, trained on the race's schedule. Its
    /// configuration holds every setting of the race, so races run with other settings never share cells.
    public struct Entrant: Learner {
        public let race: ActivationRace
        public let activation: Activation

        public var name: String { "\(race.shape.name)-\(activation.rawValue)" }
        public var device: Device { race.device }
        public var configuration: [String: String] {
            var c = ["activation": activation.rawValue, "depth": "\(race.depth)", "width": "\(race.width)", "optimizer": race.optimizer.description,
             "lr": "\(race.learningRate)", "batch_size": "\(race.batchSize)", "epochs": "\(race.epochs)",
             "time_limit": race.timeLimit.map { "\($0)" } ?? "none", "gradient_norm_every": "\(race.gradientNormEvery)",
             "device": race.device.rawValue]
            if race.precision != .fp32 { c["precision"] = race.precision.rawValue }
            return c
        }

        /// Trains the race's network with this activation on `train`, standardised on itself.
        public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
            let standardizer = Standardizer.fit(train)
            let net = race.model(inputs: train.featureCount, classes: train.classCount, activation: activation, seed: seed)
            net.move(to: device)
            let history = try Trainer(options: race.trainingOptions, name: name)
                .fit(net, train: standardizer.apply(to: train), validation: nil, seed: seed)
            return NeuralModel(trained: net, shape: race.shape, activation: activation, classNames: train.classNames, input: standardizer,
                               history: history, examplesTrained: train.count * history.epochs.count)
        }

        /// Its declaration, for the sweep's checks of the data.
        public var declaration: LearnerDeclaration {
            let entrant = self
            return LearnerDeclaration(name: name, family: .neural, summary: "\(race.shape.summary), \(activation.rawValue)", options: [],
                                      usesDevice: true, build: { _, _ in entrant }, load: { file in try NeuralModel.load(file) })
        }
    }

    /// The race's entrants, in race order.
    public var entrants: [Entrant] { activations.map { Entrant(race: self, activation: $0) } }
}

/// The cells of an activation race: each an entrant trained with one seed on the race's prepared data,
/// its loss per step, accuracy per epoch and gradient norms kept as the result's ``CellResult/trace``.
public final class ActivationCells: CellWork, @unchecked Sendable {
    let race: ActivationRace
    let plan: SweepPlan
    let prepared: ActivationRace.Prepared

    init(race: ActivationRace, plan: SweepPlan, prepared: ActivationRace.Prepared) {
        (self.race, self.plan, self.prepared) = (race, plan, prepared)
    }

    public var fingerprint: String { "\(plan.dataset), \(plan.cells.count) runs, grid \(plan.key)" }

    public func result(of job: CellJob) -> CellResult {
        let activation = race.activations[job.learner]
        let start = Benchmarks.now()
        let run: ActivationRace.Run
        do {
            run = try race.run(ActivationRace.Job(activation: activation, seed: job.key.seed), on: prepared)
        } catch let e as GPUError {
            if case .stopped = e { return CellResult(key: job.key, status: .gpuFailed, error: e.description) }
            return CellResult(key: job.key, status: .failed, error: e.description)
        } catch {
            return CellResult(key: job.key, status: .failed, error: "\(error)")
        }
        let status: CellStatus = run.failure == nil ? .ok : run.diverged ? .diverged : .failed
        let parameters = race.shape.size(inputShape: [prepared.train.featureCount], classes: prepared.train.classCount).parameters
        return CellResult(key: job.key, status: status, accuracy: run.testAccuracy, fitSeconds: Benchmarks.now() - start,
                          parameters: parameters, error: run.failure,
                          trace: (try? JSONEncoder().encode(run)).map { String(decoding: $0, as: UTF8.self) })
    }

    /// The run a stored cell holds.
    static func run(of result: CellResult) -> ActivationRace.Run? {
        result.trace.flatMap { try? JSONDecoder().decode(ActivationRace.Run.self, from: Data($0.utf8)) }
    }
}

/// An ``ActivationRequest`` made ready to run: the data read (and cut to its training size), the race
/// checked against it, a ``Sweep`` of entrants × seeds built. It runs as any ``SweepExperiment``: each
/// run is stored as it finishes, so a killed race continues where it stopped, and under `mpirun` the
/// runs are shared out over the ranks.
public final class ActivationExperiment: SweepExperiment {
    public let request: ActivationRequest
    public let split: TrainTestSplit
    public let plan: SweepPlan
    public let sweep: Sweep

    /// Prepares `request`, reading the data unless `split` is given.
    public init(_ request: ActivationRequest, split: TrainTestSplit?) throws {
        try request.validate()
        self.request = request
        var split = try split ?? DataCatalog.load(request.data, options: request.loading)
        let race = request.race
        try race.validate(inputs: split.train.featureCount, classes: split.train.classCount)
        if let trainSize = request.trainSize {
            guard trainSize <= split.train.count else {
                throw LabError.invalidOption(option: "train-size", detail: "must be in 1...\(split.train.count), got \(trainSize)")
            }
            split.train = try split.train.nestedSubset(trainSize, seed: 0)
        }
        self.split = split
        let entrants = race.entrants
        plan = try SweepPlan(learners: entrants, sizes: [split.train.count], seeds: race.seeds, split: split,
                             declarations: entrants.map(\.declaration))
        let work = ActivationCells(race: race, plan: plan, prepared: try race.prepare(split))
        sweep = Sweep(plan: plan, work: work, data: request.data, split: split, store: request.store, out: request.out, label: "activations",
                      budget: nil, cellLimit: nil, target: nil, compute: request.compute)
    }

    public convenience init(_ request: ActivationRequest) throws { try self.init(request, split: nil) }

    public var out: String { request.out }

    public var headline: String {
        let race = request.race
        return "activations on \(request.data): \(race.activations.map(\.rawValue).joined(separator: ", ")) × \(race.seeds.count) seeds = "
            + "\(plan.cells.count) runs of \(race.shape.summary), m = \(split.train.count); store \(sweep.storePath); \(request.compute.description)"
    }

    /// Summarises the runs and writes the report. A GPU that failed ends the race with its error (its runs were not stored).
    public func report(_ outcome: SweepRunner.Outcome, to folder: URL) throws -> ActivationReport {
        if let stopped = outcome.results.first(where: { $0.status == .gpuFailed }) {
            try GPU.throwIfFailed()
            throw LabError.invalidOption(option: "device", detail: stopped.error ?? "the GPU failed")
        }
        let race = request.race
        var runs: [ActivationRace.Job: ActivationRace.Run] = [:]
        for result in outcome.results {
            let activation = race.activations[plan.learners.firstIndex { $0.configuration == result.key.configuration }!]
            var run = ActivationCells.run(of: result) ?? ActivationRace.Run(activation: activation, seed: result.key.seed)
            if run.failure == nil, result.status != .ok { run.failure = result.error ?? result.status.rawValue }
            runs[ActivationRace.Job(activation: activation, seed: result.key.seed)] = run
        }
        let ordered = race.jobs.compactMap { runs[$0] }
        let report = ActivationReport(race: race, runs: ordered, summaries: race.summarize(ordered), data: request.data)
        try report.write(to: folder)
        return report
    }
}
