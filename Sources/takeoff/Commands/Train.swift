import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffNN

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one learner on a nested subset of a data set and evaluate it on the test set.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Learner: \(LearnerRegistry.names.joined(separator: ", ")).") var learner: String
    @Option(help: "Training examples m, a nested stratified subset of the pool (default: all).") var trainSize: Int?
    @Option(help: "Seed for the subset, initialisation and shuffling.") var seed: UInt64 = 0
    @Option(name: .customLong("C"), help: "Fix the regularisation C (classic learners; default: chosen on a validation split).") var c: Double?
    @Option(help: "RBF kernel width (rbf-svm).") var gamma: Double?
    @Option(help: "Kernel of rbf-svm: rbf, linear or polynomial.") var kernel: String?
    @Option(help: "Kernel cache budget in MiB (rbf-svm).") var cacheMB: Int?
    @Option(help: "Solver tolerance (classic learners).") var tolerance: Double?
    @Option(help: "Activation of a network: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).") var activation: String?
    @Option(help: "Maximum epochs (networks; default: the recipe for m).") var epochs: Int?
    @Option(help: "Mini-batch size (networks).") var batchSize: Int?
    @Option(help: "Learning rate (networks).") var lr: Float?
    @Option(help: "Dropout probability after hidden layers (networks).") var dropout: Float?
    @Option(help: "Save the trained model here (safetensors).") var save: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        try global.apply()
        var options = LearnerOptions()
        options.classic = .init(C: c, gamma: gamma, tolerance: tolerance, cacheMB: cacheMB, kernel: kernel)
        if let activation {
            guard let a = Activation(rawValue: activation) else {
                throw ValidationError("--activation must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.activation = a
        }
        (options.epochs, options.batchSize, options.learningRate, options.dropout) = (epochs, batchSize, lr, dropout)
        options.showProgress = !json
        options.device = try deviceOptions.resolved()
        let learner = try LearnerRegistry.learner(named: self.learner, options: options)
        if let save { try checkWritableFile(save, option: "--save") }

        let split = try dataOptions.load(seed: seed)
        let m = trainSize ?? split.train.count
        guard m >= 1 else { throw ValidationError("--train-size must be positive") }
        guard m <= split.train.count else {
            throw ValidationError("--train-size \(m) exceeds the training pool of \(split.train.count) examples")
        }
        let subset = try split.train.nestedSubset(m, seed: seed)
        let (train, test, _) = split.prepared(subset)

        let fitStart = Benchmarks.now()
        let model = try learner.fit(train, seed: seed)
        let fitSeconds = Benchmarks.now() - fitStart
        let predictStart = Benchmarks.now()
        let scores = model.scores(test.features)
        let predictSeconds = Benchmarks.now() - predictStart
        try GPU.throwIfFailed()
        let metrics = try Metrics(scores: scores, labels: test.labels, probabilities: model.givesProbabilities)

        if let save { try model.save(to: URL(fileURLWithPath: save)) }
        var result: [String: Any] = [
            "learner": learner.name, "data": dataOptions.data, "train_size": m, "test_size": test.count, "seed": seed,
            "test_accuracy": metrics.accuracy, "fit_seconds": fitSeconds, "predict_seconds": predictSeconds,
            "parameters": model.parameterCount, "configuration": learner.configuration, "statistics": model.statistics,
            "threads": Parallel.threadCount,
        ]
        if let loss = metrics.logLoss { result["test_log_loss"] = loss }
        if json { print(jsonString(result)); return }
        // A network fits on 90% of the m examples and stops early on the rest (NeuralLearner).
        let heldOut = learner is NeuralLearner && model.statistics["validation_accuracy"] != nil ? " (10% held out for early stopping)" : ""
        print("\(learner.name) on \(dataOptions.data): m = \(m)\(heldOut), seed \(seed), \(model.parameterCount) parameters")
        print(String(format: "test accuracy %.2f%% on %d examples", metrics.accuracy * 100, test.count)
              + (metrics.logLoss.map { String(format: ", log-loss %.4f", $0) } ?? ""))
        print(String(format: "fit %.2f s, predict %.3f s", fitSeconds, predictSeconds))
        let stats = model.statistics.sorted { $0.key < $1.key }.map { "\($0.key) \(formatNumber($0.value))" }
        if !stats.isEmpty { print("solver: " + stats.joined(separator: ", ")) }
        if let save { print("saved to \(save)") }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load a saved model and report its accuracy on a data set's test set.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "A model saved by `takeoff train --save`.") var model: String
    @Option(help: "Seed of non-official test splits (as used in training).") var seed: UInt64 = 0
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        try global.apply()
        let model = try LearnerRegistry.loadModel(from: URL(fileURLWithPath: self.model))
        let split = try dataOptions.load(seed: seed)
        guard split.preprocessing == .none else {
            throw ValidationError("\(dataOptions.data) is preprocessed per training subset (\(split.preprocessing.rawValue)); "
                                  + "evaluate supports data used as read (e.g. fashion-mnist) — use `takeoff train` to evaluate it")
        }
        guard split.test.classCount == model.classCount else {
            throw ValidationError("\(self.model) has \(model.classCount) classes; \(dataOptions.data) has \(split.test.classCount)")
        }
        if let features = LearnerRegistry.featureCount(of: model), features != split.test.featureCount {
            throw ValidationError("\(self.model) takes \(features) features; \(dataOptions.data) has \(split.test.featureCount)")
        }
        let metrics = try Metrics(scores: model.scores(split.test.features), labels: split.test.labels, probabilities: model.givesProbabilities)
        if json {
            var r: [String: Any] = ["learner": model.learnerName, "data": dataOptions.data, "test_accuracy": metrics.accuracy,
                                    "test_size": split.test.count]
            if let l = metrics.logLoss { r["test_log_loss"] = l }
            print(jsonString(r))
        } else {
            print(String(format: "%@ on %@: test accuracy %.2f%% on %d examples", model.learnerName, dataOptions.data,
                         metrics.accuracy * 100, split.test.count))
        }
    }
}

func formatNumber(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e12 ? String(Int(v)) : String(format: "%.4g", v)
}
