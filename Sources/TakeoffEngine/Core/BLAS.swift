import CBLAS
import Dispatch
import Synchronization

/// The bridge to OpenBLAS: single-precision GEMM and its threading and kernel reports.
public enum BLAS {
    /// The name of the CPU kernel set OpenBLAS chose (e.g. `Haswell`, `SkylakeX`).
    public static var coreName: String { String(cString: openblas_get_corename()) }
    /// OpenBLAS's build configuration string.
    public static var configuration: String { String(cString: openblas_get_config()) }
    /// The number of threads OpenBLAS uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// Sets the number of threads OpenBLAS uses.
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    private static let singleThreadedSections = Mutex(0)

    /// Runs `body` with OpenBLAS single-threaded, so that GEMMs called from several threads at once each
    /// run on their caller's thread. Concurrent and nested sections (parallel curve workers) share one
    /// switch: the first in sets one thread, the last out restores ``Parallel/threadCount``.
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        singleThreadedSections.withLock { open in
            if open == 0 { setThreadCount(1) }
            open += 1
        }
        defer {
            singleThreadedSections.withLock { open in
                open -= 1
                if open == 0 { setThreadCount(Parallel.processThreadCount) }
            }
        }
        return try body()
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major; `op(A)` is m×k, `op(B)` is k×n, C is m×n.
    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        let start = Profile.isOn ? DispatchTime.now().uptimeNanoseconds : 0
        defer { if Profile.isOn { Profile.record(since: start) } }
        if k == 0 {
            // The empty sum: C = beta · C, where beta = 0 overwrites (C may be uninitialised, even NaN).
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y = alpha · op(A) · x + beta · y`, row-major A of m×n.
    public static func sgemv(transpose: Bool = false, m: Int, n: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                             beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        if m == 0 || n == 0 { return }
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }

    /// Counts the time spent inside ``sgemm`` while switched on, to report GEMM's share of a workload.
    public enum Profile {
        private static let on = Atomic<Bool>(false)
        private static let nanoseconds = Atomic<UInt64>(0)
        private static let calls = Atomic<Int>(0)

        /// Threads calling sgemm at once (inside ``CPULoops/eachBlock(_:_:)``): each call counts for its
        /// share of the wall time.
        static let concurrency = Atomic<UInt64>(1)

        static var isOn: Bool { on.load(ordering: .relaxed) }
        static func record(since start: UInt64) {
            nanoseconds.add((DispatchTime.now().uptimeNanoseconds - start) / concurrency.load(ordering: .relaxed), ordering: .relaxed)
            calls.add(1, ordering: .relaxed)
        }

        /// Runs `body` with counting on and returns the seconds and calls spent in sgemm.
        public static func measure(_ body: () throws -> Void) rethrows -> (gemmSeconds: Double, gemmCalls: Int) {
            nanoseconds.store(0, ordering: .relaxed)
            calls.store(0, ordering: .relaxed)
            on.store(true, ordering: .relaxed)
            defer { on.store(false, ordering: .relaxed) }
            try body()
            return (Double(nanoseconds.load(ordering: .relaxed)) * 1e-9, calls.load(ordering: .relaxed))
        }
    }
}
