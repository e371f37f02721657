import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffMPI
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
    @Option(help: "Random changes to the training images each epoch (networks): flip, crop or flip,crop.") var augment: String?
    @Option(help: "Save the trained model here (safetensors).") var save: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        try global.apply()
        var request = TrainRequest(data: dataOptions.data, learner: learner)
        request.loading = try dataOptions.reading.loadOptions(seed: seed)
        (request.trainSize, request.seed, request.save) = (trainSize, seed, save)
        var o = LearnerOptions()
        (o.C, o.gamma, o.kernel, o.cacheMB, o.tolerance) = (c, gamma, kernel, cacheMB, tolerance)
        if let activation {
            guard let a = Activation(rawValue: activation) else {
                throw ValidationError("--activation must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            o.activation = a
        }
        (o.epochs, o.batchSize, o.learningRate, o.dropout) = (epochs, batchSize, lr, dropout)
        o.augment = try augment.map(ImageAugmentation.init(parsing:))
        o.showProgress = !json
        o.device = try deviceOptions.resolved()
        if let comm = Communicator.world {
            // Data-parallel: every rank trains on its shard of each batch; rank 0 alone saves and prints.
            o.dataParallel = comm
            if !comm.isRoot { (o.showProgress, request.save) = (false, nil) }
        }
        request.options = o
        let result = try request.run()
        if let comm = Communicator.world, !comm.isRoot { return }
        if json { print(jsonString(result.json)); return }
        let (cell, model) = (result.cell, result.cell.model)
        // A network fits on 90% of the m examples and stops early on the rest, or at small m trains its whole
        // schedule on all m (NeuralLearner.Recipe).
        let heldOut = model.statistics["validation_accuracy"] != nil ? " (10% held out for early stopping)" : ""
        print("\(model.learnerName) on \(dataOptions.data): m = \(cell.trainSize)\(heldOut), seed \(seed), \(model.parameterCount) parameters")
        print(String(format: "test accuracy %.2f%% on %d examples", cell.metrics.accuracy * 100, cell.testSize)
              + (cell.metrics.logLoss.map { String(format: ", log-loss %.4f", $0) } ?? ""))
        if result.classNames.count == 2, let line = cell.metrics.twoClassLine(className: result.classNames[1]) { print(line) }
        print(String(format: "fit %.2f s, predict %.3f s", cell.fitSeconds, cell.predictSeconds))
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
        guard model.featureCount == split.test.featureCount else {
            throw ValidationError("\(self.model) takes \(model.featureCount) features; \(dataOptions.data) has \(split.test.featureCount)")
        }
        let metrics = try Metrics(scores: model.scores(on: split.test), labels: split.test.labels, probabilities: model.givesProbabilities)
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
