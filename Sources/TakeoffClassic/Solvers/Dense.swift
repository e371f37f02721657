import TakeoffEngine

/// Sequential SIMD loops over short dense vectors (one example's features), for the solvers'
/// inner loops where a BLAS call would cost more than the arithmetic.
enum Dense {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            acc0 += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc1 += UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ a[i]·b[i] over doubles (L-BFGS's history vectors) in four interleaved partial sums added in a fixed
    /// order, so it is not one chain of dependent adds and gives the same number every run.
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var t = (0.0, 0.0, 0.0, 0.0), i = 0
        while i + 4 <= n {
            t.0 += a[i] * b[i]; t.1 += a[i + 1] * b[i + 1]; t.2 += a[i + 2] * b[i + 2]; t.3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < n { t.0 += a[i] * b[i]; i += 1 }
        return (t.0 + t.1) + (t.2 + t.3)
    }

    /// y += alpha·x over doubles.
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// Squared Euclidean norm of each of `n` rows of length `d`.
    static func rowNorms(_ x: UnsafePointer<Float>, n: Int, d: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { buf, count in
            let out = UncheckedSendable(buf.baseAddress!)
            Parallel.ranges(n, cost: d) { lo, hi in
                for i in lo..<hi { out.value[i] = dot(x + i * d, x + i * d, d) }
            }
            count = n
        }
    }
}

