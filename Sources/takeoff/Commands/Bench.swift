import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

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
            let sizes = try parseList(sizes, option: "--sizes")
            // Three n×n float matrices.
            if let n = sizes.first(where: { 12 * Double($0) * Double($0) > memoryLimit }) {
                throw ValidationError("--sizes: \(n)×\(n) matrices need \(MemoryLimit.gibibytes(12 * Double(n) * Double(n))), over \(MemoryLimit.gibibytes(memoryLimit)) (half the memory)")
            }
            let results = sizes.map { (size: $0, r: Benchmarks.gemm(size: $0)) }
            let measuredPeak = results.map(\.r.gflops).max() ?? 0
            let nominal = MachinePeak.current(cores: Parallel.threadCount)
            let env = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"
            if json {
                var info: [String: Any] = [
                    "blas_core": BLAS.coreName, "blas_threads": BLAS.threadCount, "openblas_coretype_env": env,
                    "measured_peak_gflops": measuredPeak,
                    "results": results.map { ["size": $0.size, "gflops": $0.r.gflops, "seconds_per_call": $0.r.secondsPerCall,
                                              "fraction_of_measured_peak": $0.r.gflops / measuredPeak] },
                ]
                if let nominal { info["nominal_peak_gflops"] = nominal.gflops }
                print(jsonString(info))
                return
            }
            for (n, r) in results {
                var line = String(format: "sgemm %5d×%-5d %8.1f GFLOP/s  (%.3f ms/call)  %3.0f%% of the largest-size run", n, n,
                                  r.gflops, r.secondsPerCall * 1e3, r.gflops / measuredPeak * 100)
                if let nominal { line += String(format: ", %3.0f%% of nominal peak", r.gflops / nominal.gflops * 100) }
                print(line)
            }
            print("OpenBLAS core: \(BLAS.coreName), threads: \(BLAS.threadCount), OPENBLAS_CORETYPE=\(env)")
            if let nominal {
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
            guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
            // A few float tensors of `count` elements.
            guard 16 * Double(count) <= memoryLimit else {
                throw ValidationError("--count \(count) needs \(MemoryLimit.gibibytes(16 * Double(count))), over \(MemoryLimit.gibibytes(memoryLimit)) (half the memory)")
            }
            let results = Benchmarks.elementwise(count: count)
            let copy = results[0].gigabytesPerSecond
            if json {
                print(jsonString(["count": count, "threads": Parallel.threadCount, "results": results.map {
                    ["name": $0.name, "gb_per_s": $0.gigabytesPerSecond, "ratio_to_memcpy": $0.gigabytesPerSecond / copy]
                }]))
                return
            }
            print("\(count) floats, \(Parallel.threadCount) threads")
            for r in results {
                print(r.name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %7.1f GB/s  %5.2f× memcpy", r.gigabytesPerSecond,
                             r.gigabytesPerSecond / copy))
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
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
            // Inputs, activations and their gradients: about 8,000 floats per example.
            guard 32_768 * Double(batch) <= memoryLimit else {
                throw ValidationError("--batch \(batch) needs about \(MemoryLimit.gibibytes(32_768 * Double(batch))), over \(MemoryLimit.gibibytes(memoryLimit)) (half the memory)")
            }
            let r = Benchmarks.mlpStep(batch: batch)
            if json {
                print(jsonString(["batch": batch, "seconds_per_step": r.secondsPerStep, "gemm_share": r.gemmShare,
                                  "gflops": r.gflops, "threads": Parallel.threadCount, "blas_core": BLAS.coreName]))
            } else {
                print(String(format: "784-1024-1024-10 MLP, batch %d: %.2f ms per forward+backward, %.0f GFLOP/s, %.1f%% of the time in sgemm (%@, %d threads)",
                             batch, r.secondsPerStep * 1e3, r.gflops, r.gemmShare * 100, BLAS.coreName, Parallel.threadCount))
            }
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
        @Option(help: "Steps to time (default: one epoch of 60,000 images).") var steps: Int?
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
            let presetList = try list(presets).map { name in
                guard let preset = NeuralPreset(rawValue: name) else {
                    throw ValidationError("--presets: unknown preset '\(name)'; known: \(NeuralPreset.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return preset
            }
            guard !presetList.isEmpty else { throw ValidationError("--presets lists no preset") }
            let device = try deviceOptions.resolved()
            let data = try DataCatalog.fashionMNIST().train
            guard batchSize <= data.count else { throw ValidationError("--batch-size \(batchSize) exceeds the \(data.count) training images") }
            var rows: [[String: Any]] = []
            for preset in presetList {
                let name = preset.rawValue
                let shape = preset.needsImages ? data.imageShape! : [data.featureCount]
                let model = preset.model(inputShape: shape, classes: data.classCount, activation: .relu, seed: 1)
                model.move(to: device)
                let steps = self.steps ?? (data.count + batchSize - 1) / batchSize
                let r = try Trainer.benchmark(model, data: data, batchSize: batchSize, steps: steps)
                rows.append(["preset": name, "examples_per_second": r.examplesPerSecond, "gflops": r.gflops,
                             "gemm_share": device == .cpu ? r.gemmShare as Any : NSNull(), "seconds": r.seconds, "steps": steps])
                if !json {
                    let share = device == .cpu ? String(format: "%5.1f%% in sgemm", r.gemmShare * 100) : "on \(device)"
                    print(String(format: "%-10@ %8.0f examples/s  %6.1f GFLOP/s  %@  %.2f s for %d steps",
                                 name, r.examplesPerSecond, r.gflops, share, r.seconds, steps))
                }
            }
            let gpu = device == .cuda ? try GPU.shared() : nil
            let target = gpu?.summary ?? "\(Parallel.threadCount) threads, OpenBLAS \(BLAS.coreName)"
            if json {
                print(jsonString(["batch_size": batchSize, "threads": Parallel.threadCount, "blas_core": BLAS.coreName, "device": device.rawValue,
                                  "device_name": gpu?.name ?? "cpu", "results": rows]))
            } else { print("batch \(batchSize), \(target)") }
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

/// Parses "a,b,c" into positive integers, naming the option on error; an empty list is an error.
func parseList(_ text: String, option: String) throws -> [Int] {
    let values = try text.split(separator: ",").map { part in
        guard let v = Int(part.trimmingCharacters(in: .whitespaces)), v > 0 else {
            throw ValidationError("\(option): '\(part)' is not a positive integer")
        }
        return v
    }
    guard !values.isEmpty else { throw ValidationError("\(option) lists no value") }
    return values
}

/// The most memory a benchmark's buffers may take.
let memoryLimit = Double(MemoryLimit.bytes)

func jsonString(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}
