import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one learner on a nested subset of a data set and evaluate it on the test set.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Learner: \(LearnerRegistry.names.joined(separator: ", ")).") var learner: String
    @Option(help: "Training examples m, a nested stratified subset of the pool (default: all).") var trainSize: Int?
    @Option(help: "Seed for the subset, initialisation and shuffling.") var seed: UInt64 = 0
    @OptionGroup(title: "Learner options") var learnerOptions: LearnerOptionArguments
    @Option(help: "Save the trained model here (safetensors).") var save: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        try global.apply()
        var request = TrainRequest(data: dataOptions.data, learner: learner)
        request.loading = try dataOptions.reading.loadOptions(seed: seed)
        (request.trainSize, request.seed, request.save) = (trainSize, seed, save)
        request.options = try learnerOptions.options()
        request.context = TrainingContext(device: try deviceOptions.resolved(), showProgress: !json)
        guard let result = try request.runAsLaunched() else { return }  // an MPI rank other than 0: rank 0 prints
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
        var request = EvaluateRequest(model: model, data: dataOptions.data)
        request.loading = try dataOptions.reading.loadOptions(seed: seed)
        let result = try request.run()
        if json {
            print(jsonString(result.json))
        } else {
            print(String(format: "%@ on %@: test accuracy %.2f%% on %d examples", result.learnerName, result.data,
                         result.metrics.accuracy * 100, result.testSize))
        }
    }
}

func formatNumber(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e12 ? String(Int(v)) : String(format: "%.4g", v)
}
