import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for Takeoff's kernels and OpenBLAS (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print a line for every cell a sweep skips at its budget (by default one line per learner sums them up).")
    var verbose = false

    /// Sets the threads (``Launch/applyThreads(_:)``: in an MPI job, each rank its share of its machine).
    func apply() throws { try Launch.applyThreads(threads) }
}

/// Where networks train: the options of the commands that train them.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "Where networks train: auto (an NVIDIA GPU when one is usable, else the CPU), cpu, or cuda (libraries loaded at run time). Classic learners use the CPU.")
    var device: String = "auto"

    @Flag(name: .customLong("tf32"), help: "Let cuBLAS use TF32 tensor cores for float32 GEMMs (CUDA only; off: results match the CPU to float32 rounding).")
    var tf32 = false

    /// The device `--device` names, started and checked (a clear error when CUDA is missing).
    func resolved() throws -> Device { try Launch.device(named: device, tf32: tf32) }
}

/// Seeds 0, 1, … `count - 1` for `option`, at most `limit` of them.
func seedList(_ count: Int, option: String = "--seeds", limit: Int = 10_000) throws -> [UInt64] {
    guard count >= 1, count <= limit else { throw ValidationError("\(option) must be in 1...\(limit), got \(count)") }
    return (0..<UInt64(count)).map { $0 }
}

extension Precision: ExpressibleByArgument {
    /// What runs for this setting (``Precision/resolved``), saying on standard error where that is not what the name promises.
    func announced() -> Precision {
        let (precision, note) = resolved
        if let note { StandardStreams.error("note: \(note)\n") }
        return precision
    }
}

/// `--precision` for the commands that train networks outside the learner options (`activations`, `bench train`).
struct PrecisionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(LearnerOption.precision.declaration.help, valueName: "name")) var precision: Precision = .fp32
}
