/// A scalar function applied elementwise. Kernels take these as generic structs rather than
/// closures so the compiler inlines them into the threaded loops (a closure called per element
/// from another thread is not inlined and runs several times slower).
public protocol UnaryKernel {
    func callAsFunction(_ x: Float) -> Float
}

/// A scalar function of two arguments applied elementwise.
public protocol BinaryKernel {
    func callAsFunction(_ x: Float, _ y: Float) -> Float
}

/// Plain, preallocated loops over raw buffers: the CPU kernels behind the tensor ops and the
/// fused layers. Each splits its work with ``Parallel`` when it is large enough.
public enum Kernels {
    /// `y[i] = f(x[i])`.
    @inline(__always)
    public static func map<F: UnaryKernel>(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                                           cost: Int = 1, _ f: F) {
        Parallel.ranges(count, cost: cost) { lo, hi in
            for i in lo..<hi { y[i] = f(x[i]) }
        }
    }

    /// `z[i] = f(x[i], y[i])`.
    @inline(__always)
    public static func zip<F: BinaryKernel>(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
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

    /// Sum with a fixed split into per-thread partials, added in order (deterministic per thread count).
    static func sumContiguous(_ x: UnsafePointer<Float>, count: Int) -> Float {
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
