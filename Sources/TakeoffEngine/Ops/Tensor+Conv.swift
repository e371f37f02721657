// 2-D convolution by im2col + GEMM, and max pooling, both on NCHW tensors: each op's checks, then one
// switch over devices to its CPU half (here) or its CUDA half (CUDA/GPUKernels+Layers.swift).
//
// Each thread takes a fixed block of the batch and runs the whole pipeline one image at a time on
// single-threaded OpenBLAS: pad, im2col into a patch matrix that stays in cache, one GEMM that writes
// the image's own [O, OH·OW] slice of the output, then bias and activation in place. Backward does the
// same per image; each thread sums its own weight gradient, and the sums are added in thread order.

/// The sizes of one convolution.
struct ConvGeometry {
    let n, c, h, w, o, kh, kw, stride, padding, oh, ow: Int
    /// Rows of the patch matrix (one per weight of a filter) and its columns (one per output position).
    var patch: Int { c * kh * kw }
    var positions: Int { oh * ow }
    var paddedH: Int { h + 2 * padding }
    var paddedW: Int { w + 2 * padding }
    /// Floats of one zero-bordered image; 0 without padding, where the image itself is read.
    var paddedCount: Int { padding > 0 ? c * paddedH * paddedW : 0 }

    /// The image `x` [C, H, W] as im2col reads it: itself without padding, else copied into the interior
    /// of `buffer` [C, H + 2p, W + 2p], whose border the caller has zeroed once.
    func padded(_ x: UnsafePointer<Float>, in buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard padding > 0 else { return x }
        let pw = paddedW
        for ci in 0..<c {
            for y in 0..<h { copy(x + (ci * h + y) * w, to: buffer + (ci * paddedH + y + padding) * pw + padding, count: w) }
        }
        return UnsafePointer(buffer)
    }

    /// The interior of the zero-bordered `buffer` back into the image `x` [C, H, W].
    func unpad(_ buffer: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let pw = paddedW
        for ci in 0..<c {
            for y in 0..<h { copy(buffer + (ci * paddedH + y + padding) * pw + padding, to: x + (ci * h + y) * w, count: w) }
        }
    }

    /// The patch matrix [C·KH·KW, OH·OW] of a (padded) image: row (ci, ki, kj), column (y, x) holds
    /// source pixel (ci, y · stride + ki, x · stride + kj).
    func im2col(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let (sh, sw) = (paddedH, paddedW)  // h and w themselves without padding
        var dst = col
        for ci in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            for y in 0..<oh {
                let row = src + (ci * sh + y * stride + ki) * sw + kj
                if stride == 1 {
                    copy(row, to: dst, count: ow)
                } else {
                    for x in 0..<ow { dst[x] = row[x * stride] }
                }
                dst += ow
            }
        } } }
    }

    /// The adjoint of ``im2col``: adds every entry of `col` back into the (padded) image `dst`.
    func col2im(_ col: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let (sh, sw) = (paddedH, paddedW)  // h and w themselves without padding
        var src = col
        for ci in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            for y in 0..<oh {
                let row = dst + (ci * sh + y * stride + ki) * sw + kj
                if stride == 1 {
                    CPULoops.axpySequential(1, src, row, count: ow)
                } else {
                    for x in 0..<ow { row[x * stride] += src[x] }
                }
                src += ow
            }
        } } }
    }

    /// Copies a short row with 8-wide moves, the last one overlapping (no call into memmove per row).
    @inline(__always)
    private func copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= 8 else {
            for x in 0..<count { dst[x] = src[x] }
            return
        }
        var x = 0
        while x + 8 < count {
            UnsafeMutableRawPointer(dst + x).storeBytes(of: UnsafeRawPointer(src + x).loadUnaligned(as: SIMD8<Float>.self),
                                                        as: SIMD8<Float>.self)
            x += 8
        }
        let last = count - 8
        UnsafeMutableRawPointer(dst + last).storeBytes(of: UnsafeRawPointer(src + last).loadUnaligned(as: SIMD8<Float>.self),
                                                       as: SIMD8<Float>.self)
    }
}

extension Tensor {
    /// Cross-correlation of `input` [N, C, H, W] with `weight` [O, C, KH, KW], plus `bias` [O],
    /// then `activation`: output [N, O, (H + 2·padding − KH) / stride + 1, (W + 2·padding − KW) / stride + 1].
    /// Bias and activation are applied in place while each image's output is still in cache.
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
        precondition(weight.device == input.device && (bias?.device ?? input.device) == input.device,
                     "conv2d: input on \(input.device), weight on \(weight.device)\(bias.map { ", bias on \($0.device)" } ?? "")")
        switch input.device {
        case .cpu: return conv2dOnCPU(input, weight: weight, bias: bias, g, activation)
        case .cuda: return conv2dOnGPU(input, weight: weight, bias: bias, g, activation)
        }
    }

    /// ``conv2d(_:weight:bias:stride:padding:activation:)`` on the CPU, one image at a time per thread.
    private static func conv2dOnCPU(_ input: Tensor, weight: Tensor, bias: Tensor?, _ g: ConvGeometry, _ activation: Activation) -> Tensor {
        let (n, c, h, w, o) = (g.n, g.c, g.h, g.w, g.o)
        let (patch, p, imageSize, outSize) = (g.patch, g.positions, c * h * w, o * g.positions)
        let out = Tensor(uninitializedShape: [n, o, g.oh, g.ow])
        let pre: Tensor? = activation.derivativeReadsInput ? Tensor(uninitializedShape: out.shape) : nil
        let blocks = CPULoops.blockCount(n)
        let pads = Tensor.zeros([blocks * g.paddedCount]), cols = Tensor(uninitializedShape: [blocks * patch * p])
        let x = input.pointer, y = out.pointer, z = pre?.pointer, wt = weight.pointer, bs = bias?.pointer
        CPULoops.eachBlock(n) { block, lo, hi in
            let pad = pads.pointer + block * g.paddedCount, col = cols.pointer + block * patch * p
            for i in lo..<hi {
                g.im2col(g.padded(x + i * imageSize, in: pad), col)
                let yi = y + i * outSize
                BLAS.sgemm(m: o, n: p, k: patch, a: wt, lda: patch, b: col, ldb: p, c: yi, ldc: p)
                if let bs { for oc in 0..<o { let (row, shift) = (yi + oc * p, bs[oc]); for j in 0..<p { row[j] += shift } } }
                if let z { (z + i * outSize).update(from: yi, count: outSize) }
                activation.activate(yi, count: outSize)
            }
        }
        let inputs: [Tensor] = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(out, inputs, "conv2d") { grad, needs in
            let dx = needs[0] ? Tensor(uninitializedShape: input.shape) : nil
            let buffer = weight.leafGradientBuffer
            let dw = needs[1] ? buffer ?? Tensor.zeros(weight.shape) : nil
            let db = needs.count > 2 && needs[2] ? Tensor.zeros([o]) : nil
            guard dx != nil || dw != nil || db != nil else { return [nil, nil, nil] }
            // Per block: the gradient before the activation for one image, its patch matrix (then dx's
            // columns), the zero-bordered image and dx, and the block's partial dW and db.
            let blocks = CPULoops.blockCount(n)
            let gms = Tensor(uninitializedShape: [blocks * outSize]), cols = Tensor(uninitializedShape: [blocks * patch * p])
            let pads = Tensor.zeros([blocks * g.paddedCount]), dpads = Tensor(uninitializedShape: [blocks * g.paddedCount])
            let partial = Tensor.zeros([blocks * (o * patch + o)])
            // From the tensors, not the forward's pointers: capturing them keeps the output and pre-activation
            // alive until backward (otherwise their buffers go back to the pool and may be reused).
            let x = input.pointer, dy = grad.pointer, y = out.pointer, z = pre?.pointer
            CPULoops.eachBlock(n) { block, lo, hi in
                let col = cols.pointer + block * patch * p, pad = pads.pointer + block * g.paddedCount
                let dwp = partial.pointer + block * (o * patch + o), dbp = dwp + o * patch
                for i in lo..<hi {
                    let gm: UnsafePointer<Float>
                    if activation == .identity {
                        gm = UnsafePointer(dy + i * outSize)
                    } else {
                        let buf = gms.pointer + block * outSize
                        activation.gradient(dy + i * outSize, output: y + i * outSize, input: z.map { $0 + i * outSize },
                                            into: buf, count: outSize)
                        gm = UnsafePointer(buf)
                    }
                    if db != nil { for oc in 0..<o { dbp[oc] += CPULoops.sumSequential(gm + oc * p, count: p) } }
                    if dw != nil {
                        g.im2col(g.padded(x + i * imageSize, in: pad), col)
                        BLAS.sgemm(transposeB: true, m: o, n: patch, k: p, a: gm, lda: p, b: col, ldb: p,
                                   beta: 1, c: dwp, ldc: patch)
                    }
                    if let dx {
                        BLAS.sgemm(transposeA: true, m: patch, n: p, k: o, a: wt, lda: patch, b: gm, ldb: p, c: col, ldc: p)
                        let dxi = dx.pointer + i * imageSize
                        if g.padding > 0 {
                            let dpad = dpads.pointer + block * g.paddedCount
                            dpad.update(repeating: 0, count: g.paddedCount)
                            g.col2im(col, into: dpad)
                            g.unpad(dpad, into: dxi)
                        } else {
                            dxi.update(repeating: 0, count: imageSize)
                            g.col2im(col, into: dxi)
                        }
                    }
                }
            }
            for block in 0..<blocks {
                let part = partial.pointer + block * (o * patch + o)
                if let dw { CPULoops.axpy(1, part, dw.pointer, count: o * patch) }
                if let db { CPULoops.axpy(1, part + o * patch, db.pointer, count: o) }
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
        let planes = shape[0] * shape[1]
        switch device {
        case .cpu: return maxPoolOnCPU(pool, planes: planes)
        case .cuda: return maxPoolOnGPU(pool, planes: planes)
        }
    }

    /// ``maxPool2d(kernel:stride:)`` on the CPU, a block of planes per thread.
    private func maxPoolOnCPU(_ pool: PoolGeometry, planes: Int) -> Tensor {
        let (h, w, kernel, s, outPlane) = (pool.h, pool.w, pool.kernel, pool.stride, pool.oh * pool.ow)
        let out = Tensor(uninitializedShape: [shape[0], shape[1], pool.oh, pool.ow])
        let x = pointer, y = out.pointer
        Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
            for pl in lo..<hi {
                let src = x + pl * h * w, dst = y + pl * outPlane
                if pool.isPairs { pool.pairsForward(src, dst); continue }
                for i in 0..<pool.oh { for j in 0..<pool.ow { dst[i * pool.ow + j] = src[pool.argmax(src, i, j)] } }
            }
        }
        let inputShape = shape
        return record(out, [self], "maxPool2d") { g, _ in
            // Disjoint windows write all their entries; only the pixels no window covers need zeroing first.
            // Overlapping windows add into their maxima over a zeroed plane.
            let disjoint = s >= kernel, covered = s == kernel && pool.oh * kernel == h && pool.ow * kernel == w
            let dx = covered ? Tensor(uninitializedShape: inputShape) : Tensor.zeros(inputShape)
            let x = self.pointer, src = g.pointer, dst = dx.pointer  // self: the input stays alive for backward
            Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
                for pl in lo..<hi {
                    let xp = x + pl * h * w, dp = dst + pl * h * w, gp = src + pl * outPlane
                    if pool.isPairs { pool.pairsBackward(xp, gp, dp); continue }
                    for i in 0..<pool.oh { for j in 0..<pool.ow {
                        let best = pool.argmax(xp, i, j), gij = gp[i * pool.ow + j]
                        if disjoint {
                            for ki in 0..<kernel { for kj in 0..<kernel { dp[(i * s + ki) * w + j * s + kj] = 0 } }
                            dp[best] = gij
                        } else {
                            dp[best] += gij
                        }
                    } }
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

extension PoolGeometry {
    /// 2×2 windows moved by 2, the common case, with selects instead of branches (which entry wins
    /// is data-dependent and would mispredict).
    var isPairs: Bool { kernel == 2 && stride == 2 }

    /// Each window's first maximum, as ``argmax(_:_:_:)`` finds it.
    @inline(__always)
    func pairsForward(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        for i in 0..<oh {
            let r0 = src + 2 * i * w, r1 = r0 + w, d = dst + i * ow
            for j in 0..<ow {
                var m = r0[2 * j]
                let b = r0[2 * j + 1], c = r1[2 * j], e = r1[2 * j + 1]
                m = b > m ? b : m
                m = c > m ? c : m
                d[j] = e > m ? e : m
            }
        }
    }

    /// Routes each window's gradient to its first maximum, writing zero to the other three entries.
    @inline(__always)
    func pairsBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        for i in 0..<oh {
            let r0 = x + 2 * i * w, r1 = r0 + w, d0 = dx + 2 * i * w, d1 = d0 + w
            for j in 0..<ow {
                let a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], e = r1[2 * j + 1], gij = g[i * ow + j]
                var m = a, k = 0
                k = b > m ? 1 : k; m = b > m ? b : m
                k = c > m ? 2 : k; m = c > m ? c : m
                k = e > m ? 3 : k
                d0[2 * j] = k == 0 ? gij : 0
                d0[2 * j + 1] = k == 1 ? gij : 0
                d1[2 * j] = k == 2 ? gij : 0
                d1[2 * j + 1] = k == 3 ? gij : 0
            }
        }
    }
}
