// 2-D convolution by im2col + GEMM, and max pooling, both on NCHW tensors.
//
// Images are processed in chunks: im2col runs in parallel across the chunk's images into one
// [C·KH·KW, chunk·OH·OW] matrix, then a single (OpenBLAS-threaded) GEMM multiplies it by the
// weights. Our threads and BLAS's never nest.

/// The sizes of one convolution.
struct ConvGeometry {
    let n, c, h, w, o, kh, kw, stride, padding, oh, ow: Int
    /// Rows of the patch matrix (one per weight of a filter) and columns per image.
    var patch: Int { c * kh * kw }
    var positions: Int { oh * ow }

    /// Images per GEMM: as many as fit a patch matrix of about 32 MB.
    var chunk: Int { Swift.max(1, Swift.min(n, (1 << 23) / Swift.max(1, patch * positions))) }

    /// The output columns `lo..<hi` whose input column `xo · stride − padding + kj` lies inside the image.
    @inline(__always)
    func validColumns(_ kj: Int) -> (lo: Int, hi: Int) {
        func ceilDiv(_ a: Int) -> Int { a >= 0 ? (a + stride - 1) / stride : -(-a / stride) }
        let lo = Swift.min(ow, Swift.max(0, ceilDiv(padding - kj)))
        return (lo, Swift.max(lo, Swift.min(ow, ceilDiv(w + padding - kj))))
    }

    /// Copies the patches of one [C, H, W] image into columns `0..<positions` of rows of `col`
    /// spaced `ld` apart, zero where the kernel overhangs the padded border.
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ld: Int) {
        for ci in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            let row = col + ((ci * kh + ki) * kw + kj) * ld
            let (lo, hi) = validColumns(kj)
            for y in 0..<oh {
                let iy = y * stride - padding + ki
                let dst = row + y * ow
                guard iy >= 0 && iy < h else {
                    dst.update(repeating: 0, count: ow)
                    continue
                }
                // src[xo · stride] is input column xo · stride − padding + kj.
                let src = x + (ci * h + iy) * w + kj - padding
                dst.update(repeating: 0, count: lo)
                if stride == 1 {
                    (dst + lo).update(from: src + lo, count: hi - lo)
                } else {
                    for xo in lo..<hi { dst[xo] = src[xo * stride] }
                }
                (dst + hi).update(repeating: 0, count: ow - hi)
            }
        } } }
    }

    /// The adjoint of ``im2col``: adds every column entry back into the [C, H, W] image `dx`.
    func col2im(_ col: UnsafePointer<Float>, ld: Int, _ dx: UnsafeMutablePointer<Float>) {
        for ci in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            let row = col + ((ci * kh + ki) * kw + kj) * ld
            let (lo, hi) = validColumns(kj)
            for y in 0..<oh {
                let iy = y * stride - padding + ki
                guard iy >= 0 && iy < h else { continue }
                let src = row + y * ow, dst = dx + (ci * h + iy) * w + kj - padding
                for xo in lo..<hi { dst[xo * stride] += src[xo] }
            }
        } } }
    }
}

extension Tensor {
    /// Cross-correlation of `input` [N, C, H, W] with `weight` [O, C, KH, KW], plus `bias` [O],
    /// then `activation`: output [N, O, (H + 2·padding − KH) / stride + 1, (W + 2·padding − KW) / stride + 1].
    /// The activation is fused into the pass that lays the GEMM's result out as NCHW.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0, activation: Activation = .identity) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4,
                     "conv2d: expected input [N, C, H, W] and weight [O, C, KH, KW], got \(input.shape) and \(weight.shape)")
        precondition(input.shape[1] == weight.shape[1],
                     "conv2d: input \(input.shape) has \(input.shape[1]) channels but weight \(weight.shape) expects \(weight.shape[1])")
        precondition(stride > 0 && padding >= 0, "conv2d: stride \(stride) and padding \(padding) must be positive and non-negative")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        precondition(kh > 0 && kw > 0 && h + 2 * padding >= kh && w + 2 * padding >= kw,
                     "conv2d: kernel \(weight.shape) does not fit input \(input.shape) with padding \(padding)")
        if let bias { precondition(bias.shape == [o], "conv2d: bias \(bias.shape) for weight \(weight.shape)") }
        let g = ConvGeometry(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, stride: stride, padding: padding,
                             oh: (h + 2 * padding - kh) / stride + 1, ow: (w + 2 * padding - kw) / stride + 1)
        let (patch, p, chunk) = (g.patch, g.positions, g.chunk)
        let out = Tensor(uninitializedShape: [n, o, g.oh, g.ow])
        let pre: Tensor? = activation.derivativeNeedsInput ? Tensor(uninitializedShape: out.shape) : nil
        let col = Tensor(uninitializedShape: [patch * chunk * p])
        let prod = Tensor(uninitializedShape: [o * chunk * p])
        let x = input.pointer, y = out.pointer, z = pre?.pointer, wt = weight.pointer, bs = bias?.pointer
        for start in Swift.stride(from: 0, to: n, by: chunk) {
            let b = Swift.min(chunk, n - start), ld = b * p
            Parallel.forEach(b) { i in g.im2col(x + (start + i) * c * h * w, col.pointer + i * p, ld: ld) }
            Kernels.sgemm(m: o, n: ld, k: patch, a: wt, lda: patch, b: col.pointer, ldb: ld, c: prod.pointer, ldc: ld)
            Parallel.forEach(b) { i in
                for oc in 0..<o {
                    let at = ((start + i) * o + oc) * p, src = prod.pointer + oc * ld + i * p
                    let shift = bs?[oc] ?? 0
                    for j in 0..<p { y[at + j] = src[j] + shift }
                    if let z { (z + at).update(from: y + at, count: p) }
                    activate(y + at, count: p, activation)
                }
            }
        }
        // With the whole batch in one chunk, backward reuses the patch matrix instead of rebuilding it.
        let patches: Tensor? = chunk >= n ? col : nil
        let inputs: [Tensor] = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(out, inputs, "conv2d") { grad, needs in
            let dx = needs[0] ? Tensor.zeros(input.shape) : nil
            let buffer = weight.leafGradientBuffer
            let dw = needs[1] ? buffer ?? Tensor.zeros(weight.shape) : nil
            let db = needs.count > 2 && needs[2] ? Tensor.zeros([o]) : nil
            let gm = Tensor(uninitializedShape: [o * chunk * p])
            let col = patches ?? Tensor(uninitializedShape: [patch * chunk * p])
            // dx's columns may reuse the patch matrix only when it is rebuilt per chunk (a retained graph
            // may back-propagate again through the kept one).
            let dcol = dx == nil ? nil : patches == nil ? col : Tensor(uninitializedShape: [patch * chunk * p])
            for start in Swift.stride(from: 0, to: dx == nil && dw == nil && db == nil ? 0 : n, by: chunk) {
                let b = Swift.min(chunk, n - start), ld = b * p
                // The activation's derivative, fused into the copy from NCHW to the GEMM's [O, chunk·P].
                Parallel.forEach(b) { i in
                    for oc in 0..<o {
                        let at = ((start + i) * o + oc) * p
                        activationGradient(grad.pointer + at, output: y + at, input: z.map { $0 + at },
                                           into: gm.pointer + oc * ld + i * p, count: p, activation)
                    }
                }
                if let db {
                    let d = db.pointer
                    Parallel.ranges(o, cost: ld) { lo, hi in
                        for oc in lo..<hi { d[oc] += Kernels.sumSequential(gm.pointer + oc * ld, count: ld) }
                    }
                }
                if let dw {
                    if patches == nil {
                        Parallel.forEach(b) { i in g.im2col(x + (start + i) * c * h * w, col.pointer + i * p, ld: ld) }
                    }
                    Kernels.sgemm(transposeB: true, m: o, n: patch, k: ld, a: gm.pointer, lda: ld,
                               b: col.pointer, ldb: ld, beta: 1, c: dw.pointer, ldc: patch)
                }
                if let dx, let dcol {
                    Kernels.sgemm(transposeA: true, m: patch, n: ld, k: o, a: wt, lda: patch,
                               b: gm.pointer, ldb: ld, c: dcol.pointer, ldc: ld)
                    Parallel.forEach(b) { i in g.col2im(dcol.pointer + i * p, ld: ld, dx.pointer + (start + i) * c * h * w) }
                }
            }
            return [dx, buffer == nil ? dw : nil, db]
        }
    }

    /// Max pooling of `self` [N, C, H, W] over `kernel`×`kernel` windows moved by `stride`
    /// (default `kernel`), without padding. The gradient of each window goes to its first maximum,
    /// found again in backward from the input (no index array to allocate and keep).
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        let s = stride ?? kernel
        precondition(rank == 4, "maxPool2d: expected input [N, C, H, W], got \(shape)")
        precondition(kernel > 0 && s > 0, "maxPool2d: kernel \(kernel) and stride \(s) must be positive")
        let (h, w) = (shape[2], shape[3])
        precondition(h >= kernel && w >= kernel, "maxPool2d: kernel \(kernel) does not fit input \(shape)")
        let pool = PoolGeometry(h: h, w: w, kernel: kernel, stride: s, oh: (h - kernel) / s + 1, ow: (w - kernel) / s + 1)
        let (planes, outPlane) = (shape[0] * shape[1], pool.oh * pool.ow)
        let out = Tensor(uninitializedShape: [shape[0], shape[1], pool.oh, pool.ow])
        let x = pointer, y = out.pointer
        Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
            for pl in lo..<hi {
                let src = x + pl * h * w
                for i in 0..<pool.oh { for j in 0..<pool.ow { y[pl * outPlane + i * pool.ow + j] = src[pool.argmax(src, i, j)] } }
            }
        }
        let inputShape = shape
        return record(out, [self], "maxPool2d") { g, _ in
            let dx = Tensor.zeros(inputShape)
            let x = self.pointer, src = g.pointer, dst = dx.pointer  // self: the input stays alive for backward
            Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
                for pl in lo..<hi {
                    let xp = x + pl * h * w, dp = dst + pl * h * w, gp = src + pl * outPlane
                    for i in 0..<pool.oh { for j in 0..<pool.ow { dp[pool.argmax(xp, i, j)] += gp[i * pool.ow + j] } }
                }
            }
            return [dx]
        }
    }
}

/// The sizes of one max pooling.
struct PoolGeometry {
    let h, w, kernel, stride, oh, ow: Int

    /// The offset in a [H, W] plane of the first maximum of output position (i, j)'s window.
    @inline(__always)
    func argmax(_ src: UnsafePointer<Float>, _ i: Int, _ j: Int) -> Int {
        var best = (i * stride) * w + j * stride
        var m = src[best]
        for ki in 0..<kernel { for kj in 0..<kernel {
            let k = (i * stride + ki) * w + j * stride + kj
            if src[k] > m { m = src[k]; best = k }
        } }
        return best
    }
}
