import ArgumentParser
import TakeoffEngine

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for Takeoff's kernels and OpenBLAS (default: all cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads > 0 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Parallel.threadCount = threads
        } else {
            Parallel.threadCount = Parallel.defaultThreadCount
        }
    }
}
