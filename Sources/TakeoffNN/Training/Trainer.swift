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
    /// Record per-parameter gradient norms every this many steps (nil: never).
    public var gradientNormEvery: Int? = nil
    public var showProgress = false

    public init() {}
}

/// What happened in one epoch.
public struct EpochRecord: Sendable, Codable {
    public var epoch: Int
    public var trainLoss: Float
    public var validationLoss: Float?
    public var validationAccuracy: Double?
    public var seconds: Double
    public var steps: Int
}

/// The record of a training run.
public struct TrainingHistory: Sendable {
    public var epochs: [EpochRecord] = []
    /// Training loss after every step.
    public var stepLosses: [Float] = []
    /// Gradient norm per parameter, sampled every `gradientNormEvery` steps: (step, [name: norm]).
    public var gradientNorms: [(step: Int, norms: [(name: String, norm: Float)])] = []
    /// The epoch whose weights were kept (best validation result), 1-based.
    public var bestEpoch = 0
    public var stoppedEarly = false
    public var seconds = 0.0
    public var examplesPerSecond = 0.0
}

/// Trains a ``Sequential`` classifier with mini-batches: seeded shuffling each epoch,
/// evaluation without a tape, early stopping on a validation set with best-weights restore.
/// A non-finite loss stops training with ``TrainingError/diverged(learner:detail:)``.
public struct Trainer {
    public var options: TrainingOptions
    public var name: String

    public init(options: TrainingOptions, name: String = "network") {
        self.options = options
        self.name = name
    }

    /// Trains `model` on `train`, stopping early on `validation` when given.
    public func fit(_ model: Sequential, train: Dataset, validation: Dataset?, seed: UInt64) throws -> TrainingHistory {
        let arena = model.arena
        let optimizer = options.optimizer.make(for: arena)
        let n = train.count, batch = Swift.max(1, Swift.min(options.batchSize, n))
        let stepsPerEpoch = (n + batch - 1) / batch
        let inputShape = model.inputShape
        var history = TrainingHistory()
        var rng = RandomGenerator(seed: seed)
        var best: (accuracy: Double, loss: Float, weights: [Float])? = nil
        var sinceBest = 0
        var step = 0
        let progress = options.showProgress ? ProgressBar(total: options.epochs * stepsPerEpoch, label: name) : nil
        let start = Benchmarks.now()

        for epoch in 1...Swift.max(options.epochs, 1) {
            let epochStart = Benchmarks.now()
            var epochRNG = rng.fork(UInt64(epoch))
            let order = epochRNG.permutation(n)
            var context = ForwardContext(training: true, rng: epochRNG.fork(1))
            var lossSum: Float = 0
            for b in 0..<stepsPerEpoch {
                let idx = Array(order[(b * batch)..<Swift.min(n, (b + 1) * batch)])
                let x = train.features.gather(idx, axis: 0).reshaped([idx.count] + inputShape)
                let labels = idx.map { train.labels[$0] }
                arena.zeroGradients()
                let loss = Loss.crossEntropy(model(x, context: &context), labels)
                let value = loss.item
                guard value.isFinite else {
                    throw TrainingError.diverged(learner: name, detail: "loss is \(value) at epoch \(epoch), step \(step + 1)")
                }
                loss.backward()
                if let every = options.gradientNormEvery, step % every == 0 {
                    history.gradientNorms.append((step, arena.gradientNorms()))
                }
                optimizer.step(arena, learningRate: options.schedule.rate(step: step, base: options.learningRate))
                step += 1
                lossSum += value
                history.stepLosses.append(value)
                progress?.update(step, status: String(format: "epoch %d loss %.4f", epoch, lossSum / Float(b + 1)))
            }
            guard arena.allFinite else {
                throw TrainingError.diverged(learner: name, detail: "parameters became non-finite in epoch \(epoch)")
            }
            var record = EpochRecord(epoch: epoch, trainLoss: lossSum / Float(stepsPerEpoch), seconds: Benchmarks.now() - epochStart,
                                     steps: stepsPerEpoch)
            if let validation {
                let (loss, accuracy) = Trainer.evaluate(model, on: validation)
                record.validationLoss = loss
                record.validationAccuracy = accuracy
                if best == nil || accuracy > best!.accuracy || accuracy == best!.accuracy && loss < best!.loss {
                    best = (accuracy, loss, arena.snapshot())
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
        }
        if let best { arena.restore(best.weights) }
        history.seconds = Benchmarks.now() - start
        history.examplesPerSecond = Double(step * batch) / Swift.max(history.seconds, 1e-9)
        progress?.finish(status: String(format: "%d epochs, %.0f examples/s", history.epochs.count, history.examplesPerSecond))
        return history
    }

    /// Mean cross-entropy and accuracy of `model` on `data`, without a tape.
    public static func evaluate(_ model: Sequential, on data: Dataset) -> (loss: Float, accuracy: Double) {
        let logits = model.predict(data.features.reshaped([data.count] + model.inputShape))
        let loss = withoutGradients { Loss.crossEntropy(logits, data.labels).item }
        let predicted = logits.argmax(axis: -1)
        let correct = zip(predicted, data.labels).filter { $0 == $1 }.count
        return (loss, Double(correct) / Double(Swift.max(data.count, 1)))
    }
}
