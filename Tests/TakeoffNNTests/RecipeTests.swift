import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffNN

@Suite struct RecipeTests {
    typealias Recipe = NeuralLearner.Recipe

    @Test func resultsOfThisRecipeAreStoredApart() {
        #expect(NeuralLearner(preset: .cnn).configuration["recipe"] == "6")
    }

    @Test func smallSetsTrainTheWholeScheduleAndLargeOnesStopOnAHeldOutTenth() {
        #expect(Recipe.smallDataBelow == 2_000)
        for m in [39, 100, 620, 1_600, 1_999] { #expect(Recipe.selection(examples: m) == .none, "m = \(m)") }
        for m in [2_000, 3_900, 60_000] { #expect(Recipe.selection(examples: m) == .holdOut(fraction: 0.1), "m = \(m)") }
    }

    /// `count` images of 2×2 pixels (pixel 3 dark in all but one), or the same values as flat features.
    func tinyImages(_ count: Int, asImages: Bool = true) -> Dataset {
        var rng = RandomGenerator(seed: 4)
        var x: [Float] = []
        for i in 0..<count { x += [rng.uniform(), rng.uniform(), rng.uniform(), i == 0 ? 1 : 0] }
        return Dataset(name: "tiny", features: Tensor(x, shape: [count, 4]), labels: (0..<count).map { $0 % 2 }, classNames: ["a", "b"],
                       imageShape: asImages ? [1, 2, 2] : nil)
    }

    @Test func imagesShareOneScaleBelowTheSmallDataSizeAndEveryOtherInputIsStandardisedPerFeature() throws {
        let small = tinyImages(200), large = tinyImages(2_000)
        #expect(Recipe.inputScaling(examples: small.count, of: small) == .shared)
        #expect(Recipe.inputScaling(examples: large.count, of: large) == .perFeature)
        let table = tinyImages(200, asImages: false)
        #expect(Recipe.inputScaling(examples: table.count, of: table) == .perFeature)
        var rows = table
        rows.unitRows = true
        #expect(Recipe.inputScaling(examples: rows.count, of: rows) == .none)
        // The trained model carries the scale it was fitted with: one factor for every pixel at m = 200, so the
        // pixel lit in one image is not multiplied by 1 / its spread (about 14) as per-feature standardising does.
        var learner = NeuralLearner(preset: .mlpSmall)
        learner.epochs = 1
        let shared = try learner.fitNetwork(small, seed: 0).model
        #expect(Set(shared.inputScale.scalars).count == 1)
        #expect(shared.inputScale.scalars == Standardizer.fitShared(small).scale)
        let perFeature = try learner.fitNetwork(table, seed: 0).model
        #expect(perFeature.inputScale.scalars == Standardizer.fit(table).scale)
        #expect(perFeature.inputScale.scalars[3] > 10)
    }

    /// Epochs and batch sizes as large as an Int holds plan and time without overflowing: the schedule's step
    /// count saturates, a batch past m is one step, and a benchmark's steps × batch beyond the data is all of it.
    @Test func hugeEpochsAndBatchesDoNotOverflow() throws {
        let long = Recipe.options(examples: 54_000, epochs: 3_000_000_000_000_000, batchSize: 16)
        #expect(long.epochs == 3_000_000_000_000_000 && long.schedule == .cosine(total: .max))
        #expect(Recipe.plannedFLOPs(examples: 60_000, flopsPerExample: 1_000, epochs: .max).isFinite)
        let wide = Recipe.options(examples: 20, batchSize: .max)
        #expect(wide.batchSize == .max && wide.schedule == .cosine(total: wide.epochs))
        #expect(Recipe.steps(54_000, 16) == 3_375 && Recipe.steps(54_001, 16) == 3_376 && Recipe.steps(0, 16) == 1)
        let data = tinyImages(8, asImages: false)
        let model = NeuralPreset.mlpSmall.model(inputShape: [4], classes: 2, activation: .relu, seed: 1)
        let timed = try Trainer.benchmark(model, data: data, batchSize: 4, steps: 100_000_000_000_000_000)
        #expect(timed.examplesPerSecond > 0)
    }

    @Test func theExamplesARunTrainsGrowAsTheSquareRootOfMAndTheCostlyNetsAreCappedByCompute() {
        let cnn = NeuralPreset.cnn.model(inputShape: [1, 28, 28], classes: 10, activation: .relu, seed: 0).flopsPerExample
        let mlpLarge = NeuralPreset.mlpLarge.model(inputShape: [784], classes: 10, activation: .relu, seed: 0).flopsPerExample
        for flops in [nil, mlpLarge, cnn] {
            var previousExamples = 0
            for m in [90, 558, 1_440, 3_510, 8_640, 21_600, 54_000, 540_000] {
                let o = Recipe.options(examples: m, flopsPerExample: flops)
                let steps = (m + o.batchSize - 1) / o.batchSize
                let growth = (Double(m) / 54_000).squareRoot()
                let byData = min(100, Int((20 / growth).rounded(.up)))
                #expect(o.epochs >= 1 && o.epochs <= byData)
                #expect(Double(3 * (flops ?? 0) * m * (o.epochs - 1)) < Recipe.computeBudget * growth, "m = \(m): at most one epoch past the compute cap")
                #expect(o.epochs == byData || Double(3 * (flops ?? 0) * m * o.epochs) >= Recipe.computeBudget * growth, "m = \(m): fewer epochs only where compute caps them")
                #expect(o.batchSize == min(128, max(16, m / 8)) || o.batchSize >= Recipe.smallestCappedBatch && o.epochs < byData,
                        "m = \(m): a smaller batch only to keep the steps where compute cuts the epochs")
                #expect(o.schedule == .cosine(total: o.epochs * steps))
                #expect(o.patience! == Swift.max(Recipe.minimumPatience, o.epochs / 4))
                #expect(m * o.epochs >= previousExamples, "m = \(m): a larger set trains no fewer examples")
                previousExamples = m * o.epochs
            }
        }
        // Every network trains 100 epochs up to m = 2,160 and 20 at the reference size (54,000 fitted of 60,000),
        // where the cnn is capped at 7 epochs in batches of 90 (the steps of 10 epochs in batches of 128).
        #expect(Recipe.options(examples: 2_160, flopsPerExample: mlpLarge).epochs == 100)
        #expect(Recipe.options(examples: 8_640).epochs == 50)
        #expect(Recipe.options(examples: 54_000, flopsPerExample: cnn).epochs == 7)
        #expect(Recipe.options(examples: 54_000, flopsPerExample: cnn).batchSize == 90)
        #expect(Recipe.options(examples: 54_000, flopsPerExample: mlpLarge).epochs == 20)
        // The cnn trains as in recipe 4 at every size: capped from m = 250 up, in batches that keep 10 epochs' steps.
        for (m, epochs, batch) in [(558, 67, 43), (8_640, 17, 87), (21_600, 11, 89)] {
            let o = Recipe.options(examples: m, flopsPerExample: cnn)
            #expect(o.epochs == epochs && o.batchSize == batch, "m = \(m)")
        }
        #expect(Recipe.options(examples: 54_000).epochs == 20)
        #expect(Recipe.options(examples: 54_000, epochs: 3, batchSize: 64, flopsPerExample: cnn).epochs == 3)
    }

    /// 40 examples of 4 classes: below the small-data size.
    var smallSet: Dataset { blobs(perClass: 10, seed: 6) }

    @Test func aSmallSetTrainsEveryEpochOnAllItsExamplesAndKeepsTheLast() throws {
        let data = smallSet
        var learner = NeuralLearner(preset: .mlpSmall)
        learner.epochs = 12
        let (model, history) = try learner.fitNetwork(data, seed: 3)
        #expect(history.epochs.count == 12)
        #expect(history.epochs.allSatisfy { $0.validationAccuracy == nil }, "nothing is held out")
        #expect(history.bestEpoch == 12)
        let steps = Double((data.count + 15) / 16)  // batch 16 on all 40 examples
        #expect(history.epochs.allSatisfy { Double($0.steps) == steps })
        let perExample = 3 * Double(model.network.flopsPerExample)
        #expect(model.statistics["training_flops"]! == perExample * Double(40 * 12))
        #expect(learner.plannedWork(examples: 40, like: data)! == perExample * Double(40 * 12))
    }

    @Test func aSmallSetIsDeterministicForTheSameSeed() throws {
        func weights(_ seed: UInt64) throws -> [Float] {
            var learner = NeuralLearner(preset: .mlpSmall)
            learner.epochs = 6
            return try learner.fitNetwork(smallSet, seed: seed).model.network.arena.snapshot()
        }
        #expect(try weights(1) == weights(1))
        #expect(try weights(1) != weights(2))
    }

    @Test func divergenceOnASmallSetIsReportedAsAnError() {
        var learner = NeuralLearner(preset: .mlpSmall)
        (learner.learningRate, learner.optimizer, learner.epochs) = (1e6, .sgd(), 30)
        #expect(throws: TrainingError.self) { _ = try learner.fitNetwork(smallSet, seed: 1) }
    }
}
