import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// Two interleaved spirals, `perClass` points each.
func spirals(perClass: Int, seed: UInt64) -> Dataset {
    var rng = RandomGenerator(seed: seed)
    var x: [Float] = [], y: [Int] = []
    for c in 0..<2 {
        for i in 0..<perClass {
            let t = Float(i) / Float(perClass) * 3 * .pi + 0.3
            let sign: Float = c == 0 ? 1 : -1
            let r: Float = sign * t / 10
            let px: Float = r * Foundation.cos(t) + 0.01 * rng.normal()
            let py: Float = r * Foundation.sin(t) + 0.01 * rng.normal()
            x += [px, py]
            y.append(c)
        }
    }
    return Dataset(name: "spirals", features: Tensor(x, shape: [y.count, 2]), labels: y, classNames: ["a", "b"])
}

/// Four Gaussian blobs at the corners of a square.
func blobs(perClass: Int, seed: UInt64) -> Dataset {
    var rng = RandomGenerator(seed: seed)
    var x: [Float] = [], y: [Int] = []
    for c in 0..<4 {
        for _ in 0..<perClass {
            x += [Float(c % 2) * 2 - 1 + 0.3 * rng.normal(), Float(c / 2) * 2 - 1 + 0.3 * rng.normal()]
            y.append(c)
        }
    }
    return Dataset(name: "blobs", features: Tensor(x, shape: [y.count, 2]), labels: y, classNames: ["a", "b", "c", "d"])
}

@Suite struct TrainingTests {
    @Test func mlpLearnsSpirals() throws {
        let data = spirals(perClass: 100, seed: 1)
        let model = Sequential(inputShape: [2], seed: 3) {
            Dense(64, activation: .relu)
            Dense(64, activation: .relu)
            Dense(2)
        }
        var options = TrainingOptions()
        options.epochs = 100
        options.batchSize = 32
        options.learningRate = 0.01
        options.patience = nil
        _ = try Trainer(options: options).fit(model, train: data, validation: nil, seed: 5)
        #expect(Trainer.evaluate(model, on: data).accuracy == 1)
    }

    @Test func sameSeedTrainsIdentically() throws {
        let data = spirals(perClass: 30, seed: 2)
        func run() throws -> [Float] {
            let model = Sequential(inputShape: [2], seed: 7) { Dense(16, activation: .relu); Dense(2) }
            var options = TrainingOptions()
            options.epochs = 5
            options.batchSize = 8
            _ = try Trainer(options: options).fit(model, train: data, validation: data, seed: 9)
            return model.arena.snapshot()
        }
        #expect(try run() == run())
    }

    @Test func earlyStoppingRestoresTheBestEpochWithItsRunningStatistics() throws {
        let (data, validation) = (blobs(perClass: 40, seed: 4), blobs(perClass: 20, seed: 5))
        let model = Sequential(inputShape: [2], seed: 2) { Dense(16); BatchNorm(momentum: 0.5); ActivationLayer(.relu); Dense(4) }
        var options = TrainingOptions()
        options.epochs = 12
        options.batchSize = 16
        options.learningRate = 0.05
        options.patience = 12
        let history = try Trainer(options: options).fit(model, train: data, validation: validation, seed: 1)
        #expect(history.bestEpoch < history.epochs.count, "the test needs a best epoch before the last")
        let kept = history.epochs[history.bestEpoch - 1]
        let (loss, accuracy) = Trainer.evaluate(model, on: validation)
        #expect(accuracy == kept.validationAccuracy)
        #expect(abs(loss - kept.validationLoss!) <= 1e-6 * Swift.max(1, loss))
    }

    @Test func hugeLearningRateIsReportedAsDivergence() {
        let data = spirals(perClass: 30, seed: 3)
        let model = Sequential(inputShape: [2], seed: 1) { Dense(32, activation: .relu); Dense(32, activation: .relu); Dense(2) }
        var options = TrainingOptions()
        options.optimizer = .sgd()
        options.learningRate = 1e6
        options.epochs = 50
        #expect(throws: TrainingError.self) {
            _ = try Trainer(options: options).fit(model, train: data, validation: nil, seed: 1)
        }
    }

    @Test func summaryCountsParametersAndFlops() {
        let model = Sequential(inputShape: [784], seed: 1) { Dense(64, activation: .relu); Dense(10) }
        #expect(model.parameterCount == 784 * 64 + 64 + 64 * 10 + 10)
        #expect(model.flopsPerExample == 2 * (784 * 64 + 64 * 10))
        #expect(model.summary.contains("Dense(64, relu)"))
        #expect(model.outputShape == [10])
    }

    @Test(arguments: [OptimizerKind.sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-4), .adam(), .adamW()])
    func optimizersReduceTheLoss(kind: OptimizerKind) throws {
        let data = blobs(perClass: 50, seed: 4)
        let model = Sequential(inputShape: [2], seed: 2) { Dense(32, activation: .relu); Dense(4) }
        var options = TrainingOptions()
        options.optimizer = kind
        options.learningRate = kind == .adam() || kind == .adamW() ? 0.01 : 0.05
        options.epochs = 30
        options.batchSize = 16
        options.schedule = .warmup(steps: 5, then: .cosine(total: 300))
        let history = try Trainer(options: options).fit(model, train: data, validation: nil, seed: 1)
        #expect(history.epochs.last!.trainLoss < history.epochs.first!.trainLoss * 0.5)
        #expect(Trainer.evaluate(model, on: data).accuracy > 0.95)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.step(every: 10, factor: 0.5).rate(step: 25, base: 1) == 0.25)
        #expect(LearningRateSchedule.cosine(total: 100).rate(step: 100, base: 2) == 0)
        #expect(LearningRateSchedule.warmup(steps: 4, then: .constant).rate(step: 1, base: 1) == 0.5)
    }
}
