import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffMPI
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
    @Option(help: "Epochs per run.") var epochs: Int = 6
    @Option(help: "Training time per run instead of epochs, e.g. 30s or 2m (stops after the epoch that passes it).") var budget: String?
    @Option(help: "Seeds per activation.") var seeds: Int = 3
    @Option(help: "Training examples (a nested subset; default: all).") var trainSize: Int?
    @Option(help: "Target training loss to time (chance level on 10 classes is 2.30).") var targetLoss: Float = 1.0
    @Option(help: "Target test accuracy to time.") var targetAccuracy: Double = 0.8
    @Option(help: "Output folder.") var out: String = "takeoff-out/activations"
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        try global.apply()
        var race = ActivationRace()
        race.activations = try list(activations).map { name in
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
            race.epochs = 10_000
        }
        race.seeds = try seedList(seeds)
        (race.targetLoss, race.targetAccuracy) = (targetLoss, targetAccuracy)
        // Everything but the network's size is checked before the data is read; that, once the features are known.
        try race.validate(inputs: 1, classes: 2)
        race.device = try deviceOptions.resolved()
        // Under mpirun every rank reads the data and does the runs rank 0 gives it; rank 0 alone writes the report.
        let comm = Communicator.world
        let outURL = comm?.isRoot ?? true ? try OutputFolder.prepare(out, option: "out") : URL(fileURLWithPath: out)
        func load() throws -> TrainTestSplit {
            var data = try dataOptions.load(cacheIn: out)
            try race.validate(inputs: data.train.featureCount, classes: data.train.classCount)
            if let trainSize {
                guard trainSize > 0, trainSize <= data.train.count else {
                    throw ValidationError("--train-size must be in 1...\(data.train.count)")
                }
                data.train = try data.train.nestedSubset(trainSize, seed: 0)
            }
            return data
        }
        let total = race.jobs.count
        let bar = ProgressBar(total: total, label: "activations")
        var finished = 0
        func progress(_ run: ActivationRace.Run) {
            finished += 1
            let result = run.failure.map { "diverged/failed: \($0)" }
                ?? String(format: "test accuracy %.2f%%, final loss %.4f", (run.testAccuracy ?? 0) * 100, run.stepLosses.last ?? .nan)
            FileHandle.standardError.write(Data("  \(run.activation.rawValue) seed \(run.seed): \(result)\n".utf8))
            bar.update(finished, status: "", force: true)
        }
        let runs: [ActivationRace.Run]
        if let comm {
            guard let all = try race.run(on: comm, load: load, progress: progress) else { return }
            runs = all
        } else {
            runs = try race.run(load(), progress: progress)
        }
        bar.finish(status: "\(total) runs")
        let summaries = race.summarize(runs)
        try ActivationReport(race: race, runs: runs, summaries: summaries, data: dataOptions.data).write(to: outURL)
        if json {
            print(String(decoding: try JSONEncoder().encode(summaries), as: UTF8.self))
        } else {
            print(ActivationReport.table(summaries, race: race))
            print("wrote \(outURL.path)/activations.svg, activations.png, report.html, activations.csv, summary.json")
        }
    }
}
