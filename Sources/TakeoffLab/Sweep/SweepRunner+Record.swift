import Foundation

extension SweepRunner {
    /// Runs the sweep with its row in the store (`record`), kept up to date as cells finish and marked
    /// finished, stopped or failed at the end, for readers such as `takeoff serve`. Curves and scaling sweeps both run through it.
    public func run(recording record: SweepRecord) throws -> Outcome {
        var sweep = try store.recordSweep(record)
        progress = { [store] cells, remaining in
            (sweep.cells, sweep.remainingSeconds, sweep.updatedAt) = (cells, remaining, Date())
            _ = try? store.recordSweep(sweep)
        }
        let outcome: Outcome
        do { outcome = try run() } catch {
            (sweep.status, sweep.error, sweep.updatedAt) = (.failed, "\(error)", Date())
            _ = try? store.recordSweep(sweep)
            throw error
        }
        sweep.cells = outcome.results.statusCounts
        (sweep.status, sweep.remainingSeconds, sweep.updatedAt) = (outcome.complete ? .finished : .stopped, outcome.remainingSeconds, Date())
        try store.recordSweep(sweep)
        return outcome
    }
}
