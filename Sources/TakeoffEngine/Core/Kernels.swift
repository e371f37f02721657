/// Plain, preallocated loops over raw buffers: the CPU kernels behind the tensor ops and the
/// fused layers. Each splits its work with ``Parallel`` when it is large enough.
public enum Kernels {
    /// `y[i] = f(x[i])`.
    @inline(__always)
    public static func map(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                           cost: Int = 1, _ f: (Float) -> Float) {
        Parallel.ranges(count, cost: cost) { lo, hi in
            for i in lo..<hi { y[i] = f(x[i]) }
        }
    }

    /// `z[i] = f(x[i], y[i])`.
    @inline(__always)
    public static func zip(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>,
                           count: Int, cost: Int = 1, _ f: (Float, Float) -> Float) {
        Parallel.ranges(count, cost: cost) { lo, hi in
            for i in lo..<hi { z[i] = f(x[i], y[i]) }
        }
    }

    /// `z = x + y`.
    public static func add(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int) {
        zip(x, y, into: z, count: count, +)
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
        let columns = { (o: Int, lo: Int, hi: Int) in
            let dst = out + o * inner
            let src = x + o * length * inner
            for i in lo..<hi { dst[i] = 0 }
            for l in 0..<length {
                let row = src + l * inner
                for i in lo..<hi { dst[i] += row[i] }
            }
        }
        if outer >= Parallel.threadCount {
            Parallel.ranges(outer, cost: length * inner) { lo, hi in for o in lo..<hi { columns(o, 0, inner) } }
        } else {
            for o in 0..<outer { Parallel.ranges(inner, cost: length) { lo, hi in columns(o, lo, hi) } }
        }
    }

    /// Sum with a fixed split into per-thread partials, added in order (deterministic per thread count).
    static func sumContiguous(_ x: UnsafePointer<Float>, count: Int) -> Float {
        let t = min(Parallel.threadCount, max(1, count / Parallel.grain))
        if t == 1 { return sumSequential(x, count: count) }
        var partial = [Float](repeating: 0, count: t)
        partial.withUnsafeMutableBufferPointer { p in
            let box = UncheckedSendable(p.baseAddress!)
            Parallel.forEach(t) { c in
                let lo = count * c / t, hi = count * (c + 1) / t
                box.value[c] = sumSequential(x + lo, count: hi - lo)
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
