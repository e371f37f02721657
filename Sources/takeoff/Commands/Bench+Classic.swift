import ArgumentParser
import Foundation
import TakeoffClassic
import TakeoffData
import TakeoffEngine
import TakeoffLab

extension Bench {
    /// Times one classic learner on Fashion-MNIST (first M training images, pixels standardised
    /// with the training subset's per-pixel mean and deviation by the data layer's ``Standardizer``), the workload bench/classic_vs_sklearn.py
    /// gives scikit-learn.
    struct Classic: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "classic", abstract: "Fit a classic learner on Fashion-MNIST and print fit time and test accuracy.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "A traditional learner: \(ClassicRegistry.declarations.map(\.name).joined(separator: ", ")).") var learner: String = "logreg"
        @Option(help: "Training examples: the first M of the training file.") var trainSize: Int = 60_000
        @Option(name: .customLong("C"), help: "Fixed C (default: chosen on a validation split).") var c: Double?
        @Option(help: "Solver tolerance.") var tolerance: Double?
        @Option(help: "Iteration (logreg) or epoch (linear-svm) limit.") var maxIterations: Int?
        @Option(help: "rbf-svm kernel cache per binary problem, MiB.") var cacheMb: Int?
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            let split = try DataCatalog.fashionMNIST()
            guard trainSize > 0, trainSize <= split.train.count else {
                throw ValidationError("--train-size must be in 1...\(split.train.count), got \(trainSize)")
            }
            let standardizer = Standardizer.fit(split.train.subset(Array(0..<trainSize)))
            let train = standardizer.apply(to: split.train.subset(Array(0..<trainSize))), test = standardizer.apply(to: split.test)
            let declaration = try LearnerRegistry.declaration(named: learner)
            guard declaration.family == .traditional else { throw ValidationError("bench classic times the traditional learners; \(learner) is a network") }
            var options = LearnerOptions()
            (options.C, options.tolerance, options.cacheMB, options.maxIterations) = (c, tolerance, cacheMb, maxIterations)
            let l = try declaration.make(options)
            let start = Benchmarks.now()
            let model = try l.fit(train, seed: seed)
            let fitSeconds = Benchmarks.now() - start
            let predictStart = Benchmarks.now()
            let testAccuracy = model.accuracy(on: test)
            let predictSeconds = Benchmarks.now() - predictStart
            let result: [String: Any] = [
                "learner": learner, "train_size": trainSize, "seed": seed, "threads": Parallel.threadCount,
                "fit_seconds": fitSeconds, "predict_seconds": predictSeconds, "test_accuracy": testAccuracy,
                "train_accuracy": model.accuracy(on: train), "configuration": l.configuration, "statistics": model.statistics,
            ]
            if json { print(jsonString(result)) } else {
                print(String(format: "%@ m=%d: fit %.2f s, test accuracy %.4f", learner, trainSize, fitSeconds, testAccuracy))
                for (k, v) in model.statistics.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
            }
        }
    }
}
