import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffLab
import TakeoffNN

@Suite struct ActivationRaceTests {
    /// A small synthetic race: 4 blobs in 8-d, a deep narrow net, plain SGD.
    func race() -> (ActivationRace, TrainTestSplit) {
        var rng = RandomGenerator(seed: 1)
        var x: [Float] = [], y: [Int] = []
        for i in 0..<400 {
            let c = i % 4
            for j in 0..<8 { x.append((j % 4 == c ? 2 : 0) + rng.normal()) }
            y.append(c)
        }
        let all = Dataset(name: "blobs8", features: Tensor(x, shape: [400, 8]), labels: y, classNames: ["a", "b", "c", "d"])
        let split = TrainTestSplit(train: all.subset(Array(0..<300)), test: all.subset(Array(300..<400)), officialTest: false)
        var race = ActivationRace()
        race.activations = [.sigmoid, .relu]
        (race.depth, race.width, race.batchSize, race.epochs, race.seeds) = (6, 32, 16, 15, [0, 1])
        race.gradientNormEvery = 5
        race.targetLoss = 0.5
        return (race, split)
    }

    /// Runs `race` on `data` through the sweep machinery, its runs stored in `folder`.
    func run(_ race: ActivationRace, _ data: TrainTestSplit, in folder: URL = temporaryDirectory("race")) throws -> ActivationReport {
        var request = ActivationRequest(data: "blobs8", compute: try Compute(threads: 1, workers: 1))
        (request.race, request.out) = (race, folder.path)
        return try ActivationExperiment(request, split: data).run()
    }

    @Test func sigmoidGradientsVanishTowardTheInputAndReLUTrainsFaster() throws {
        let (race, data) = race()
        let summaries = try run(race, data).summaries
        let sigmoid = summaries[0], relu = summaries[1]
        // Sigmoid: each layer nearer the input gets a smaller gradient; ReLU keeps them comparable.
        #expect(sigmoid.earlyGradientNorms.first! < sigmoid.earlyGradientNorms.last! / 20)
        #expect(zip(sigmoid.earlyGradientNorms, sigmoid.earlyGradientNorms.dropFirst()).allSatisfy { $0 < $1 })
        #expect(relu.earlyGradientNorms.first! > relu.earlyGradientNorms.last! / 5)
        #expect(relu.stepsToTargetLoss != nil)
        #expect((relu.speedupOverSigmoid?.mean ?? 0) > 1)
    }

    @Test func divergingActivationIsReportedAndOthersComplete() throws {
        var (race, data) = race()
        race.learningRate = 50
        race.activations = [.relu, .sigmoid]
        race.seeds = [0]
        let runs = try run(race, data).runs
        #expect(runs.count == 2)
        #expect(runs[0].failure?.contains("diverged") == true)
        #expect(runs[1].failure == nil && runs[1].testAccuracy != nil)
        #expect(race.summarize(runs)[0].diverged == 1)
    }

    /// Each run is stored as it finishes: a race rerun with more seeds trains only the new ones, and the
    /// runs it reuses are the ones it stored (a killed race continues the same way).
    @Test func aRaceContinuesFromItsStore() throws {
        var (race, data) = race()
        race.epochs = 3
        let folder = temporaryDirectory("race-resume")
        race.seeds = [0]
        let first = try run(race, data, in: folder)
        race.seeds = [0, 1]
        var request = ActivationRequest(data: "blobs8", compute: try Compute(threads: 1, workers: 1))
        (request.race, request.out) = (race, folder.path)
        let experiment = try ActivationExperiment(request, split: data)
        let outcome = try experiment.sweep.run()
        #expect(outcome.reused == 2 && outcome.ran == 2)
        let again = try experiment.report(outcome, to: folder)
        for r in first.runs {
            let same = try #require(again.runs.first { $0.activation == r.activation && $0.seed == r.seed })
            #expect(same.stepLosses == r.stepLosses && same.testAccuracy == r.testAccuracy && same.stepSeconds == r.stepSeconds)
        }
        // Seed 1's runs are new and trained like seed 0's in a fresh race.
        let fresh = try run(race, data)
        for r in fresh.runs { #expect(again.runs.first { $0.activation == r.activation && $0.seed == r.seed }?.stepLosses == r.stepLosses) }
    }

    /// Settings the race cannot run with are refused before training, naming the option (a NaN learning
    /// rate or target trained every run and then failed writing the summary; a huge network crashed).
    @Test func theSpeedUpColumnSaysWhyThereIsNoRatio() {
        var s = ActivationRace.Summary(activation: "relu", runs: 2, diverged: 0, stepsToTargetLoss: .init([120, 140]), secondsToTargetLoss: nil,
                                       stepsToTargetAccuracy: nil, secondsToTargetAccuracy: nil, speedupOverSigmoid: nil, finalTestAccuracy: nil,
                                       earlyGradientNorms: [])
        #expect(s.speedupText { "\($0.mean)" } == "—", "reached the loss, but no sigmoid ran")
        s.stepsToTargetLoss = nil
        #expect(s.speedupText { "\($0.mean)" } == "not reached")
        (s.stepsToTargetLoss, s.speedupOverSigmoid, s.speedupIsLowerBound) = (.init([100]), .init([3]), true)
        #expect(s.speedupText { "\($0.mean)" } == "≥ 3.0")
        s.activation = "sigmoid"
        #expect(s.speedupText { "\($0.mean)" } == "1")
    }

    @Test func validateNamesTheBadOption() throws {
        let (good, _) = race()
        try good.validate(inputs: 8, classes: 4)
        func expectRefused(_ option: String, _ change: (inout ActivationRace) -> Void) {
            var r = good
            change(&r)
            do {
                try r.validate(inputs: 8, classes: 4)
                Issue.record("--\(option) was accepted")
            } catch let LabError.invalidOption(o, _) {
                #expect(o == option)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        expectRefused("activations") { $0.activations = [] }
        expectRefused("activations") { $0.activations = [.relu, .tanh, .relu] }
        expectRefused("depth") { $0.depth = 0 }
        expectRefused("batch-size") { $0.batchSize = -1 }
        expectRefused("seeds") { $0.seeds = [0, 0] }
        expectRefused("lr") { $0.learningRate = .nan }
        expectRefused("lr") { $0.learningRate = 0 }
        expectRefused("target-loss") { $0.targetLoss = .infinity }
        expectRefused("target-accuracy") { $0.targetAccuracy = 5 }
        expectRefused("width") { $0.width = 10_000_000 }
        expectRefused("epochs") { $0.epochs = ActivationRace.maxEpochs + 1 }
        expectRefused("epochs") { $0.epochs = .max }
        expectRefused("batch-size") { $0.batchSize = .max }
    }
}
