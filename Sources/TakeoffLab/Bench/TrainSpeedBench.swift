import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// Training throughput of the neural presets on Fashion-MNIST: one epoch, or `steps` steps.
public struct TrainSpeedBench: Sendable {
    public var presets: [NeuralPreset]
    public var batchSize: Int
    /// Steps to time; nil: one epoch.
    public var steps: Int?
    public var device: Device
    /// The number format of the products (fp32 or bf16).
    public var precision: Precision

    public init(presets: [NeuralPreset] = NeuralPreset.allCases, batchSize: Int = 128, steps: Int? = nil, device: Device = .cpu,
                precision: Precision = .fp32) {
        (self.presets, self.batchSize, self.steps, self.device, self.precision) = (presets, batchSize, steps, device, precision)
    }

    /// The presets named in `text` (comma-separated); an unknown name is an error listing the known ones.
    public static func presets(named text: String) throws -> [NeuralPreset] {
        let presets = try CommaList.items(text).map { name in
            guard let preset = NeuralPreset(rawValue: name) else {
                throw LabError.invalidOption(option: "presets", detail: "unknown preset '\(name)'; known: \(NeuralPreset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return preset
        }
        guard !presets.isEmpty else { throw LabError.invalidOption(option: "presets", detail: "lists no preset") }
        return presets
    }

    public func validate() throws {
        try BenchChecks.requirePositive(batchSize, option: "batch-size")
        if let steps { try BenchChecks.requirePositive(steps, option: "steps") }
        guard !presets.isEmpty else { throw LabError.invalidOption(option: "presets", detail: "lists no preset") }
    }

    public struct Row: Sendable {
        public var preset: NeuralPreset
        public var examplesPerSecond: Double
        /// The products a step does (forward, backward's weight and input gradients) per second.
        public var gflops: Double
        /// The share of the time in sgemm, measured on the CPU only.
        public var gemmShare: Double?
        public var seconds: Double
        public var steps: Int
    }

    public struct Result: Sendable {
        public var rows: [Row]
        public var batchSize: Int
        public var threads: Int
        public var blasCore: String
        public var device: Device
        /// The GPU's name and summary, when it ran on one.
        public var gpuName: String?
        public var gpuSummary: String?
        /// sgemm's rate at 2048² in this run on the CPU (the better of a run before the presets and one after),
        /// the reference for each preset's rate.
        public var sgemmGFLOPs: Double?

        /// A row's rate as a fraction of ``sgemmGFLOPs``.
        public func fractionOfSGEMM(_ row: Row) -> Double? { sgemmGFLOPs.map { row.gflops / $0 } }

        /// What it ran on, e.g. `2 threads, OpenBLAS Haswell` or the GPU's summary.
        public var target: String { gpuSummary ?? "\(threads) threads, OpenBLAS \(blasCore)" }

        public var json: [String: Any] {
            ["batch_size": batchSize, "threads": threads, "blas_core": blasCore, "device": device.rawValue, "device_name": gpuName ?? "cpu",
             "sgemm_2048_gflops": sgemmGFLOPs as Any? ?? NSNull(),
             "results": rows.map { ["preset": $0.preset.rawValue, "examples_per_second": $0.examplesPerSecond, "gflops": $0.gflops,
                                    "fraction_of_sgemm": fractionOfSGEMM($0) as Any? ?? NSNull(),
                                    "gemm_share": $0.gemmShare as Any? ?? NSNull(), "seconds": $0.seconds, "steps": $0.steps] as [String: Any] }]
        }
    }

    /// Times each preset in turn, calling `row` as each finishes; on the CPU, times sgemm at 2048² before and after.
    public func run(row: ((Row) -> Void)? = nil) throws -> Result {
        try validate()
        let data = try DataCatalog.fashionMNIST().train
        guard batchSize <= data.count else {
            throw LabError.invalidOption(option: "batch-size", detail: "\(batchSize) exceeds the \(data.count) training images")
        }
        let epochSteps = (data.count + batchSize - 1) / batchSize
        if let steps, steps > epochSteps {
            throw LabError.invalidOption(option: "steps", detail: "must be at most \(epochSteps) (one epoch of the \(data.count) training images "
                                         + "in batches of \(batchSize)), got \(steps)")
        }
        let sgemmBefore = device == .cpu ? Benchmarks.gemm(size: 2048).gflops : nil
        var rows: [Row] = []
        for preset in presets {
            let shape = preset.needsImages ? data.imageShape! : [data.featureCount]
            let model = preset.model(inputShape: shape, classes: data.classCount, activation: .relu, seed: 1)
            model.move(to: device)
            let steps = self.steps ?? epochSteps
            let r = try Trainer.benchmark(model, data: data, batchSize: batchSize, steps: steps, precision: precision)
            let timed = Row(preset: preset, examplesPerSecond: r.examplesPerSecond, gflops: r.gflops,
                            gemmShare: device == .cpu ? r.gemmShare : nil, seconds: r.seconds, steps: steps)
            rows.append(timed)
            row?(timed)
        }
        let sgemm = sgemmBefore.map { Swift.max($0, Benchmarks.gemm(size: 2048).gflops) }
        let gpu: GPU?
        switch device {
        case .cpu: gpu = nil
        case .cuda: gpu = try GPU.shared()
        }
        return Result(rows: rows, batchSize: batchSize, threads: Parallel.threadCount, blasCore: BLAS.coreName, device: device,
                      gpuName: gpu?.name, gpuSummary: gpu?.summary, sgemmGFLOPs: sgemm)
    }
}

/// The time to read all of Fashion-MNIST (gunzip, decode, scale to [0, 1]).
public struct DataReadBench: Sendable {
    /// Timed reads, after one warm-up read.
    public var repeats: Int
    public init(repeats: Int = 5) { self.repeats = repeats }

    public struct Result: Sendable {
        public var examples: Int
        public var threads: Int
        /// Each read's seconds, fastest first.
        public var seconds: [Double]
        public var fastest: Double { seconds[0] }
        public var median: Double { seconds[seconds.count / 2] }

        public var json: [String: Any] {
            ["dataset": "fashion-mnist", "examples": examples, "threads": threads, "seconds_min": fastest, "seconds_median": median]
        }
    }

    public func run() throws -> Result {
        try BenchChecks.requirePositive(repeats, option: "repeats")
        var split = try DataCatalog.fashionMNIST()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = Benchmarks.now()
            split = try DataCatalog.fashionMNIST()
            times.append(Benchmarks.now() - start)
        }
        return Result(examples: split.train.count + split.test.count, threads: Parallel.threadCount, seconds: times.sorted())
    }
}
