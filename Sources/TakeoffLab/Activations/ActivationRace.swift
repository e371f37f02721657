import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// The same deep MLP trained with different activations — same data, seeds, optimizer and
/// schedule, each with the initialiser that suits it — recording loss per step, accuracy per
/// epoch and per-layer gradient norms, to show how much faster ReLU trains than sigmoid and why.
public struct ActivationRace: Sendable {
    public var activations: [Activation] = [.sigmoid, .tanh, .relu, .leakyRelu, .gelu]
    public var depth = 5
    public var width = 256
    public var optimizer: OptimizerKind = .sgd()
    public var learningRate: Float = 0.1
    public var batchSize = 128
    public var epochs = 6
    /// Seconds of training per run; training stops after the epoch that passes it.
    public var timeLimit: Double? = nil
    public var seeds: [UInt64] = [0, 1, 2]
    /// Steps between gradient-norm samples.
    public var gradientNormEvery = 25
    /// The training loss and test accuracy whose first crossing is timed.
    public var targetLoss: Float = 1.0
    public var targetAccuracy: Double = 0.8
    /// Where the networks train (on a GPU, step times are when the GPU finished each step).
    public var device: Device = .cpu
    /// The number format of the networks' products (fp32 or bf16, on the CPU).
    public var precision: Precision = .fp32

    public init() {}

    /// The most epochs a run may take: every step's loss and time are kept.
    public static let maxEpochs = 10_000

    /// One activation and seed.
    public struct Run: Sendable, Codable {
        public var activation: Activation
        public var seed: UInt64
        /// `nil` when training completed; the divergence or failure message otherwise.
        public var failure: String?
        /// Whether the failure is a divergence (the loss or a weight became NaN or infinite).
        public var diverged = false
        public var stepLosses: [Float] = []
        public var stepSeconds: [Double] = []
        public var epochs: [EpochRecord] = []
        public var gradientNorms: [GradientSample] = []
        public var testAccuracy: Double?
    }

    /// Each layer's weight-gradient norm (input side first) at one step.
    public struct GradientSample: Sendable, Codable {
        public var step: Int
        public var norms: [Float]
    }

    /// One run to do: an activation and a seed.
    public struct Job: Sendable, Codable, Hashable {
        public var activation: Activation
        public var seed: UInt64

        public init(activation: Activation, seed: UInt64) { (self.activation, self.seed) = (activation, seed) }
    }

    /// Every run of the race, seed by seed.
    public var jobs: [Job] { seeds.flatMap { seed in activations.map { Job(activation: $0, seed: seed) } } }

    /// The optimizer in words, e.g. `plain SGD`.
    public var optimizerName: String {
        switch optimizer {
        case let .sgd(m, n, wd): m == 0 && wd == 0 ? "plain SGD" : "SGD (momentum \(m)\(n ? ", Nesterov" : ""), weight decay \(wd))"
        case .adam: "Adam"
        case .adamW: "AdamW"
        }
    }

    /// Throws ``LabError/invalidOption``, naming the setting, for a setting the race cannot
    /// run with, before any training: no or repeated activations or seeds, a size below 1, a learning
    /// rate or target that is not a positive number, or a network for `inputs` features and `classes`
    /// classes whose weights, gradients and optimizer state would take over half the machine's memory.
    public func validate(inputs: Int, classes: Int) throws {
        func fail(_ option: String, _ detail: String) -> LabError { .invalidOption(option: option, detail: detail) }
        guard !activations.isEmpty else { throw fail("activations", "no activation to race") }
        guard inputs > 0 else { throw fail("data", "has no dense features (a click log's categorical fields?); the race trains MLPs on dense features") }
        if let a = activations.enumerated().first(where: { activations[..<$0.offset].contains($0.element) })?.element {
            throw fail("activations", "\(a.rawValue) is listed twice")
        }
        for (option, value) in [("depth", depth), ("width", width), ("batch-size", batchSize), ("epochs", epochs)] where value < 1 {
            throw fail(option, "must be positive, got \(value)")
        }
        guard epochs <= Self.maxEpochs else { throw fail("epochs", "must be at most \(Self.maxEpochs), got \(epochs)") }
        guard batchSize <= LearnerOptions.maxBatchSize else {
            throw fail("batch-size", "must be at most \(LearnerOptions.maxBatchSize), got \(batchSize)")
        }
        guard !seeds.isEmpty, Set(seeds).count == seeds.count else { throw fail("seeds", "need at least one seed, none repeated") }
        guard learningRate > 0, learningRate.isFinite else { throw fail("lr", "must be a positive number, got \(learningRate)") }
        guard targetLoss > 0, targetLoss.isFinite else { throw fail("target-loss", "must be a positive number, got \(targetLoss)") }
        guard targetAccuracy > 0, targetAccuracy <= 1 else {
            throw fail("target-accuracy", "must be an accuracy in (0, 1], got \(targetAccuracy)")
        }
        if let t = timeLimit, !(t > 0 && t.isFinite) { throw fail("budget", "must be a positive number of seconds, got \(t)") }
        if precision == .bf16, device != .cpu { throw fail("precision", "bf16 trains on the CPU in this version") }
        let network = NeuralArchitecture.shape(shape)
        let parameters = network.parameterEstimate(inputShape: [inputs], classes: classes)
        let bytes = network.trainingBytes(inputShape: [inputs], classes: classes)
        guard bytes <= Double(MemoryLimit.bytes) else {
            throw fail("width", "a network of \(depth) hidden layers of \(width) units has "
                       + String(format: "%.3g parameters, ", parameters) + MemoryLimit.gibibytes(bytes)
                       + " with gradients and optimizer state, over the \(MemoryLimit.gibibytes(Double(MemoryLimit.bytes))) allowed (half the memory)")
        }
    }

    /// The network every entrant trains.
    public var shape: NetworkShape { NetworkShape(.mlp, width: width, depth: depth) }

    /// The model under test.
    public func model(inputs: Int, classes: Int, activation: Activation, seed: UInt64) -> Sequential {
        shape.model(inputShape: [inputs], classes: classes, activation: activation, seed: seed)
    }

    /// The same schedule for every entrant: no early stopping, gradient norms sampled.
    var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.optimizer = optimizer
        options.patience = nil
        options.timeLimit = timeLimit
        options.gradientNormEvery = gradientNormEvery
        options.precision = precision
        return options
    }

    /// The data and settings every run of a race shares: the standardised sets and the training options.
    public struct Prepared: Sendable {
        let train: Dataset
        let test: Dataset
        let options: TrainingOptions
    }

    /// Standardises `data` on its training pool and sets up training (on a GPU, compiling its kernels
    /// with one untimed step of each network first, so that no timed run pays for compiling).
    public func prepare(_ data: TrainTestSplit) throws -> Prepared {
        let standardizer = Standardizer.fit(data.train)
        let train = standardizer.apply(to: data.train), test = standardizer.apply(to: data.test)
        let options = trainingOptions
        if device == .cuda {
            var warmUp = options
            (warmUp.epochs, warmUp.timeLimit) = (1, nil)
            let (few, fewTest) = (train.subset(Array(0..<Swift.min(batchSize, train.count))), test.subset(Array(0..<Swift.min(batchSize, test.count))))
            for activation in activations {
                let net = model(inputs: train.featureCount, classes: train.classCount, activation: activation, seed: 0)
                net.move(to: device)
                _ = try? Trainer(options: warmUp).fit(net, train: few, validation: nil, monitor: fewTest, seed: 0)
            }
            try GPU.throwIfFailed()
        }
        return Prepared(train: train, test: test, options: options)
    }

    /// Trains one run. A run that diverges is recorded as such; a GPU's failure is thrown.
    public func run(_ job: Job, on prepared: Prepared) throws -> Run {
        let (train, test) = (prepared.train, prepared.test)
        var run = Run(activation: job.activation, seed: job.seed)
        let net = model(inputs: train.featureCount, classes: train.classCount, activation: job.activation, seed: job.seed)
        net.move(to: device)
        do {
            let h = try Trainer(options: prepared.options, name: job.activation.rawValue)
                .fit(net, train: train, validation: nil, monitor: test, seed: job.seed)
            run.stepLosses = h.stepLosses
            run.stepSeconds = h.stepSeconds
            run.epochs = h.epochs
            run.gradientNorms = h.gradientNorms.map { GradientSample(step: $0.step, norms: $0.norms.map(\.norm)) }
            run.testAccuracy = h.epochs.last?.monitorAccuracy
        } catch let error as GPUError {
            throw error
        } catch {
            run.failure = "\(error)"
            if case TrainingError.diverged = error { run.diverged = true }
        }
        return run
    }
}

extension ActivationRace {
    /// What one activation achieved across seeds.
    public struct Summary: Sendable, Codable {
        public var activation: String
        public var runs: Int
        public var diverged: Int
        /// Mean and standard deviation over the seeds that reached the target (nil if none did).
        public var stepsToTargetLoss: Spread?
        public var secondsToTargetLoss: Spread?
        public var stepsToTargetAccuracy: Spread?
        public var secondsToTargetAccuracy: Spread?
        /// Sigmoid's steps to the target loss divided by this activation's, per seed (how many times faster).
        public var speedupOverSigmoid: Spread?
        /// Whether sigmoid never reached the target in some seed, so the speed-up counts all of its
        /// steps and is only a lower bound.
        public var speedupIsLowerBound = false
        public var finalTestAccuracy: Spread?
        /// Mean gradient norm of each layer's weight (input side first) over the first epoch.
        public var earlyGradientNorms: [Float]

        /// The "× faster than sigmoid (steps)" entry, the ratio written by `text`: 1 for sigmoid, `≥` where sigmoid never
        /// reached the loss, "not reached" where this activation did not, "—" where the race has no sigmoid to compare with.
        func speedupText(_ text: (Spread) -> String) -> String {
            if activation == "sigmoid" { return "1" }
            if let s = speedupOverSigmoid { return (speedupIsLowerBound ? "≥ " : "") + text(s) }
            return stepsToTargetLoss == nil ? "not reached" : "—"
        }
    }

    /// Mean and standard deviation of a few numbers.
    public struct Spread: Sendable, Codable {
        public var mean: Double
        public var std: Double
        public var count: Int

        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            mean = Analysis.mean(values)
            std = Analysis.sd(values)
            count = values.count
        }
    }

    /// The first step at which the loss, averaged over a window of `window` steps, is at or below `target`
    /// (the window smooths the noise of single mini-batches).
    static func firstStep(_ losses: [Float], below target: Float, window: Int = 10) -> Int? {
        var sum: Float = 0
        for (i, l) in losses.enumerated() {
            sum += l
            if i >= window { sum -= losses[i - window] }
            if i + 1 >= Swift.min(window, losses.count), sum / Float(Swift.min(i + 1, window)) <= target { return i + 1 }
        }
        return nil
    }

    /// Summaries per activation, in race order.
    public func summarize(_ runs: [Run]) -> [Summary] {
        func stepsToLoss(_ r: Run) -> Int? { r.failure == nil ? ActivationRace.firstStep(r.stepLosses, below: targetLoss) : nil }
        let sigmoidSteps = Dictionary(runs.filter { $0.activation == .sigmoid }.map { ($0.seed, stepsToLoss($0)) }, uniquingKeysWith: { a, _ in a })
        return activations.map { a in
            let mine = runs.filter { $0.activation == a }
            let ok = mine.filter { $0.failure == nil }
            let lossSteps = ok.compactMap { r in stepsToLoss(r).map { (r, $0) } }
            let accuracyEpochs = ok.compactMap { r in r.epochs.first { ($0.monitorAccuracy ?? 0) >= targetAccuracy }.map { (r, $0) } }
            var lowerBound = false
            let speedups = lossSteps.compactMap { r, steps -> Double? in
                // A sigmoid run that never reached the target gives a lower bound: all its steps.
                guard let s = sigmoidSteps[r.seed] else { return nil }
                if s == nil { lowerBound = true }
                let sigmoid = s ?? runs.first { $0.activation == .sigmoid && $0.seed == r.seed }?.stepLosses.count
                return sigmoid.map { Double($0) / Double(steps) }
            }
            let firstEpochSteps = ok.first?.epochs.first?.steps ?? 0
            let early = ok.flatMap { $0.gradientNorms.filter { $0.step < firstEpochSteps } }
            let layers = early.first?.norms.count ?? 0
            let norms = (0..<layers).map { l in early.map { $0.norms[l] }.reduce(0, +) / Float(Swift.max(early.count, 1)) }
            return Summary(
                activation: a.rawValue, runs: mine.count, diverged: mine.count - ok.count,
                stepsToTargetLoss: Spread(lossSteps.map { Double($0.1) }),
                secondsToTargetLoss: Spread(lossSteps.map { $0.0.stepSeconds[$0.1 - 1] }),
                stepsToTargetAccuracy: Spread(accuracyEpochs.map { Double($0.1.epoch * $0.1.steps) }),
                secondsToTargetAccuracy: Spread(accuracyEpochs.map { r, e in r.epochs.prefix(e.epoch).map(\.seconds).reduce(0, +) }),
                speedupOverSigmoid: a == .sigmoid ? nil : Spread(speedups), speedupIsLowerBound: a != .sigmoid && lowerBound,
                finalTestAccuracy: Spread(ok.compactMap(\.testAccuracy)),
                earlyGradientNorms: norms)
        }
    }
}
