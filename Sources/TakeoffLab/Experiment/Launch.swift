import Foundation
import TakeoffEngine
import TakeoffMPI

/// How this process was launched, and what follows from it: alone, or as one rank of an `mpirun` job.
/// Commands hand their requests here instead of looking at ranks themselves.
public enum Launch {
    /// Sets ``Parallel/threadCount``: `threads`, or all cores (in an MPI job, each rank its share of its
    /// machine's cores); and, in an MPI job, gives each rank of a machine its own GPU unless the user chose one.
    public static func applyThreads(_ threads: Int?) throws {
        if let threads {
            if let refusal = Parallel.refusal(threads: threads) { throw LabError.invalidOption(option: "threads", detail: refusal) }
            Parallel.threadCount = threads
        } else if let refusal = Parallel.refusalOfDefault() {
            throw LabError.invalidOption(option: "threads", detail: refusal)
        } else if Communicator.launchedByMPI {
            Parallel.threadCount = Swift.max(1, Parallel.defaultThreadCount / Communicator.localSize)
        } else {
            Parallel.threadCount = Parallel.defaultThreadCount
        }
        if Communicator.launchedByMPI && ProcessInfo.processInfo.environment["TAKEOFF_CUDA_DEVICE"] == nil {
            setenv("TAKEOFF_CUDA_DEVICE", "\(Communicator.localRank)", 1)
        }
    }

    /// The device `name` names (`auto`, `cpu`, `cuda`), started and checked: a clear error when CUDA is missing,
    /// or when `tf32` is asked for without CUDA.
    public static func device(named name: String, tf32: Bool = false) throws -> Device {
        let device: Device
        do { device = try Device.named(name) } catch { throw LabError.invalidOption(option: "device", detail: "\(name): \(error)") }
        switch device {
        case .cuda: try GPU.shared().allowsTF32 = tf32
        case .cpu: if tf32 { throw LabError.invalidOption(option: "tf32", detail: "applies to --device cuda only") }
        }
        return device
    }

    /// Whether this process is one of several ranks of an `mpirun` job (read from the launcher, MPI not started).
    public static var isOneOfSeveralRanks: Bool { Communicator.launchedSize > 1 }

    /// Whether this process is rank 0 of its job, or alone (read from the launcher, MPI not started).
    public static var isFirstRank: Bool { Communicator.launchedRank == 0 }
}

extension Compute {
    /// The share of the machine of a sweep launched as this process was: `workers` cells at once (default: one
    /// per 4 threads); under `mpirun` each rank trains one cell at a time, so `workers` is refused there (the
    /// ranks are counted when the sweep starts on them: ``SweepExperiment/run(_:on:announce:log:showProgress:)``).
    public static func asLaunched(threads: Int, workers: Int?) throws -> Compute {
        if Communicator.launchedByMPI, workers != nil {
            throw LabError.invalidOption(option: "workers", detail: "does not apply under mpirun: each rank trains one cell at a time")
        }
        return try Compute(threads: threads, workers: workers)
    }
}
