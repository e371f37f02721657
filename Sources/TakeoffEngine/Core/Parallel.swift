import Dispatch
import Foundation
import Synchronization

/// How many threads Takeoff's own kernels and OpenBLAS may use.
///
/// Work is cut into chunks that depend only on the problem size and ``threadCount``,
/// so a reduction gives bitwise-identical results for the same thread count.
public enum Parallel {
    nonisolated(unsafe) private static var threads = defaultThreadCount

    /// The number of online cores, or `OMP_NUM_THREADS`/`OPENBLAS_NUM_THREADS` when set.
    public static var defaultThreadCount: Int { defaultThreadSetting?.count ?? ProcessInfo.processInfo.activeProcessorCount }

    /// The environment variable that sets ``defaultThreadCount``, where one does.
    static var defaultThreadSetting: (variable: String, count: Int)? {
        let env = ProcessInfo.processInfo.environment
        for variable in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"] {
            if let s = env[variable] { return Int(s).flatMap { $0 > 0 ? (variable, $0) : nil } }
        }
        return nil
    }

    /// A thread count for the work started on this thread (see ``withThreadCount(_:_:)``).
    @TaskLocal static var scoped: Int?
    /// How many ``withThreadCount(_:_:)`` scopes are open in the process: while none is, ``threadCount``
    /// is a plain load instead of a task-local lookup (every kernel reads it).
    private static let openScopes = Atomic<Int>(0)

    /// Threads for elementwise and reduction kernels (and BLAS): the count of the enclosing
    /// ``withThreadCount(_:_:)``, else the process's. Set the process's once, before work starts
    /// (the `--threads` option does); it is not meant to change while kernels run.
    public static var threadCount: Int {
        get { openScopes.load(ordering: .relaxed) == 0 ? threads : scoped ?? threads }
        set {
            threads = max(1, newValue)
            BLAS.setThreadCount(threads)
        }
    }

    /// Runs `body` with Takeoff's kernels on this thread using `count` threads, whatever the process's
    /// setting: a sweep's worker gives each cell its share, and concurrent runs with other shares (tests
    /// in one process) do not disturb it. OpenBLAS keeps the process's count (its sums do not depend on it).
    public static func withThreadCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        openScopes.add(1, ordering: .relaxed)
        defer { openScopes.subtract(1, ordering: .relaxed) }
        return try $scoped.withValue(max(1, count), operation: body)
    }

    /// The most threads a process may ask for: 8 a core (at least 16). Past a few a core, more only adds
    /// switching, and every worker thread holds its own buffers.
    public static var maximumThreadCount: Int { max(8 * ProcessInfo.processInfo.activeProcessorCount, 16) }

    /// Why ``defaultThreadCount`` cannot be used (an environment variable asks for too many), naming the variable.
    public static func refusalOfDefault() -> String? {
        guard let (variable, count) = defaultThreadSetting, let why = refusal(threads: count) else { return nil }
        return "\(why) (\(variable)=\(count) in the environment sets the default)"
    }

    /// Why `threads` cannot be used, or nil when it can.
    public static func refusal(threads: Int) -> String? {
        if threads < 1 { return "must be at least 1, got \(threads)" }
        guard threads <= maximumThreadCount else {
            return "\(threads) threads on \(ProcessInfo.processInfo.activeProcessorCount) cores: at most \(maximumThreadCount) (8 a core) are allowed; the default is one a core"
        }
        return nil
    }

    /// The process's thread count, whatever the enclosing ``withThreadCount(_:_:)`` says.
    public static var processThreadCount: Int { threads }

    /// Elements below which a kernel stays on the calling thread.
    public static let grain = 1 << 15

    /// Calls `body(lo, hi)` over a partition of `0..<count` into at most ``threadCount`` chunks,
    /// in parallel when the work is large enough. `cost` scales the grain for heavier per-element work.
    @inline(__always)
    public static func ranges(_ count: Int, cost: Int = 1, _ body: (Int, Int) -> Void) {
        let t = min(threadCount, max(1, count * cost / grain))
        if t <= 1 { body(0, count); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: t) { c in
                box.value(count * c / t, count * (c + 1) / t)
            }
        }
    }

    /// Calls `body(i)` for each of `count` independent items (e.g. images in a batch), in parallel.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        ranges(count, cost: grain) { lo, hi in for i in lo..<hi { body(i) } }
    }
}

/// Hands a value that is not `Sendable` (a pointer, a closure) to parallel chunks that each touch only
/// their own part of it.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
