import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffNN

struct Activations: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Race activations: the same deep MLP with sigmoid, tanh, ReLU, … and per-layer gradient norms that show why.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Comma-separated activations.") var activations: String = "sigmoid,tanh,relu,leaky-relu,gelu"
    @Option(help: "Hidden layers.") var depth: Int = 5
    @Option(help: "Units per hidden layer.") var width: Int = 256
    @Option(help: "sgd (plain, the setting of the claim) or adam.") var optimizer: String = "sgd"
    @Option(help: "Learning rate (default: 0.1 for sgd, 0.001 for adam).") var lr: Float?
    @Option(help: "Mini-batch size.") var batchSize: Int = 128
    @Option(help: "Epochs per run, at most \(ActivationRace.maxEpochs).") var epochs: Int = 6
    @Option(help: "Training time per run instead of epochs, e.g. 30s or 2m (stops after the epoch that passes it).") var budget: String?
    @Option(help: "Seeds per activation.") var seeds: Int = 3
    @Option(help: "Training examples (a nested subset; default: all).") var trainSize: Int?
    @Option(help: "Target training loss to time (chance level on 10 classes is 2.30).") var targetLoss: Float = 1.0
    @Option(help: "Target test accuracy to time.") var targetAccuracy: Double = 0.8
    @OptionGroup var precisionOptions: PrecisionOptions
    @Option(help: "Results store (SQLite; default OUT/activations.sqlite): each run is kept as it finishes, so a rerun continues.") var store: String?
    @Option(help: "Output folder.") var out: String = "takeoff-out/activations"
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        try global.apply()
        var request = ActivationRequest(data: dataOptions.data, compute: try Compute(threads: Parallel.threadCount, workers: 1))
        request.loading = try dataOptions.reading.loadOptions(cacheIn: out)
        var race = ActivationRace()
        race.activations = try CommaList.items(activations).map { name in
            guard let a = Activation(rawValue: name) else {
                throw ValidationError("--activations: unknown '\(name)'; known: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return a
        }
        switch optimizer {
        case "sgd": race.optimizer = .sgd()
        case "adam": race.optimizer = .adam()
        default: throw ValidationError("--optimizer must be sgd or adam, got '\(optimizer)'")
        }
        race.learningRate = lr ?? (optimizer == "sgd" ? 0.1 : 1e-3)
        (race.depth, race.width, race.batchSize, race.epochs) = (depth, width, batchSize, epochs)
        if let budget, let seconds = try TimeBudget(parsing: budget).seconds {
            race.timeLimit = seconds
            race.epochs = ActivationRace.maxEpochs
        }
        race.seeds = try seedList(seeds)
        (race.targetLoss, race.targetAccuracy) = (targetLoss, targetAccuracy)
        race.device = try deviceOptions.resolved()
        race.precision = precisionOptions.precision.announced()
        (request.race, request.trainSize, request.store, request.out) = (race, trainSize, store, out)

        // Under mpirun every rank runs this command: rank 0 hands out the cells and reports, the others train what it sends.
        guard let report = try ActivationExperiment.run(request, log: SweepLog()) else { return }
        if json {
            print(String(decoding: try JSONEncoder().encode(report.summaries), as: UTF8.self))
        } else {
            print(ActivationReport.table(report.summaries, race: race))
            print("wrote \(out)/activations.svg, activations.png, report.html, activations.csv, summary.json")
        }
    }
}
