import Foundation

/// Micro-benchmarks of the engine, shared by `takeoff bench` and the benchmark scripts.
public enum Benchmarks {
    /// Seconds on a monotonic clock.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Runs `body` repeatedly for at least `minSeconds` (after one warm-up call) and returns seconds per call.
    public static func time(minSeconds: Double = 0.3, _ body: () -> Void) -> Double {
        body()
        var calls = 0
        let start = now()
        var elapsed = 0.0
        repeat { body(); calls += 1; elapsed = now() - start } while elapsed < minSeconds
        return elapsed / Double(calls)
    }

    /// Square sgemm throughput.
    public static func gemm(size n: Int) -> (gflops: Double, secondsPerCall: Double) {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.randomNormal([n, n], using: &rng), b = Tensor.randomNormal([n, n], using: &rng)
        let c = Tensor.zeros([n, n])
        let s = time {
            BLAS.sgemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
        }
        return (2 * Double(n) * Double(n) * Double(n) / s / 1e9, s)
    }
}
