import TakeoffData
import TakeoffEngine

extension Trainer {
    /// Throughput of training steps on `data` (no validation, no early stopping): examples per
    /// second, achieved GFLOP/s (the products the step does: ``Sequential/trainingProductFLOPsPerExample``) and
    /// the share of the time in sgemm, summed over threads.
    public static func benchmark(_ model: Sequential, data: Dataset, batchSize: Int, steps: Int, seed: UInt64 = 1, precision: Precision = .fp32)
        throws -> (examplesPerSecond: Double, gflops: Double, gemmShare: Double, seconds: Double) {
        var options = TrainingOptions()
        options.precision = precision
        options.epochs = 1
        options.batchSize = batchSize
        options.patience = nil
        let (product, overflow) = steps.multipliedReportingOverflow(by: batchSize)
        let examples = overflow ? data.count : Swift.min(data.count, product)
        let subset = data.subset(Array(0..<examples))
        _ = try Trainer(options: options).fit(model, train: subset.subset(Array(0..<Swift.min(examples, 2 * batchSize))),
                                              validation: nil, seed: seed)
        var seconds = 0.0
        let (gemm, _) = try BLAS.Profile.measure {
            let start = Benchmarks.now()
            _ = try Trainer(options: options).fit(model, train: subset, validation: nil, seed: seed)
            seconds = Benchmarks.now() - start
        }
        let flops = Double(model.trainingProductFLOPsPerExample) * Double(examples)
        return (Double(examples) / seconds, flops / seconds / 1e9, gemm / seconds, seconds)
    }
}
