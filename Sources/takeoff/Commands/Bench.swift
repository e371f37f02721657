import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffNN

/// `takeoff bench`: each subcommand reads its flags into a workload of `Sources/TakeoffLab/Bench`, runs it
/// and prints the result.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Takeoff's speed on this machine.",
        subcommands: [GEMM.self, Elementwise.self, MLPStep.self, TrainSpeed.self, BenchData.self, Classic.self, All.self]
    )

    struct GEMM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gemm", abstract: "sgemm GFLOP/s at several square sizes.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Comma-separated matrix sizes.") var sizes: String = "128,256,512,1024,2048"
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            let r = try GEMMBench(sizes: CommaList.positiveIntegers(sizes, option: "sizes")).run()
            if json { print(jsonString(r.json)); return }
            for row in r.rows {
                var line = String(format: "sgemm %5d×%-5d %8.1f GFLOP/s  (%.3f ms/call)  %3.0f%% of the largest-size run", row.size, row.size,
                                  row.gflops, row.secondsPerCall * 1e3, row.gflops / r.measuredPeak * 100)
                if let nominal = r.nominal { line += String(format: ", %3.0f%% of nominal peak", row.gflops / nominal.gflops * 100) }
                print(line)
            }
            print("OpenBLAS core: \(r.blasCore), threads: \(r.blasThreads), OPENBLAS_CORETYPE=\(r.coreTypeSetting)")
            if let nominal = r.nominal {
                print(String(format: "nominal peak: %.0f GFLOP/s = %d cores × %.0f MHz × %d lanes × 2 FMA units × 2 (%@, clock as /proc/cpuinfo reports it)",
                             nominal.gflops, nominal.cores, nominal.megahertz, nominal.lanes, nominal.modelName))
            }
        }
    }
}

extension Bench {
    struct Elementwise: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GB/s of elementwise kernels against a plain memory copy.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Elements per tensor.") var count: Int = 1 << 24
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            let r = try ElementwiseBench(count: count).run()
            if json { print(jsonString(r.json)); return }
            print("\(r.count) floats, \(r.threads) threads")
            for k in r.kernels {
                print(k.name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %7.1f GB/s  %5.2f× memcpy", k.gigabytesPerSecond,
                             k.gigabytesPerSecond / r.copy))
            }
        }
    }
}

extension Bench {
    struct MLPStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mlp-step",
            abstract: "Forward + backward of a 784-1024-1024-10 MLP on a batch: time per step and GEMM's share of it.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Batch size.") var batch: Int = 256
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            let r = try MLPStepBench(batch: batch).run()
            if json { print(jsonString(r.json)); return }
            print(String(format: "784-1024-1024-10 MLP, batch %d: %.2f ms per forward+backward, %.0f GFLOP/s, %.1f%% of the time in sgemm (%@, %d threads)",
                         r.batch, r.secondsPerStep * 1e3, r.gflops, r.gemmShare * 100, r.blasCore, r.threads))
        }
    }
}

extension Bench {
    struct TrainSpeed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Training throughput of the neural presets on Fashion-MNIST (one epoch unless --steps).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var deviceOptions: DeviceOptions
        @Option(help: "Comma-separated presets.") var presets: String = "mlp-small,mlp-medium,mlp-large,cnn"
        @Option(help: "Batch size.") var batchSize: Int = 128
        @Option(help: "Steps to time, at most one epoch (default: one epoch of 60,000 images).") var steps: Int?
        @OptionGroup var precisionOptions: PrecisionOptions
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            let bench = TrainSpeedBench(presets: try TrainSpeedBench.presets(named: presets), batchSize: batchSize, steps: steps,
                                        device: try deviceOptions.resolved(), precision: precisionOptions.precision.announced())
            let r = try bench.run { row in
                guard !json else { return }
                let share = row.gemmShare.map { String(format: "%5.1f%% in sgemm", $0 * 100) } ?? "on \(bench.device)"
                print(String(format: "%-10@ %8.0f examples/s  %6.1f GFLOP/s  %@  %.2f s for %d steps",
                             row.preset.rawValue, row.examplesPerSecond, row.gflops, share, row.seconds, row.steps))
            }
            guard !json else { return print(jsonString(r.json)) }
            print("batch \(r.batchSize), \(r.target)" + (r.sgemmGFLOPs.map {
                String(format: "; sgemm 2048² %.1f GFLOP/s in this run (the better of before and after)", $0) } ?? ""))
            for row in r.rows {
                if let f = r.fractionOfSGEMM(row) { print(String(format: "%-10@ %3.0f%% of that rate", row.preset.rawValue, 100 * f)) }
            }
        }
    }
}

extension Bench {
    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every benchmark at a size that runs in a few minutes: gemm, elementwise, mlp-step, train (50 steps per preset), data, classic (fixed C, small m).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print one JSON object per benchmark.") var json = false

        func run() throws {
            let threads = global.threads.map { ["--threads", "\($0)"] } ?? []
            let flags = threads + (json ? ["--json"] : [])
            let runs: [(String, ParsableCommand.Type, [String])] = [
                ("gemm", GEMM.self, []), ("elementwise", Elementwise.self, []), ("mlp-step", MLPStep.self, []),
                ("train", TrainSpeed.self, ["--steps", "50"]), ("data", BenchData.self, []),
                ("classic logreg", Classic.self, ["--learner", "logreg", "--train-size", "10000", "--C", "0.01"]),
                ("classic linear-svm", Classic.self, ["--learner", "linear-svm", "--train-size", "10000", "--C", "0.01"]),
                ("classic rbf-svm", Classic.self, ["--learner", "rbf-svm", "--train-size", "5000", "--C", "10"]),
            ]
            for (name, command, arguments) in runs {
                if !json { print("== \(name)") }
                var c = try command.parse(arguments + flags)
                try c.run()
                if !json { print() }
            }
        }
    }
}

func jsonString(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}
