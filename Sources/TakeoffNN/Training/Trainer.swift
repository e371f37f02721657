import Foundation
import TakeoffData
import TakeoffEngine

/// How a network is trained.
public struct TrainingOptions: Sendable, Equatable {
    public var epochs: Int = 20
    public var batchSize: Int = 128
    public var learningRate: Float = 1e-3
    public var optimizer: OptimizerKind = .adam()
    public var schedule: LearningRateSchedule = .constant
    /// Epochs without improvement on the validation set before stopping (nil: never stop early).
    public var patience: Int? = 5
    /// Stop early once the training loss falls below this.
    public var targetLoss: Float? = nil
    /// Record the gradient norm of every layer's weight every this many steps (nil: never).
    public var gradientNormEvery: Int? = nil
    /// Stop after the epoch in which this many seconds of training have passed.
    public var timeLimit: Double? = nil
    public var showProgress = false
    /// Random changes to the training images, drawn anew each epoch; nil: none.
    public var augmentation: ImageAugmentation?
    /// The number format of the products (``Precision/bf16``: the planned CPU step only; `auto` as ``Precision/resolved`` decides).
    public var precision: Precision = .fp32

    public init() {}
}

/// What happened in one epoch.
public struct EpochRecord: Sendable, Codable {
    public var epoch: Int
    public var trainLoss: Float
    public var validationLoss: Float?
    public var validationAccuracy: Double?
    /// Accuracy on the monitored set passed to ``Trainer/fit(_:train:validation:monitor:seed:)``.
    public var monitorAccuracy: Double?
    public var seconds: Double
    public var steps: Int
}

/// The record of a training run.
public struct TrainingHistory: Sendable {
    public var epochs: [EpochRecord] = []
    /// Training loss at every step.
    public var stepLosses: [Float] = []
    /// Seconds of training (evaluation excluded) at the end of every step (on a GPU: when the GPU
    /// finished it, from marks on its stream).
    public var stepSeconds: [Double] = []
    /// Gradient norm of each layer's weight (`layer.weight` names, input side first), sampled
    /// every `gradientNormEvery` steps.
    public var gradientNorms: [(step: Int, norms: [(name: String, norm: Float)])] = []
    /// The epoch whose weights were kept (best validation result), 1-based.
    public var bestEpoch = 0
    public var stoppedEarly = false
    public var seconds = 0.0
    public var examplesPerSecond = 0.0
    /// Seconds spent summing gradients over the group, in data-parallel training.
    public var allreduceSeconds = 0.0
}

/// Trains a ``Sequential`` classifier with mini-batches: seeded shuffling each epoch,
/// evaluation without a tape, early stopping on a validation set with best-weights restore.
/// A non-finite loss stops training with ``TrainingError/diverged(learner:detail:)``.
public struct Trainer {
    public var options: TrainingOptions
    public var name: String
    /// When set, training is data-parallel over this group's processes (see ``DataParallelGroup``): every
    /// process holds the whole training set, computes the gradient of its shard of each global batch of
    /// ``TrainingOptions/batchSize``, and the summed gradient gives every process the same step.
    public var group: (any DataParallelGroup)?

    public init(options: TrainingOptions, name: String = "network") {
        self.options = options
        self.name = name
    }

    /// Trains `model` on `train`, stopping early on `validation` when given; `monitor` is only
    /// evaluated after each epoch (e.g. to chart test accuracy) and never steers training.
    public func fit(_ model: Sequential, train: Dataset, validation: Dataset?, monitor: Dataset? = nil,
                    seed: UInt64) throws -> TrainingHistory {
        let arena = model.arena
        let optimizer = options.optimizer.make(for: arena)
        let n = train.count, batch = Swift.max(1, Swift.min(options.batchSize, n))
        let stepsPerEpoch = (n + batch - 1) / batch
        let steps = try strategy(model, train: train, batch: batch, newDataEachEpoch: options.augmentation != nil)
        var history = TrainingHistory()
        let rng = RandomGenerator(seed: seed)
        // The best epoch's weights and running statistics (layers replace their buffers, never write into them).
        var best: (accuracy: Double, loss: Float, weights: [Float], buffers: [(layer: any Layer, key: String, value: Tensor)])? = nil
        var sinceBest = 0
        var step = 0
        let progress = options.showProgress ? ProgressBar(total: options.epochs * stepsPerEpoch, label: name) : nil
        let start = Benchmarks.now()
        var trainingSeconds = 0.0
        let weights = model.namedParameters.filter { $0.name.hasSuffix(".weight") }

        for epoch in 1...Swift.max(options.epochs, 1) {
            let epochStart = Benchmarks.now()
            var epochRNG = rng.fork(UInt64(epoch))
            let order = epochRNG.permutation(n)
            var context = ForwardContext(training: true, rng: epochRNG.fork(1))
            var lossSum: Float = 0
            var epochTrain = train
            if let augmentation = options.augmentation {
                var augmentRNG = epochRNG.fork(2)
                epochTrain = augmentation.apply(to: train, rng: &augmentRNG)
            }
            steps.startEpoch(order: order, train: epochTrain)
            for b in 0..<stepsPerEpoch {
                if steps.stopsAtDeadline { try Deadline.check() }
                let value = try steps.gradient((b * batch)..<Swift.min(n, (b + 1) * batch), step: b, context: &context)
                if let value {
                    guard value.isFinite else {
                        throw TrainingError.diverged(learner: name, detail: "loss is \(value) at epoch \(epoch), step \(step + 1)")
                    }
                    lossSum += value
                    history.stepLosses.append(value)
                }
                if let every = options.gradientNormEvery, step % every == 0 {
                    history.gradientNorms.append((step, weights.map { ($0.name, $0.parameter.gradientNorm) }))
                }
                optimizer.step(arena, learningRate: options.schedule.rate(step: step, base: options.learningRate))
                step += 1
                steps.stepTaken()
                history.stepSeconds.append(trainingSeconds + Benchmarks.now() - epochStart)
                progress?.update(step, status: value != nil ? String(format: "epoch %d loss %.4f", epoch, lossSum / Float(b + 1)) : "epoch \(epoch)")
            }
            if let (values, seconds) = try steps.finishEpoch() {
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw TrainingError.diverged(learner: name, detail: "loss is \(values[bad]) at epoch \(epoch), step \(step - stepsPerEpoch + bad + 1)")
                }
                lossSum = values.reduce(0, +)
                history.stepLosses += values
                let first = history.stepSeconds.count - stepsPerEpoch
                for (b, s) in seconds.enumerated() { history.stepSeconds[first + b] = trainingSeconds + s }
            }
            steps.synchronize()
            guard arena.allFinite else {
                if model.device == .cuda { try GPU.throwIfFailed() }  // another worker's GPU failure reads back as NaN
                throw TrainingError.diverged(learner: name, detail: "parameters became non-finite in epoch \(epoch)")
            }
            var record = EpochRecord(epoch: epoch, trainLoss: lossSum / Float(stepsPerEpoch), seconds: Benchmarks.now() - epochStart,
                                     steps: stepsPerEpoch)
            trainingSeconds += record.seconds
            if let monitor { record.monitorAccuracy = Trainer.evaluate(model, on: monitor).accuracy }
            if let validation {
                let (loss, accuracy) = Trainer.evaluate(model, on: validation)
                record.validationLoss = loss
                record.validationAccuracy = accuracy
                if best == nil || accuracy > best!.accuracy || accuracy == best!.accuracy && loss < best!.loss {
                    best = (accuracy, loss, arena.snapshot(), model.namedBuffers.map { ($0.layer, $0.key, $0.value) })
                    history.bestEpoch = epoch
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
            } else {
                history.bestEpoch = epoch
            }
            history.epochs.append(record)
            if let patience = options.patience, validation != nil, sinceBest >= patience { history.stoppedEarly = true; break }
            if let target = options.targetLoss, record.trainLoss < target { history.stoppedEarly = true; break }
            if let limit = options.timeLimit, trainingSeconds >= limit { history.stoppedEarly = true; break }
        }
        if let best {
            arena.restore(best.weights)
            for b in best.buffers { b.layer.setBuffer(b.key, b.value) }
        }
        if model.device == .cuda { try GPU.throwIfFailed() }  // the last validation, or the restore
        history.allreduceSeconds = (steps as? DataParallelStep)?.allreduceSeconds ?? 0
        history.seconds = Benchmarks.now() - start
        history.examplesPerSecond = Double(step * batch) / Swift.max(history.seconds, 1e-9)
        progress?.finish(status: String(format: "%d epochs, %.0f examples/s", history.epochs.count, history.examplesPerSecond))
        return history
    }

    /// Mean cross-entropy and accuracy of `model` on `data`, without a tape.
    public static func evaluate(_ model: Sequential, on data: Dataset) -> (loss: Float, accuracy: Double) {
        let logits = model.predict(data.features.reshaped([data.count] + model.inputShape))
        let loss = withoutGradients { Loss.crossEntropy(logits, data.labels).item }
        return (loss, logits.accuracy(labels: data.labels))
    }
}

extension Trainer {
    /// Bytes a training step needs at least: the parameters with their gradients and two optimizer
    /// moments, and each layer's output and its gradient for one batch.
    static func minimumStepBytes(_ model: Sequential, batch: Int) -> Int {
        let activations = model.inputShape.reduce(1, *) + 2 * model.shapes.map { $0.reduce(1, *) }.reduce(0, +)
        return 4 * (4 * model.parameterCount + batch * activations)
    }

    /// Stops with a clear error, before anything runs, when a step cannot fit in the GPU's free memory
    /// (an allocation failing mid-step would fail the GPU for the rest of the process).
    func checkMemory(_ model: Sequential, batch: Int) throws {
        let (need, free) = (Trainer.minimumStepBytes(model, batch: batch), GPU.current.memoryInfo.free)
        guard need > free else { return }
        try GPU.throwIfFailed()  // then the free memory read is no reading
        let gib = { (bytes: Int) in MemoryLimit.gibibytes(Double(bytes), digits: 2) }
        throw TrainingError.unsuitableData(learner: name, reason: "a training step needs at least \(gib(need)) of GPU memory at batch size \(batch), "
                                           + "and the GPU has \(gib(free)) free; lower --batch-size or train on the CPU")
    }
}

/// A training set copied to the GPU once: its examples shaped for the model and its labels as floats.
struct DeviceResidentData {
    let features: Tensor
    let labels: Tensor
    let device: Device

    /// The data on `device`, or nil when it would take more than half the free device memory.
    init?(_ data: Dataset, inputShape: [Int], device: Device) {
        // Row numbers travel as floats, exact below 2^24.
        guard device == .cuda, data.count < Tensor.exactIndexLimit, data.features.count * 4 < GPU.current.memoryInfo.free / 2 else { return nil }
        features = data.features.reshaped([data.count] + inputShape).to(device)
        labels = Tensor(indices: data.labels, device: device)
        self.device = device
    }

    /// An epoch's row order on the device.
    func rows(_ order: [Int]) -> Tensor { Tensor(indices: order, device: device) }
}
