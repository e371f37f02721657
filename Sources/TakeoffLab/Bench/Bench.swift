import Foundation
import TakeoffEngine

/// The checks `takeoff bench`'s workloads share. Each workload is a request value (checked before any work,
/// its memory need against ``MemoryLimit``) whose `run()` gives a result value with the JSON the command prints.
enum BenchChecks {
    /// The most memory a benchmark's buffers may take: half the machine's.
    static var memoryLimit: Double { Double(MemoryLimit.bytes) }

    /// Refuses a workload of `bytes` over ``memoryLimit``, naming `option` and `what` needs it.
    static func checkMemory(_ bytes: Double, option: String, _ what: String) throws {
        guard bytes <= memoryLimit else {
            throw LabError.invalidOption(option: option, detail: "\(what) need\(what.hasSuffix("s") ? "" : "s") "
                                         + "\(MemoryLimit.gibibytes(bytes)), over \(MemoryLimit.gibibytes(memoryLimit)) (half the memory)")
        }
    }

    /// Refuses a count below 1 for `option`.
    static func requirePositive(_ value: Int, option: String) throws {
        guard value >= 1 else { throw LabError.invalidOption(option: option, detail: "must be at least 1, got \(value)") }
    }
}

/// sgemm GFLOP/s at square sizes, against the largest-size run and the machine's nominal peak.
public struct GEMMBench: Sendable {
    public var sizes: [Int]
    public init(sizes: [Int] = [128, 256, 512, 1024, 2048]) { self.sizes = sizes }

    public func validate() throws {
        guard !sizes.isEmpty else { throw LabError.invalidOption(option: "sizes", detail: "lists no value") }
        for n in sizes {
            try BenchChecks.requirePositive(n, option: "sizes")
            // Three n×n float matrices.
            try BenchChecks.checkMemory(12 * Double(n) * Double(n), option: "sizes", "\(n)×\(n) matrices")
        }
    }

    public struct Result: Sendable {
        public var rows: [(size: Int, gflops: Double, secondsPerCall: Double)]
        public var measuredPeak: Double
        public var nominal: MachinePeak?
        public var blasCore: String
        public var blasThreads: Int
        /// `OPENBLAS_CORETYPE` as set, or `unset`.
        public var coreTypeSetting: String

        public var json: [String: Any] {
            var info: [String: Any] = [
                "blas_core": blasCore, "blas_threads": blasThreads, "openblas_coretype_env": coreTypeSetting, "measured_peak_gflops": measuredPeak,
                "results": rows.map { ["size": $0.size, "gflops": $0.gflops, "seconds_per_call": $0.secondsPerCall,
                                       "fraction_of_measured_peak": $0.gflops / measuredPeak] },
            ]
            if let nominal { info["nominal_peak_gflops"] = nominal.gflops }
            return info
        }
    }

    public func run() throws -> Result {
        try validate()
        let rows = sizes.map { n in let r = Benchmarks.gemm(size: n); return (size: n, gflops: r.gflops, secondsPerCall: r.secondsPerCall) }
        return Result(rows: rows, measuredPeak: rows.map(\.gflops).max() ?? 0, nominal: MachinePeak.current(cores: Parallel.threadCount),
                      blasCore: BLAS.coreName, blasThreads: BLAS.threadCount,
                      coreTypeSetting: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")
    }
}

/// GB/s of elementwise kernels against a plain memory copy.
public struct ElementwiseBench: Sendable {
    /// Elements per tensor.
    public var count: Int
    public init(count: Int = 1 << 24) { self.count = count }

    public func validate() throws {
        try BenchChecks.requirePositive(count, option: "count")
        // A few float tensors of `count` elements.
        try BenchChecks.checkMemory(16 * Double(count), option: "count", "\(count) elements")
    }

    public struct Result: Sendable {
        public var count: Int
        public var threads: Int
        /// The first is the memory copy the others are compared with.
        public var kernels: [Benchmarks.Bandwidth]
        public var copy: Double { kernels[0].gigabytesPerSecond }

        public var json: [String: Any] {
            ["count": count, "threads": threads, "results": kernels.map {
                ["name": $0.name, "gb_per_s": $0.gigabytesPerSecond, "ratio_to_memcpy": $0.gigabytesPerSecond / copy]
            }]
        }
    }

    public func run() throws -> Result {
        try validate()
        return Result(count: count, threads: Parallel.threadCount, kernels: Benchmarks.elementwise(count: count))
    }
}

/// Forward + backward of a 784-1024-1024-10 MLP on one batch: time per step and GEMM's share of it.
public struct MLPStepBench: Sendable {
    public var batch: Int
    public init(batch: Int = 256) { self.batch = batch }

    public func validate() throws {
        try BenchChecks.requirePositive(batch, option: "batch")
        // Inputs, activations and their gradients: about 8,000 floats per example.
        try BenchChecks.checkMemory(32_768 * Double(batch), option: "batch", "a batch of \(batch)")
    }

    public struct Result: Sendable {
        public var batch: Int
        public var secondsPerStep: Double
        public var gemmShare: Double
        public var gflops: Double
        public var threads: Int
        public var blasCore: String

        public var json: [String: Any] {
            ["batch": batch, "seconds_per_step": secondsPerStep, "gemm_share": gemmShare, "gflops": gflops, "threads": threads, "blas_core": blasCore]
        }
    }

    public func run() throws -> Result {
        try validate()
        let r = Benchmarks.mlpStep(batch: batch)
        return Result(batch: batch, secondsPerStep: r.secondsPerStep, gemmShare: r.gemmShare, gflops: r.gflops,
                      threads: Parallel.threadCount, blasCore: BLAS.coreName)
    }
}
