// 2-D convolution by im2col + GEMM (or Winograd's transforms and GEMMs where they pay, in
// ConvGeometry+Winograd.swift), and max pooling, both on NCHW tensors: each op's checks, then one
// switch over devices to its CPU half (here) or its CUDA half (CUDA/GPUKernels+Layers.swift).
//
// Each thread takes a fixed block of the batch and runs the whole pipeline one image at a time on
// single-threaded OpenBLAS: pad, im2col into a patch matrix that stays in cache, one GEMM that writes
// the image's own [O, OH·OW] slice of the output, then bias and activation in place. Backward does the
// same per image; each thread sums its own weight gradient, and the sums are added in thread order.
// (Several images per GEMM, patch matrices side by side, measured slower: the wider GEMM gained 3% of
// its time, im2col lost more once the patches no longer fit in L2.)

/// The sizes of one convolution, and its CPU passes over a block of images (a planned training step runs them
/// on each thread's block, as the tape's op does).
public struct ConvGeometry: Sendable {
    let n, c, h, w, o, kh, kw, stride, padding, oh, ow: Int
    /// The Winograd form the passes take instead of im2col + GEMM, where it applies and pays (see ``Winograd/init(_:)``).
    var winograd: Winograd?

    init(n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, stride: Int, padding: Int, oh: Int, ow: Int) {
        (self.n, self.c, self.h, self.w, self.o, self.kh, self.kw) = (n, c, h, w, o, kh, kw)
        (self.stride, self.padding, self.oh, self.ow) = (stride, padding, oh, ow)
        winograd = Winograd(self)
    }

    /// A convolution of images [channels, height, width] with `filters` square `kernel`s.
    public init(channels: Int, height: Int, width: Int, filters: Int, kernel: Int, stride: Int, padding: Int) {
        self.init(n: 0, c: channels, h: height, w: width, o: filters, kh: kernel, kw: kernel, stride: stride, padding: padding,
                  oh: (height + 2 * padding - kernel) / stride + 1, ow: (width + 2 * padding - kernel) / stride + 1)
    }

    /// Floats of one input image and of one output image.
    public var imageCount: Int { c * h * w }
    public var outputCount: Int { o * positions }
    /// Floats of scratch the passes need (for im2col: the zero-bordered image twice, the patch matrix and the
    /// gradient before the activation). The caller zeroes it once (the borders stay zero).
    public var scratchCount: Int { winograd?.scratchCount(self) ?? 2 * paddedCount + patch * positions + outputCount }

    /// `count` images' forward, `y` [count, O, OH·OW] = activation(weight · im2col(x) + bias), keeping the
    /// pre-activation in `pre` when given.
    public func forward(images x: UnsafePointer<Float>, count: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        activation: Activation, into y: UnsafeMutablePointer<Float>, pre: UnsafeMutablePointer<Float>?,
                        scratch: UnsafeMutablePointer<Float>) {
        if let winograd {
            return winograd.forward(self, images: x, count: count, weight: weight, bias: bias, activation: activation, into: y,
                                    pre: pre, scratch: scratch)
        }
        let (pad, col, p) = (scratch, scratch + 2 * paddedCount, positions)
        for i in 0..<count {
            let out = y + i * outputCount
            im2col(padded(x + i * imageCount, in: pad, height: paddedH, width: paddedW), col)
            BLAS.sgemm(m: o, n: p, k: patch, a: weight, lda: patch, b: col, ldb: p, c: out, ldc: p)
            finish(out, image: i, bias: bias, activation: activation, pre: pre)
        }
    }

    /// Adds the bias to image `i`'s output `out` [O, OH·OW] and applies the activation, a row at a time while the
    /// row is in L1, keeping the pre-activation in `pre` [count, O, OH·OW] when given.
    func finish(_ out: UnsafeMutablePointer<Float>, image i: Int, bias: UnsafePointer<Float>?, activation: Activation,
                pre: UnsafeMutablePointer<Float>?) {
        let p = positions
        for oc in 0..<o {
            let (row, shift) = (out + oc * p, bias?[oc] ?? 0)
            if bias != nil { for j in 0..<p { row[j] += shift } }
            pre?.advanced(by: i * outputCount + oc * p).update(from: row, count: p)
            activation.activate(row, count: p)
        }
    }

    /// Image `i`'s gradient before the activation (`dy`'s own for the identity, else written to `buffer`
    /// [O, OH·OW]); adds its sums to the bias gradient `db` when given.
    func preActivationGradient(image i: Int, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, pre: UnsafePointer<Float>?,
                               activation: Activation, biasGradient db: UnsafeMutablePointer<Float>?,
                               buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let at = i * outputCount
        var gm = dy + at
        if activation != .identity {
            activation.gradient(dy + at, output: y + at, input: pre.map { $0 + at }, into: buffer, count: outputCount)
            gm = UnsafePointer(buffer)
        }
        if let db { for oc in 0..<o { db[oc] += CPULoops.sumSequential(gm + oc * positions, count: positions) } }
        return gm
    }

    /// `count` images' backward from the output gradient `dy`: adds to the weight gradient `dw` [O, C·KH·KW] and
    /// the bias gradient `db` [O], and writes the input gradient `dx` [count, C, H, W], each when given.
    public func backward(images x: UnsafePointer<Float>, count: Int, outputGradient dy: UnsafePointer<Float>,
                         output y: UnsafePointer<Float>, pre: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                         activation: Activation, weightGradient dw: UnsafeMutablePointer<Float>?,
                         biasGradient db: UnsafeMutablePointer<Float>?, inputGradient dx: UnsafeMutablePointer<Float>?,
                         scratch: UnsafeMutablePointer<Float>) {
        if let winograd {
            return winograd.backward(self, images: x, count: count, outputGradient: dy, output: y, pre: pre, weight: weight,
                                     activation: activation, weightGradient: dw, biasGradient: db, inputGradient: dx, scratch: scratch)
        }
        let (pad, dpad, col, p) = (scratch, scratch + paddedCount, scratch + 2 * paddedCount, positions)
        for i in 0..<count {
            let gm = preActivationGradient(image: i, dy, output: y, pre: pre, activation: activation, biasGradient: db,
                                           buffer: col + patch * p)
            if let dw {
                im2col(padded(x + i * imageCount, in: pad, height: paddedH, width: paddedW), col)
                BLAS.sgemm(transposeB: true, m: o, n: patch, k: p, a: gm, lda: p, b: col, ldb: p, beta: 1, c: dw, ldc: patch)
            }
            if let dx {
                let image = dx + i * imageCount
                BLAS.sgemm(transposeA: true, m: patch, n: p, k: o, a: weight, lda: patch, b: gm, ldb: p, c: col, ldc: p)
                if padding > 0 {
                    dpad.update(repeating: 0, count: paddedCount)
                    col2im(col, into: dpad)
                    unpad(dpad, into: image, height: paddedH, width: paddedW)
                } else {
                    image.update(repeating: 0, count: imageCount)
                    col2im(col, into: image)
                }
            }
        }
    }
    /// Rows of the patch matrix (one per weight of a filter) and its columns (one per output position).
    var patch: Int { c * kh * kw }
    var positions: Int { oh * ow }
    var paddedH: Int { h + 2 * padding }
    var paddedW: Int { w + 2 * padding }
    /// Floats of one zero-bordered image; 0 without padding, where the image itself is read.
    var paddedCount: Int { padding > 0 ? c * paddedH * paddedW : 0 }

    /// The image `x` [C, H, W] as im2col or Winograd reads it: itself where no border is needed, else copied to
    /// rows and columns `padding...` of `buffer` [C, ph, pw], whose border the caller has zeroed once.
    func padded(_ x: UnsafePointer<Float>, in buffer: UnsafeMutablePointer<Float>, height ph: Int, width pw: Int) -> UnsafePointer<Float> {
        guard ph > h || pw > w else { return x }
        for ci in 0..<c {
            for y in 0..<h { copy(x + (ci * h + y) * w, to: buffer + (ci * ph + y + padding) * pw + padding, count: w) }
        }
        return UnsafePointer(buffer)
    }

    /// The image's pixels in the zero-bordered `buffer` [C, ph, pw] back into the image `x` [C, H, W].
    func unpad(_ buffer: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, height ph: Int, width pw: Int) {
        for ci in 0..<c {
            for y in 0..<h { copy(buffer + (ci * ph + y + padding) * pw + padding, to: x + (ci * h + y) * w, count: w) }
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
                    add(src, to: row, count: ow)
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
    /// Adds a short row with 8- and 4-wide moves (inlined: col2im calls it for every row of every patch).
    @inline(__always)
    private func add(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        var x = 0
        while x + 8 <= count {
            let sum = UnsafeRawPointer(dst + x).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(src + x).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + x).storeBytes(of: sum, as: SIMD8<Float>.self)
            x += 8
        }
        if x + 4 <= count {
            let sum = UnsafeRawPointer(dst + x).loadUnaligned(as: SIMD4<Float>.self) + UnsafeRawPointer(src + x).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(dst + x).storeBytes(of: sum, as: SIMD4<Float>.self)
            x += 4
        }
        while x < count { dst[x] += src[x]; x += 1 }
    }
}

extension Tensor {
    /// Cross-correlation of `input` [N, C, H, W] with `weight` [O, C, KH, KW], plus `bias` [O],
    /// then `activation`: output [N, O, (H + 2·padding − KH) / stride + 1, (W + 2·padding − KW) / stride + 1].
    /// Bias and activation are applied in place while each image's output is still in cache.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0, activation: Activation = .identity) -> Tensor {
        conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation, winograd: true)
    }

    /// ``conv2d(_:weight:bias:stride:padding:activation:)``, by im2col + GEMM alone unless `winograd` (tests compare the two).
    static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, activation: Activation,
                       winograd: Bool) -> Tensor {
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
        var g = ConvGeometry(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, stride: stride, padding: padding,
                             oh: (h + 2 * padding - kh) / stride + 1, ow: (w + 2 * padding - kw) / stride + 1)
        if !winograd { g.winograd = nil }
        precondition(weight.device == input.device && (bias?.device ?? input.device) == input.device,
                     "conv2d: input on \(input.device), weight on \(weight.device)\(bias.map { ", bias on \($0.device)" } ?? "")")
        switch input.device {
        case .cpu: return conv2dOnCPU(input, weight: weight, bias: bias, g, activation)
        case .cuda: return conv2dOnGPU(input, weight: weight, bias: bias, g, activation)
        }
    }

    /// ``conv2d(_:weight:bias:stride:padding:activation:)`` on the CPU, a block of images per thread.
    private static func conv2dOnCPU(_ input: Tensor, weight: Tensor, bias: Tensor?, _ g: ConvGeometry, _ activation: Activation) -> Tensor {
        let (n, o, imageSize, outSize) = (g.n, g.o, g.imageCount, g.outputCount)
        let out = Tensor(uninitializedShape: [n, o, g.oh, g.ow])
        let pre: Tensor? = activation.derivativeReadsInput ? Tensor(uninitializedShape: out.shape) : nil
        let blocks = CPULoops.blockCount(n)
        let scratch = Tensor.zeros([blocks * g.scratchCount])
        let x = input.pointer, y = out.pointer, z = pre?.pointer, wt = weight.pointer, bs = bias?.pointer
        CPULoops.eachBlock(n) { block, lo, hi in
            g.forward(images: x + lo * imageSize, count: hi - lo, weight: wt, bias: bs, activation: activation, into: y + lo * outSize,
                      pre: z.map { $0 + lo * outSize }, scratch: scratch.pointer + block * g.scratchCount)
        }
        let inputs: [Tensor] = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(out, inputs, "conv2d") { grad, needs in
            let dx = needs[0] ? Tensor(uninitializedShape: input.shape) : nil
            let buffer = weight.leafGradientBuffer
            let dw = needs[1] ? buffer ?? Tensor.zeros(weight.shape) : nil
            let db = needs.count > 2 && needs[2] ? Tensor.zeros([o]) : nil
            guard dx != nil || dw != nil || db != nil else { return [nil, nil, nil] }
            // Per block: the scratch and the block's partial dW and db, added in block order.
            let blocks = CPULoops.blockCount(n), patch = g.patch
            let scratch = Tensor.zeros([blocks * g.scratchCount])
            let partial = Tensor.zeros([blocks * (o * patch + o)])
            // From the tensors, not the forward's pointers: capturing them keeps the output and pre-activation
            // alive until backward (otherwise their buffers go back to the pool and may be reused).
            let x = input.pointer, dy = grad.pointer, y = out.pointer, z = pre?.pointer
            CPULoops.eachBlock(n) { block, lo, hi in
                let dwp = partial.pointer + block * (o * patch + o), dbp = dwp + o * patch
                g.backward(images: x + lo * imageSize, count: hi - lo, outputGradient: dy + lo * outSize, output: y + lo * outSize,
                           pre: z.map { UnsafePointer($0 + lo * outSize) }, weight: wt, activation: activation,
                           weightGradient: dw == nil ? nil : dwp, biasGradient: db == nil ? nil : dbp,
                           inputGradient: dx.map { $0.pointer + lo * imageSize }, scratch: scratch.pointer + block * g.scratchCount)
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
        let (h, w, kernel, outPlane) = (pool.h, pool.w, pool.kernel, pool.oh * pool.ow)
        let out = Tensor(uninitializedShape: [shape[0], shape[1], pool.oh, pool.ow])
        let x = pointer, y = out.pointer
        Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
            pool.forward(x + lo * h * w, planes: hi - lo, into: y + lo * outPlane)
        }
        let inputShape = shape
        return record(out, [self], "maxPool2d") { g, _ in
            let dx = Tensor(uninitializedShape: inputShape)
            let x = self.pointer, src = g.pointer, dst = dx.pointer  // self: the input stays alive for backward
            Parallel.ranges(planes, cost: outPlane * kernel * kernel) { lo, hi in
                pool.backward(input: x + lo * h * w, outputGradient: src + lo * outPlane, planes: hi - lo, into: dst + lo * h * w)
            }
            return [dx]
        }
    }
}

/// The sizes of one max pooling, and its CPU passes over planes [H, W].
public struct PoolGeometry: Sendable {
    let h, w, kernel, stride, oh, ow: Int

    init(h: Int, w: Int, kernel: Int, stride: Int, oh: Int, ow: Int) {
        (self.h, self.w, self.kernel, self.stride, self.oh, self.ow) = (h, w, kernel, stride, oh, ow)
    }

    /// Pooling of planes [height, width] over `kernel`×`kernel` windows moved by `stride`.
    public init(height: Int, width: Int, kernel: Int, stride: Int) {
        self.init(h: height, w: width, kernel: kernel, stride: stride, oh: (height - kernel) / stride + 1, ow: (width - kernel) / stride + 1)
    }

    /// Floats of one output plane.
    public var outputPlane: Int { oh * ow }

    /// The maximum of every window of `planes` planes of `x` into `y` [planes, OH, OW].
    public func forward(_ x: UnsafePointer<Float>, planes: Int, into y: UnsafeMutablePointer<Float>) {
        for pl in 0..<planes {
            let src = x + pl * h * w, dst = y + pl * outputPlane
            if isPairs { pairsForward(src, dst); continue }
            for i in 0..<oh { for j in 0..<ow { dst[i * ow + j] = src[argmax(src, i, j)] } }
        }
    }

    /// Sends each window's gradient to its first maximum in the input `x`, writing all of `dx` [planes, H, W].
    /// `rectified`: `x` is a ReLU's output and `dx` takes ReLU's derivative too (zero where the maximum is not
    /// positive), so the ReLU's own backward pass can be skipped.
    public func backward(input x: UnsafePointer<Float>, outputGradient g: UnsafePointer<Float>, planes: Int,
                         into dx: UnsafeMutablePointer<Float>, rectified: Bool = false) {
        // Disjoint windows write all their entries; only the pixels no window covers need zeroing first.
        // Overlapping windows add into their maxima over a zeroed plane.
        let disjoint = stride >= kernel, covered = stride == kernel && oh * kernel == h && ow * kernel == w
        if !covered { dx.update(repeating: 0, count: planes * h * w) }
        for pl in 0..<planes {
            let xp = x + pl * h * w, dp = dx + pl * h * w, gp = g + pl * outputPlane
            if isPairs && ow >= 4 { pairsBackward(xp, gp, dp, rectified: rectified); continue }
            for i in 0..<oh { for j in 0..<ow {
                let best = argmax(xp, i, j), gij = rectified && !(xp[best] > 0) ? 0 : gp[i * ow + j]
                if disjoint {
                    for ki in 0..<kernel { for kj in 0..<kernel { dp[(i * stride + ki) * w + j * stride + kj] = 0 } }
                    dp[best] = gij
                } else {
                    dp[best] += gij
                }
            } }
        }
    }

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

    /// Routes each window's gradient to its first maximum, writing zero to the other three entries. Four
    /// windows at a time with masks: which entry wins is data-dependent (and ReLU's zeros tie often), so
    /// branches mispredict. The last four overlap the ones before, which writes the same values again.
    @inline(__always)
    func pairsBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rectified: Bool) {
        for i in 0..<oh {
            let r0 = UnsafeRawPointer(x + 2 * i * w), r1 = r0 + 4 * w, gi = UnsafeRawPointer(g + i * ow)
            let d0 = UnsafeMutableRawPointer(dx + 2 * i * w), d1 = d0 + 4 * w
            for start in Swift.stride(from: 0, to: ow, by: 4) {
                let j = 4 * Swift.min(start, ow - 4)  // byte offset of the four windows' gradients; twice that in a row
                let top = r0.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<Float>.self)
                let bottom = r1.loadUnaligned(fromByteOffset: 2 * j, as: SIMD8<Float>.self)
                let (a, b, c, e) = (top.evenHalf, top.oddHalf, bottom.evenHalf, bottom.oddHalf)
                var m = a  // compare and select: pointwiseMax's NaN rules branch per lane
                m.replace(with: b, where: b .> m)
                m.replace(with: c, where: c .> m)
                m.replace(with: e, where: e .> m)
                let ta = a .== m, tb = b .== m .& .!ta
                let tc = c .== m .& .!(ta .| tb), te = .!(ta .| tb .| tc)
                let zero = SIMD4<Float>()
                var gv = gi.loadUnaligned(fromByteOffset: j, as: SIMD4<Float>.self)
                if rectified { gv.replace(with: zero, where: .!(m .> zero)) }
                let (ga, gb) = (zero.replacing(with: gv, where: ta), zero.replacing(with: gv, where: tb))
                let (gc, ge) = (zero.replacing(with: gv, where: tc), zero.replacing(with: gv, where: te))
                d0.storeBytes(of: SIMD8(ga[0], gb[0], ga[1], gb[1], ga[2], gb[2], ga[3], gb[3]), toByteOffset: 2 * j, as: SIMD8<Float>.self)
                d1.storeBytes(of: SIMD8(gc[0], ge[0], gc[1], ge[1], gc[2], ge[2], gc[3], ge[3]), toByteOffset: 2 * j, as: SIMD8<Float>.self)
            }
        }
    }
}
