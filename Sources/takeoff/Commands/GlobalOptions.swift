import ArgumentParser
import Foundation
import TakeoffEngine
import TakeoffMPI

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for Takeoff's kernels and OpenBLAS (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print a line for every cell a sweep skips at its budget (by default one line per learner sums them up).")
    var verbose = false

    /// Sets ``Parallel/threadCount``: `--threads`, or all cores (in an MPI job, each rank its share of its machine's cores).
    func apply() throws {
        if let threads {
            if let refusal = Parallel.refusal(threads: threads) { throw ValidationError("--threads: \(refusal)") }
            Parallel.threadCount = threads
        } else if Communicator.launchedByMPI {
            Parallel.threadCount = Swift.max(1, Parallel.defaultThreadCount / Communicator.localSize)
        } else {
            Parallel.threadCount = Parallel.defaultThreadCount
        }
        // One GPU per rank: the rank's index on its machine picks the device, unless the user chose one.
        if Communicator.launchedByMPI && ProcessInfo.processInfo.environment["TAKEOFF_CUDA_DEVICE"] == nil {
            setenv("TAKEOFF_CUDA_DEVICE", "\(Communicator.localRank)", 1)
        }
    }
}

/// Where networks train: the options of the commands that train them.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "Where networks train: auto (an NVIDIA GPU when one is usable, else the CPU), cpu, or cuda (libraries loaded at run time). Classic learners use the CPU.")
    var device: String = "auto"

    @Flag(name: .customLong("tf32"), help: "Let cuBLAS use TF32 tensor cores for float32 GEMMs (CUDA only; off: results match the CPU to float32 rounding).")
    var tf32 = false

    /// The device `--device` names, started and checked (a clear error when CUDA is missing).
    func resolved() throws -> Device {
        let d: Device
        do { d = try Device.named(device) } catch { throw ValidationError("--device \(device): \(error)") }
        if d == .cuda { try GPU.shared().allowsTF32 = tf32 } else if tf32 { throw ValidationError("--tf32 applies to --device cuda only") }
        return d
    }
}

/// Seeds 0, 1, … `count - 1` for `option`, at most `limit` of them.
func seedList(_ count: Int, option: String = "--seeds", limit: Int = 10_000) throws -> [UInt64] {
    guard count >= 1, count <= limit else { throw ValidationError("\(option) must be in 1...\(limit), got \(count)") }
    return (0..<UInt64(count)).map { $0 }
}
