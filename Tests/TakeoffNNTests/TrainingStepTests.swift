import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffNN

/// The planned CPU step (``TrainingStep``) against the tape: the same loss and gradients (bit for bit with one
/// thread, where both sum in the same order), and no allocation once planned.
@Suite struct TrainingStepTests {
    static func mlp() -> Sequential {
        Sequential(inputShape: [12], seed: 5) {
            Dense(16, activation: .gelu)
            Dropout(0.3)
            Dense(9, activation: .relu)
            ActivationLayer(.tanh)
            Dense(4)
        }
    }

    static func cnn() -> Sequential {
        Sequential(inputShape: [2, 8, 8], seed: 6) {
            Conv2D(4, kernel: 3, activation: .leakyRelu)
            MaxPool2D(2)
            Conv2D(5, kernel: 3, padding: 0, activation: .relu)
            Flatten()
            Dense(3)
        }
    }

    /// ReLU convolutions each followed by a max pool (the step folds ReLU's derivative into the pool's backward):
    /// four 2×2 windows at a time with an overlapping last four, then fewer windows than four.
    static func reluCNN() -> Sequential {
        Sequential(inputShape: [2, 8, 18], seed: 7) {
            Conv2D(3, kernel: 3, activation: .relu)
            MaxPool2D(2)
            Conv2D(4, kernel: 3, activation: .relu)
            MaxPool2D(2)
            Flatten()
            Dense(3)
        }
    }

    static func data(_ model: Sequential, rows: Int) -> Dataset {
        var rng = RandomGenerator(seed: 8)
        let d = model.inputShape.reduce(1, *), classes = model.outputShape[0]
        return Dataset(name: "random", features: Tensor.randomUniform([rows, d], low: -1, high: 1, using: &rng),
                       labels: (0..<rows).map { ($0 * 7) % classes }, classNames: (0..<classes).map { "c\($0)" })
    }

    /// Loss and gradients of one batch (rows in shuffled order) by the float32 tape and by the planned step in `precision`.
    static func compare(_ make: () -> Sequential, batch: Int, threads: Int, precision: Precision = .fp32) -> (tape: [Float], planned: [Float]) {
        Parallel.withThreadCount(threads) {
            let (a, b) = (make(), make())
            let data = data(a, rows: 3 * batch)
            let rows = Array((0..<(3 * batch)).reversed().filter { $0 % 3 != 1 }.prefix(batch))
            var context = ForwardContext(training: true, rng: RandomGenerator(seed: 11))
            a.arena.zeroGradients()
            let x = data.features.gather(rows, axis: 0).reshaped([rows.count] + a.inputShape)
            let loss = Loss.crossEntropy(a(x, context: &context), rows.map { data.labels[$0] })
            loss.backward()
            var rng = RandomGenerator(seed: 11)
            let step = TrainingStep(model: b, batch: batch, precision: precision)!
            b.arena.flatGradients.fill(.nan)  // the step writes every gradient
            let value = step.run(features: data.features, labels: data.labels, rows: rows[...], rng: &rng)
            return ([loss.item] + a.arena.flatGradients.scalars, [value] + b.arena.flatGradients.scalars)
        }
    }

    @Test(arguments: [1, 2, 3])
    func mlpMatchesTheTape(threads: Int) {
        let (tape, planned) = Self.compare(Self.mlp, batch: 10, threads: threads)
        if threads == 1 { #expect(tape == planned) }
        for (t, p) in zip(tape, planned) { #expect(abs(t - p) <= 1e-5 * Swift.max(1, abs(t))) }
    }

    @Test(arguments: [1, 2])
    func cnnMatchesTheTape(threads: Int) {
        let (tape, planned) = Self.compare(Self.cnn, batch: 5, threads: threads)
        if threads == 1 { #expect(tape == planned) }
        for (t, p) in zip(tape, planned) { #expect(abs(t - p) <= 1e-5 * Swift.max(1, abs(t))) }
    }

    @Test(arguments: [1, 2])
    func reluPoolsMatchTheTape(threads: Int) {
        let (tape, planned) = Self.compare(Self.reluCNN, batch: 5, threads: threads)
        if threads == 1 { #expect(tape == planned) }
        for (t, p) in zip(tape, planned) { #expect(abs(t - p) <= 1e-5 * Swift.max(1, abs(t))) }
    }

    @Test func layersWithoutABlockFormUseTheTape() {
        let model = Sequential(inputShape: [4], seed: 1) { Dense(3); BatchNorm(); Dense(2) }
        #expect(TrainingStep(model: model, batch: 8) == nil)
    }

    /// After a warm-up step, steps and Adam updates take no buffer from the pool and record no tape node
    /// (a process of its own, so that other tests' allocations do not count).
    @Test func steadyStateAllocatesNothing() async {
        await #expect(processExitsWith: .success) {
            for make in [TrainingStepTests.mlp, TrainingStepTests.cnn] {
                let model = make()
                let data = TrainingStepTests.data(model, rows: 64)
                let step = TrainingStep(model: model, batch: 16)!
                let adam = OptimizerKind.adam().make(for: model.arena)
                var rng = RandomGenerator(seed: 1)
                let batches = (0..<4).map { Array(($0 * 16)..<($0 * 16 + 16))[...] }
                func train(_ k: Int) { _ = step.run(features: data.features, labels: data.labels, rows: batches[k % 4], rng: &rng) }
                train(0)
                adam.step(model.arena, learningRate: 1e-3)
                let (buffers, nodes) = (Allocations.buffers, Allocations.graphNodes)
                for k in 1...8 {
                    train(k)
                    adam.step(model.arena, learningRate: 1e-3)
                }
                guard Allocations.buffers == buffers, Allocations.graphNodes == nodes else {
                    print("steady state allocated \(Allocations.buffers - buffers) buffers and \(Allocations.graphNodes - nodes) tape nodes")
                    exit(1)
                }
            }
        }
    }

    /// Training through ``Trainer`` (which plans the step on the CPU) gives the same history run to run, in both precisions.
    @Test(arguments: [Precision.fp32, .bf16])
    func trainerIsDeterministic(precision: Precision) throws {
        func run() throws -> [Float] {
            let model = Self.mlp()
            var options = TrainingOptions()
            options.epochs = 2
            options.batchSize = 16
            options.precision = precision
            return try Trainer(options: options).fit(model, train: Self.data(model, rows: 100), validation: nil, seed: 3).stepLosses
        }
        #expect(try run() == run())
    }
}
