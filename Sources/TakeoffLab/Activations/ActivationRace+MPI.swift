import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffMPI

extension ActivationRace {
    /// Runs the race as this process's rank of an MPI job: every rank reads the data with `load`;
    /// rank 0 hands out the (activation, seed) runs, does one at a time itself, and returns every run
    /// in race order (`progress` hears of each); the other ranks do the runs they are given and return nil.
    /// A rank that cannot read the data makes rank 0 stop the job with an error naming it.
    public func run(on comm: Communicator, load: () throws -> TrainTestSplit, progress: ((Run) -> Void)? = nil) throws -> [Run]? {
        var prepared: Prepared?, fingerprint = "", failure: String?
        do {
            let data = try load()
            prepared = try prepare(data)
            fingerprint = "\(SweepPlan.fingerprint(of: data)), \(jobs.count) runs"
        } catch {
            failure = "\(error)"
        }
        var work: (@Sendable (Job) -> Run)?
        if let prepared {
            let race = self
            work = { job in race.runRecordingFailure(job, on: prepared) }
        }
        guard comm.isRoot else {
            try MPIFarm<Job, Run>.serve(comm, fingerprint: fingerprint, failure: failure, work: work)
            return nil
        }
        guard let work else {
            MPIFarm<Job, Run>.stopWorkers(comm)
            throw ShardError.rankUnable(rank: 0, reason: failure ?? "unknown failure")
        }
        let farm = try MPIFarm<Job, Run>(comm: comm, fingerprint: fingerprint, jobs: jobs.count, work: work)
        defer { farm.stop() }
        var pending = jobs[...], running = 0, done: [Job: Run] = [:]
        while !pending.isEmpty || running > 0 {
            while running < farm.slots, let job = pending.popFirst() {
                try farm.start(job)
                running += 1
            }
            let run = try farm.finished()
            running -= 1
            done[Job(activation: run.activation, seed: run.seed)] = run
            progress?(run)
        }
        return jobs.map { done[$0]! }
    }

    /// ``run(_:on:)``, with any error (a GPU's too) recorded as the run's failure, for a rank that must answer.
    func runRecordingFailure(_ job: Job, on prepared: Prepared) -> Run {
        do { return try run(job, on: prepared) } catch {
            var failed = Run(activation: job.activation, seed: job.seed)
            failed.failure = "\(error)"
            return failed
        }
    }
}
