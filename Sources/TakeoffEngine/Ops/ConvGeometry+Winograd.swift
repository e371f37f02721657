import CVectorKernels

// Winograd's minimal filtering F(m×m, r×r) for stride-1 convolutions (Lavin and Gray, 2016): each
// m×m tile of the output comes from an n×n tile of the padded input (n = m + r − 1) as
//     Y = Aᵀ [ (G W Gᵀ) ⊙ (Bᵀ D B) ] A,
// so the sum over input channels becomes n² GEMMs, one per position of the transformed tile:
//     M[p] [O, tiles] = U[p] [O, C] · V[p] [C, tiles].
// F(4×4, 5×5) takes 64 multiplies per tile of 16 outputs where im2col + GEMM takes 400 (on 14×14 the 4×4 tiles
// cover 16×16, so 4.8× fewer in all). It trained 16–26% more examples per second than F(2×2, 5×5) (36 per 4
// outputs); its float32 error, about 1e-4 of the result's scale (twice F(2×2)'s), leaves accuracy unchanged.
//
// Backward runs the adjoints of the same steps (the transposed transforms and GEMMs), which is the exact
// gradient of the forward: the output gradient's tiles transformed by A, then per position the weight
// gradient dU[p] += dM[p] · V[p]ᵀ and the input gradient dV[p] = U[p]ᵀ · dM[p]; dW = Gᵀ dU G, and the
// tiles B dV Bᵀ added back into the (overlapping) input pixels.
//
// Tiles of several images go into each GEMM (a chunk of about 128 tiles, 8 images of 14×14; BENCHMARKS.md,
// "Winograd convolution"): one image's 16 tiles make a GEMM too narrow to run at the machine's rate. The transforms
// run over the chunk's tiles as vectors (the tile index is the fastest axis everywhere) in CVectorKernels, which
// has the AVX-512 code Swift's baseline build lacks: written in Swift they cost more than the GEMM time they save.

/// A small row-major matrix of transform coefficients.
struct SmallMatrix: Sendable {
    let rows, cols: Int
    let values: [Float]

    init(_ rows: [[Double]]) {
        (self.rows, cols) = (rows.count, rows[0].count)
        values = rows.flatMap { $0.map(Float.init) }
    }

    var transposed: SmallMatrix { SmallMatrix((0..<cols).map { j in (0..<rows).map { i in Double(values[i * cols + j]) } }) }
}

/// The transforms and tiling of a Winograd convolution F(m×m, r×r) for one ``ConvGeometry``.
struct Winograd: Sendable {
    /// Output tile, kernel and input tile sides (n = m + r − 1).
    let m, r, n: Int
    /// Bᵀ [n, n], G [n, r] and Aᵀ [m, n], and the transposes the backward pass applies.
    let inputTransform, filterTransform, outputTransform: SmallMatrix
    let inputAdjoint, filterAdjoint, outputAdjoint: SmallMatrix
    /// Tiles down and across one image, and the zero-bordered image they cover.
    let tileRows, tileCols, paddedH, paddedW: Int
    /// Images whose tiles share one GEMM.
    let chunk: Int

    /// The Winograd form of `g`, or nil where it does not apply or does not pay: only square 5×5 kernels at
    /// stride 1, with at least 16 input and output channels (then the GEMMs over channels stay efficient;
    /// measured on the cnn preset's 32 → 64 channels on 14×14). Other shapes keep im2col + GEMM.
    init?(_ g: ConvGeometry) {
        guard g.kh == 5 && g.kw == 5 && g.stride == 1 && g.c >= 16 && g.o >= 16 else { return nil }
        (m, r) = (Self.tile, 5)
        n = m + r - 1
        (inputTransform, filterTransform, outputTransform) = m == 2 ? Self.f2x5 : Self.f4x5
        (inputAdjoint, filterAdjoint, outputAdjoint) = (inputTransform.transposed, filterTransform.transposed, outputTransform.transposed)
        (tileRows, tileCols) = ((g.oh + m - 1) / m, (g.ow + m - 1) / m)
        (paddedH, paddedW) = ((tileRows - 1) * m + n, (tileCols - 1) * m + n)
        chunk = Swift.max(1, 128 / (tileRows * tileCols))
    }

    /// The output tile side m: F(4×4, 5×5) (F(2×2, 5×5) is kept for comparison; see the notes above).
    static let tile = 4

    /// Bᵀ, G and Aᵀ of F(2, 5): interpolation points 0, ±1, ±2 and ∞; rows of Bᵀ scaled to integers, the inverse
    /// scale in G.
    private static let f2x5 = (
        SmallMatrix([[4, 0, -5, 0, 1, 0], [0, 4, 4, -1, -1, 0], [0, -4, 4, 1, -1, 0],
                     [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]),
        SmallMatrix([[1.0 / 4, 0, 0, 0, 0], [1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6],
                     [1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6], [1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3],
                     [1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3], [0, 0, 0, 0, 1]]),
        SmallMatrix([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 1]]))

    /// Bᵀ, G and Aᵀ of F(4, 5): points 0, ±1, ±2, ±1/2 and ∞, scaled likewise (the ±1/2 rows of Bᵀ by 1/16 more).
    private static let f4x5 = (
        SmallMatrix([[4, 0, -21, 0, 21, 0, -4, 0], [0, -4, -4, 17, 17, -4, -4, 0], [0, 4, -4, -17, 17, 4, -4, 0],
                     [0, 2, 1, -10, -5, 8, 4, 0], [0, -2, 1, 10, -5, -8, 4, 0], [0, 4, 8, -5, -10, 1, 2, 0],
                     [0, -4, 8, 5, -10, -1, 2, 0], [0, -4, 0, 21, 0, -21, 0, 4]]),
        SmallMatrix([[1.0 / 4, 0, 0, 0, 0], [1.0 / 18, 1.0 / 18, 1.0 / 18, 1.0 / 18, 1.0 / 18],
                     [1.0 / 18, -1.0 / 18, 1.0 / 18, -1.0 / 18, 1.0 / 18],
                     [1.0 / 360, 1.0 / 180, 1.0 / 90, 1.0 / 45, 2.0 / 45], [1.0 / 360, -1.0 / 180, 1.0 / 90, -1.0 / 45, 2.0 / 45],
                     [16.0 / 45, 8.0 / 45, 4.0 / 45, 2.0 / 45, 1.0 / 45], [16.0 / 45, -8.0 / 45, 4.0 / 45, -2.0 / 45, 1.0 / 45],
                     [0, 0, 0, 0, 1.0 / 4]]),
        SmallMatrix([[1, 1, 1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0.5, -0.5, 0], [0, 1, 1, 4, 4, 0.25, 0.25, 0],
                     [0, 1, -1, 8, -8, 0.125, -0.125, 1]]))

    var tilesPerImage: Int { tileRows * tileCols }
    var positions: Int { n * n }

    /// Floats of scratch per block: a chunk's zero-bordered images and their gradients, its tiles twice (one
    /// channel's), its pre-activation gradients, U and dU, V and M (M doubles as room for the weight transforms).
    func scratchCount(_ g: ConvGeometry) -> Int {
        let tiles = chunkTiles, filters = g.o * g.c
        return 2 * chunk * g.c * paddedH * paddedW + 2 * positions * tiles + chunk * g.outputCount + 2 * positions * filters
            + positions * g.c * tiles + Swift.max(positions * g.o * tiles, (r * r + n * r) * filters)
    }

    /// Tiles rounded up to whole vectors of 16: the rows of V and M are that long, so the transforms run no short ends.
    private func padded(_ tiles: Int) -> Int { (tiles + 15) / 16 * 16 }
    private var chunkTiles: Int { padded(chunk * tilesPerImage) }

    /// Pointers into one block's scratch.
    private struct Scratch {
        let pad, dpad, tiles, tmp, gradient, u, du, v, mm: UnsafeMutablePointer<Float>

        init(_ s: UnsafeMutablePointer<Float>, _ w: Winograd, _ g: ConvGeometry) {
            let padded = w.chunk * g.c * w.paddedH * w.paddedW, tileSet = w.positions * w.chunkTiles
            let filters = w.positions * g.o * g.c
            (pad, dpad) = (s, s + padded)
            (tiles, tmp) = (dpad + padded, dpad + padded + tileSet)
            gradient = tmp + tileSet
            (u, du) = (gradient + w.chunk * g.outputCount, gradient + w.chunk * g.outputCount + filters)
            v = du + filters
            mm = v + w.positions * g.c * w.chunkTiles
        }
    }

    /// ``ConvGeometry/forward(images:count:weight:bias:activation:into:pre:scratch:)`` by Winograd.
    func forward(_ g: ConvGeometry, images x: UnsafePointer<Float>, count: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, activation: Activation, into y: UnsafeMutablePointer<Float>,
                 pre: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        let s = Scratch(scratch, self, g), per = tilesPerImage
        transformFilters(g, weight, s)
        for start in stride(from: 0, to: count, by: chunk) {
            let k = Swift.min(chunk, count - start), t = k * per, tp = padded(t)
            transformImages(g, x + start * g.imageCount, count: k, s)
            // inputs V [n², C, tp], filters U [n², O, C], products M [n², O, tp]; columns t..<tp only pad the rows
            for p in 0..<positions {
                BLAS.sgemm(m: g.o, n: t, k: g.c, a: s.u + p * g.o * g.c, lda: g.c, b: s.v + p * g.c * tp, ldb: tp,
                           c: s.mm + p * g.o * tp, ldc: tp)
            }
            let out = y + start * g.outputCount
            for oc in 0..<g.o {
                transform(outputTransform, s.mm + oc * tp, stride: g.o * tp, into: s.tiles, stride: tp, count: tp, s.tmp)
                for i in 0..<k {
                    takeoff_tiles_into_plane(Self.isa, s.tiles + i * per, tp, tileRows, tileCols, m, m, out + i * g.outputCount + oc * g.positions,
                                             g.oh, g.ow, 0)
                }
            }
            for i in 0..<k { g.finish(out + i * g.outputCount, image: start + i, bias: bias, activation: activation, pre: pre) }
        }
    }

    /// ``ConvGeometry/backward(images:count:outputGradient:output:pre:weight:activation:weightGradient:biasGradient:inputGradient:scratch:)``
    /// by Winograd.
    func backward(_ g: ConvGeometry, images x: UnsafePointer<Float>, count: Int, outputGradient dy: UnsafePointer<Float>,
                  output y: UnsafePointer<Float>, pre: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                  activation: Activation, weightGradient dw: UnsafeMutablePointer<Float>?,
                  biasGradient db: UnsafeMutablePointer<Float>?, inputGradient dx: UnsafeMutablePointer<Float>?,
                  scratch: UnsafeMutablePointer<Float>) {
        let s = Scratch(scratch, self, g), per = tilesPerImage, filters = g.o * g.c, plane = paddedH * paddedW
        if dx != nil { transformFilters(g, weight, s) }
        if dw != nil { s.du.update(repeating: 0, count: positions * filters) }
        for start in stride(from: 0, to: count, by: chunk) {
            let k = Swift.min(chunk, count - start), t = k * per, tp = padded(t)
            // The chunk's gradients before the activation, image i at gradients + i·outputCount: `dy`'s own rows
            // (for the identity), or the scratch's they were written to.
            var gradients = UnsafePointer(s.gradient)
            for i in 0..<k {
                let gm = g.preActivationGradient(image: start + i, dy, output: y, pre: pre, activation: activation, biasGradient: db,
                                                 buffer: s.gradient + i * g.outputCount)
                if i == 0 { gradients = gm }
            }
            guard dw != nil || dx != nil else { continue }
            for oc in 0..<g.o {
                for i in 0..<k {
                    takeoff_tiles_from_plane(Self.isa, gradients + i * g.outputCount + oc * g.positions, g.oh, g.ow, tileRows, tileCols, m, m,
                                             s.tiles + i * per, tp)
                }
                transform(outputAdjoint, s.tiles, stride: tp, into: s.mm + oc * tp, stride: g.o * tp, count: tp, s.tmp)
            }
            if dw != nil { transformImages(g, x + start * g.imageCount, count: k, s) }
            for p in 0..<positions {
                let (u, du, v, mm) = (s.u + p * filters, s.du + p * filters, s.v + p * g.c * tp, s.mm + p * g.o * tp)
                if dw != nil { BLAS.sgemm(transposeB: true, m: g.o, n: g.c, k: t, a: mm, lda: tp, b: v, ldb: tp, beta: 1, c: du, ldc: g.c) }
                if dx != nil { BLAS.sgemm(transposeA: true, m: g.c, n: t, k: g.o, a: u, lda: g.c, b: mm, ldb: tp, c: v, ldc: tp) }
            }
            if let dx {
                s.dpad.update(repeating: 0, count: k * g.c * plane)
                for ci in 0..<g.c {
                    transform(inputAdjoint, s.v + ci * tp, stride: g.c * tp, into: s.tiles, stride: tp, count: tp, s.tmp)
                    for i in 0..<k {
                        takeoff_tiles_into_plane(Self.isa, s.tiles + i * per, tp, tileRows, tileCols, n, m, s.dpad + (i * g.c + ci) * plane,
                                                 paddedH, paddedW, 1)
                    }
                }
                for i in 0..<k {
                    g.unpad(s.dpad + i * g.c * plane, into: dx + (start + i) * g.imageCount, height: paddedH, width: paddedW)
                }
            }
        }
        if let dw {
            // dW [O, C, r, r] += Gᵀ dU G, computed over all filters at once as [r, r, O·C], then put in place.
            let (adjoint, tmp) = (s.mm, s.mm + r * r * filters)
            transform(filterAdjoint, s.du, stride: filters, into: adjoint, stride: filters, count: filters, tmp)
            for f in 0..<filters { for e in 0..<(r * r) { dw[f * r * r + e] += adjoint[e * filters + f] } }
        }
    }

    /// U [n², O, C] = G W Gᵀ for every filter of `weight` [O, C, r, r], over all filters at once.
    private func transformFilters(_ g: ConvGeometry, _ weight: UnsafePointer<Float>, _ s: Scratch) {
        let filters = g.o * g.c, (byEntry, tmp) = (s.mm, s.mm + r * r * filters)
        for f in 0..<filters { for e in 0..<(r * r) { byEntry[e * filters + f] = weight[f * r * r + e] } }
        transform(filterTransform, byEntry, stride: filters, into: s.u, stride: filters, count: filters, tmp)
    }

    /// V [n², C, t] = Bᵀ D B for every tile D of `count` images [C, H, W], channel by channel over the chunk's tiles.
    private func transformImages(_ g: ConvGeometry, _ x: UnsafePointer<Float>, count: Int, _ s: Scratch) {
        let per = tilesPerImage, tp = padded(count * per), plane = paddedH * paddedW
        // Image i at images + i·C·plane: in the scratch, or in place where no border is needed (plane = H·W then).
        var images = x
        for i in 0..<count {
            let image = g.padded(x + i * g.imageCount, in: s.pad + i * g.c * plane, height: paddedH, width: paddedW)
            if i == 0 { images = image }
        }
        for ci in 0..<g.c {
            for i in 0..<count {
                takeoff_tiles_from_plane(Self.isa, images + (i * g.c + ci) * plane, paddedH, paddedW, tileRows, tileCols, n, m,
                                         s.tiles + i * per, tp)
            }
            transform(inputTransform, s.tiles, stride: tp, into: s.v + ci * tp, stride: g.c * tp, count: tp, s.tmp)
        }
    }

    /// The widest instruction set the tile transforms can use on this CPU.
    private static let isa = takeoff_best_isa()

    /// `dst[a][b] = Σ_{i,j} M[a][i] · src[i][j] · M[b][j]` (the 2-D transform M X Mᵀ), each entry a vector of `count`
    /// floats: `src` row (i, j) at `src + (i·cols + j)·srcStride`, `dst` row (a, b) at `dst + (a·rows + b)·dstStride`.
    /// `tmp` holds rows·cols·count floats.
    private func transform(_ matrix: SmallMatrix, _ src: UnsafePointer<Float>, stride srcStride: Int,
                           into dst: UnsafeMutablePointer<Float>, stride dstStride: Int, count: Int, _ tmp: UnsafeMutablePointer<Float>) {
        matrix.values.withUnsafeBufferPointer {
            takeoff_tile_transform(Self.isa, $0.baseAddress, matrix.rows, matrix.cols, src, srcStride, dst, dstStride, count, tmp)
        }
    }
}
