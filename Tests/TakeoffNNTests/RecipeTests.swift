import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffNN

@Suite struct RecipeTests {
    typealias Recipe = NeuralLearner.Recipe

    @Test func resultsOfThisRecipeAreStoredApart() {
        #expect(NeuralLearner(preset: .cnn).configuration["recipe"] == "5")
    }

    @Test func smallSetsChooseTheirEpochsByCrossValidationAndLargeOnesOnAHeldOutTenth() {
        #expect(Recipe.selection(examples: 39, classes: 10) == .none)
        #expect(Recipe.selection(examples: 100, classes: 10) == .crossValidation(folds: Recipe.folds))
        #expect(Recipe.selection(examples: 499, classes: 10) == .crossValidation(folds: Recipe.folds))
        #expect(Recipe.selection(examples: 500, classes: 10) == .holdOut(fraction: 0.1))
        #expect(Recipe.selection(examples: 60_000, classes: 10) == .holdOut(fraction: 0.1))
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

    /// A fold's history with these validation accuracies (and losses) after each epoch.
    func fold(_ accuracies: [Double], losses: [Float]? = nil) -> (history: TrainingHistory, validated: Int) {
        var h = TrainingHistory()
        h.epochs = accuracies.enumerated().map { e, a in
            EpochRecord(epoch: e + 1, trainLoss: 0, validationLoss: losses?[e] ?? 1, validationAccuracy: a, seconds: 0, steps: 1)
        }
        return (h, 10)
    }

    @Test func theChosenEpochHasTheBestAccuracyPooledOverTheFolds() {
        // Fold 1 peaks at epoch 2, fold 2 at epoch 3; pooled (5+9 against 6+7 correct of 20), epoch 3 wins.
        #expect(Recipe.bestEpoch([fold([0.3, 0.6, 0.5]), fold([0.4, 0.7, 0.9])]) == 3)
        // A tie in accuracy goes to the lower pooled loss, then to the earlier epoch.
        #expect(Recipe.bestEpoch([fold([0.5, 0.5, 0.5], losses: [3, 1, 2]), fold([0.5, 0.5, 0.5])]) == 2)
        #expect(Recipe.bestEpoch([fold([0.5, 0.5]), fold([0.5, 0.5])]) == 1)
        // Only epochs every fold reached are candidates.
        #expect(Recipe.bestEpoch([fold([0.1, 0.2, 0.9]), fold([0.1, 0.2])]) == 2)
    }

    /// 40 examples of 4 classes: cross-validated (a 10% split would hold 4).
    var smallSet: Dataset { blobs(perClass: 10, seed: 6) }

    @Test func aSmallSetIsRefittedOnAllItsExamplesForTheChosenEpochs() throws {
        let data = smallSet
        var learner = NeuralLearner(preset: .mlpSmall)
        learner.epochs = 12
        let (model, history) = try learner.fitNetwork(data, seed: 3)
        #expect(history.epochs.count >= 1 && history.epochs.count <= 12)
        #expect(history.epochs.allSatisfy { $0.validationAccuracy == nil }, "the refit holds nothing out")
        #expect(history.bestEpoch == history.epochs.count)
        let steps = Double((data.count + 15) / 16)  // batch 16 on all 40 examples
        #expect(history.epochs.allSatisfy { Double($0.steps) == steps })
        // Its FLOPs count the folds' training (3 folds × 12 epochs of about 27 examples) and the refit.
        let perExample = 3 * Double(model.network.flopsPerExample)
        #expect(model.statistics["training_flops"]! == perExample * Double(80 * 12 + 40 * history.epochs.count))
    }

    @Test func crossValidationIsDeterministicForTheSameSeed() throws {
        func weights(_ seed: UInt64) throws -> [Float] {
            var learner = NeuralLearner(preset: .mlpSmall)
            learner.epochs = 6
            return try learner.fitNetwork(smallSet, seed: seed).model.network.arena.snapshot()
        }
        #expect(try weights(1) == weights(1))
        #expect(try weights(1) != weights(2))
    }

    @Test func divergenceInAFoldIsReportedAsAnError() {
        var learner = NeuralLearner(preset: .mlpSmall)
        (learner.learningRate, learner.optimizer, learner.epochs) = (1e6, .sgd(), 30)
        #expect(throws: TrainingError.self) { _ = try learner.fitNetwork(smallSet, seed: 1) }
    }
}
