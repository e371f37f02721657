import CBLAS
import Dispatch
import Foundation

/// Plain, preallocated loops over raw buffers: the CPU kernels behind the tensor ops and the
/// fused layers. Each splits its work with ``Parallel`` when it is large enough.
public enum CPULoops {
    /// `y[i] = f(x[i])`.
    @inline(__always)
    public static func map<F: UnaryFunction>(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                                           cost: Int = 1, _ f: F) {
        Parallel.ranges(count, cost: cost) { lo, hi in
            for i in lo..<hi { y[i] = f(x[i]) }
        }
    }

    /// `z[i] = f(x[i], y[i])`.
    @inline(__always)
    public static func zip<F: BinaryFunction>(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                            into z: UnsafeMutablePointer<Float>, count: Int, cost: Int = 1, _ f: F) {
        Parallel.ranges(count, cost: cost) { lo, hi in
            for i in lo..<hi { z[i] = f(x[i], y[i]) }
        }
    }

    /// `z = x + y`.
    public static func add(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int) {
        zip(x, y, into: z, count: count, Fn.Add())
    }

    /// `y += alpha · x`.
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { lo, hi in
            for i in lo..<hi { y[i] += alpha * x[i] }
        }
    }

    /// `y += alpha · x` on the calling thread, 8 lanes at a time: for short vectors inside parallel loops.
    @inline(__always)
    public static func axpySequential(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        let va = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= n {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + va * xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// `out[o, i] = Σ_l x[o, l, i]` for `x` viewed as (outer, length, inner).
    public static func sum(_ x: UnsafePointer<Float>, outer: Int, length: Int, inner: Int, into out: UnsafeMutablePointer<Float>) {
        if inner == 1 {
            if outer == 1 { out[0] = sumContiguous(x, count: length); return }
            Parallel.ranges(outer, cost: length) { lo, hi in
                for o in lo..<hi { out[o] = sumSequential(x + o * length, count: length) }
            }
            return
        }
        if outer >= Parallel.threadCount {
            Parallel.ranges(outer, cost: length * inner) { lo, hi in
                for o in lo..<hi { sumColumns(x + o * length * inner, length: length, inner: inner, 0, inner, into: out + o * inner) }
            }
        } else {
            for o in 0..<outer {
                Parallel.ranges(inner, cost: length) { lo, hi in
                    sumColumns(x + o * length * inner, length: length, inner: inner, lo, hi, into: out + o * inner)
                }
            }
        }
    }

    @inline(__always)
    static func sumColumns(_ src: UnsafePointer<Float>, length: Int, inner: Int, _ lo: Int, _ hi: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        for i in lo..<hi { dst[i] = 0 }
        for l in 0..<length {
            let row = src + l * inner
            for i in lo..<hi { dst[i] += row[i] }
        }
    }

    /// `out[i] = Σ_b blocks' x[b · stride + i]` for `i` in `range`, added in block order onto zero.
    public static func sumBlocks(_ x: UnsafePointer<Float>, stride: Int, blocks: Int, range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        for i in range { out[i] = 0 }
        for b in 0..<blocks {
            let part = x + b * stride
            for i in range { out[i] += part[i] }
        }
    }

    /// Sum with a fixed split into per-thread partials, added in order (deterministic per thread count).
    public static func sumContiguous(_ x: UnsafePointer<Float>, count: Int) -> Float {
        let t = min(Parallel.threadCount, max(1, count / Parallel.grain))
        if t == 1 { return sumSequential(x, count: count) }
        var partial = [Float](repeating: 0, count: t)
        partial.withUnsafeMutableBufferPointer { p in
            let out = p.baseAddress!
            Parallel.forEach(t) { c in
                let lo = count * c / t, hi = count * (c + 1) / t
                out[c] = sumSequential(x + lo, count: hi - lo)
            }
        }
        return partial.reduce(0, +)
    }

    /// Eight interleaved accumulators: vectorisable and more accurate than one running sum.
    @inline(__always)
    static func sumSequential(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < count { s += x[i]; i += 1 }
        return s
    }
}

extension CPULoops {
    /// ``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with the larger of C's
    /// dimensions cut into one block per ``Parallel`` thread, each multiplied by single-threaded OpenBLAS.
    /// The blocks are independent: OpenBLAS's own threads work in lock-step per block and spin while
    /// they wait, which stalls whenever the machine is oversubscribed and one of them is descheduled.
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let t = Parallel.threadCount
        guard t > 1, k > 0, Swift.max(m, n) >= 2 * t, m * n * k >= 1 << 18, splitGEMM else {
            BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let start = BLAS.Profile.isOn ? DispatchTime.now().uptimeNanoseconds : 0
        let rows = m >= n
        BLAS.singleThreaded { Parallel.forEach(t) { part in
            let (lo, hi) = rows ? (m * part / t, m * (part + 1) / t) : (n * part / t, n * (part + 1) / t)
            let ap = rows ? (transposeA ? a + lo : a + lo * lda) : a
            let bp = rows ? b : (transposeB ? b + lo * ldb : b + lo)
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(rows ? hi - lo : m), Int32(rows ? n : hi - lo), Int32(k), alpha, ap, Int32(lda), bp, Int32(ldb),
                        beta, rows ? c + lo * ldc : c + lo, Int32(ldc))
        } }
        if BLAS.Profile.isOn { BLAS.Profile.record(since: start) }
    }

    nonisolated(unsafe) static var splitGEMM = ProcessInfo.processInfo.environment["TAKEOFF_BLAS_THREADS"] == nil

    /// The number of blocks ``eachBlock(_:_:)`` cuts `count` items into: one per thread, at most one per item.
    public static func blockCount(_ count: Int) -> Int { Swift.max(1, Swift.min(Parallel.threadCount, count)) }

    /// Calls `body(block, lo, hi)` in parallel on ``blockCount(_:)`` contiguous blocks of `0..<count`, with
    /// OpenBLAS single-threaded meanwhile so that each block makes its own GEMM calls. The blocks depend only
    /// on `count` and the thread count, so per-block partial sums added in block order are deterministic.
    static func eachBlock(_ count: Int, _ body: (_ block: Int, _ lo: Int, _ hi: Int) -> Void) {
        let t = blockCount(count)
        guard t > 1 else { body(0, 0, count); return }
        BLAS.Profile.concurrency.store(UInt64(t), ordering: .relaxed)
        BLAS.singleThreaded { Parallel.forEach(t) { b in body(b, count * b / t, count * (b + 1) / t) } }
        BLAS.Profile.concurrency.store(1, ordering: .relaxed)
    }
}
