import ArgumentParser
import Foundation
import TakeoffClassic
import TakeoffData
import TakeoffLab

extension Bench {
    /// Times one classic learner on Fashion-MNIST (``ClassicBench``), the workload bench/classic_vs_sklearn.py gives scikit-learn.
    struct Classic: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "classic", abstract: "Fit a classic learner on Fashion-MNIST and print fit time and test accuracy.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "A traditional learner: \(ClassicRegistry.declarations.map(\.name).joined(separator: ", ")).") var learner: String = "logreg"
        @Option(help: "Training examples: the first M of the training file.") var trainSize: Int = 60_000
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup(title: "Learner options") var learnerOptions: LearnerOptionArguments

        func run() throws {
            try global.apply()
            let r = try ClassicBench(learner: learner, trainSize: trainSize, options: learnerOptions.options(), seed: seed).run()
            if json { print(jsonString(r.json)); return }
            print(String(format: "%@ m=%d: fit %.2f s, test accuracy %.4f", learner, r.trainSize, r.fitSeconds, r.testAccuracy))
            for (k, v) in r.model.statistics.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
        }
    }
}
