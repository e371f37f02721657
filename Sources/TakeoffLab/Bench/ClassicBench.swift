import Foundation
import TakeoffData
import TakeoffEngine

/// One classic learner fitted on the first `trainSize` Fashion-MNIST training images, pixels standardised
/// with that subset's per-pixel mean and deviation (the data layer's ``Standardizer``), and scored on the
/// test set: the workload `bench/classic_vs_sklearn.py` gives scikit-learn.
public struct ClassicBench: Sendable {
    public var learner: String
    public var trainSize: Int
    public var options: LearnerOptions
    public var seed: UInt64

    public init(learner: String = "logreg", trainSize: Int = 60_000, options: LearnerOptions = LearnerOptions(), seed: UInt64 = 0) {
        (self.learner, self.trainSize, self.options, self.seed) = (learner, trainSize, options, seed)
    }

    public struct Result {
        public var learner: any Learner
        public var model: any TrainedModel
        public var trainSize: Int
        public var seed: UInt64
        public var threads: Int
        public var fitSeconds: Double
        public var predictSeconds: Double
        public var testAccuracy: Double
        public var trainAccuracy: Double

        public var json: [String: Any] {
            ["learner": learner.name, "train_size": trainSize, "seed": seed, "threads": threads,
             "fit_seconds": fitSeconds, "predict_seconds": predictSeconds, "test_accuracy": testAccuracy,
             "train_accuracy": trainAccuracy, "configuration": learner.configuration, "statistics": model.statistics]
        }
    }

    /// The learner, made and checked before the data is read.
    public func makeLearner() throws -> any Learner {
        let declaration = try LearnerRegistry.declaration(named: learner)
        guard declaration.family == .traditional else {
            throw LabError.invalidOption(option: "learner", detail: "bench classic times the traditional learners; \(learner) is a network")
        }
        return try declaration.make(options)
    }

    public func run() throws -> Result {
        let learner = try makeLearner()
        let split = try DataCatalog.fashionMNIST()
        guard trainSize > 0, trainSize <= split.train.count else {
            throw LabError.invalidOption(option: "train-size", detail: "must be in 1...\(split.train.count), got \(trainSize)")
        }
        let subset = split.train.subset(Array(0..<trainSize))
        let standardizer = Standardizer.fit(subset)
        let train = standardizer.apply(to: subset), test = standardizer.apply(to: split.test)
        let start = Benchmarks.now()
        let model = try learner.fit(train, seed: seed)
        let fitSeconds = Benchmarks.now() - start
        let predictStart = Benchmarks.now()
        let testAccuracy = model.accuracy(on: test)
        let predictSeconds = Benchmarks.now() - predictStart
        return Result(learner: learner, model: model, trainSize: trainSize, seed: seed, threads: Parallel.threadCount, fitSeconds: fitSeconds,
                      predictSeconds: predictSeconds, testAccuracy: testAccuracy, trainAccuracy: model.accuracy(on: train))
    }
}
