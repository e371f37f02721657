import CVectorKernels
import Testing
@testable import TakeoffEngine

@Suite struct ConvTests {
    /// The direct seven-loop convolution.
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, padding: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - kh) / stride + 1, ow = (wd + 2 * padding - kw) / stride + 1
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for i in 0..<n { for f in 0..<o { for y in 0..<oh { for z in 0..<ow {
            var s: Float = b.map { $0[f] } ?? 0
            for ch in 0..<c { for p in 0..<kh { for q in 0..<kw {
                let iy = y * stride - padding + p, ix = z * stride - padding + q
                if iy >= 0 && iy < h && ix >= 0 && ix < wd { s += x[i, ch, iy, ix] * w[f, ch, p, q] }
            } } }
            out[((i * o + f) * oh + y) * ow + z] = s
        } } } }
        return Tensor(out, shape: [n, o, oh, ow])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let input: [Int], weight: [Int], stride: Int, padding: Int
        var testDescription: String { "\(input)∗\(weight) s\(stride) p\(padding)" }
    }

    static let cases = [
        Case(input: [2, 3, 5, 6], weight: [4, 3, 3, 2], stride: 2, padding: 1),
        Case(input: [1, 1, 4, 4], weight: [1, 1, 1, 1], stride: 1, padding: 0),
        Case(input: [3, 2, 7, 5], weight: [2, 2, 3, 3], stride: 1, padding: 1),
        Case(input: [2, 1, 6, 7], weight: [3, 1, 2, 4], stride: 3, padding: 2),
        Case(input: [1, 2, 3, 3], weight: [1, 2, 3, 3], stride: 1, padding: 0),
        Case(input: [2, 2, 2, 3], weight: [2, 2, 1, 2], stride: 2, padding: 3),
    ]

    @Test(arguments: cases)
    func matchesNaive(c: Case) {
        let x = random(c.input, seed: 1), w = random(c.weight, seed: 2), b = random([c.weight[0]], seed: 3)
        expectClose(Tensor.conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding),
                    naiveConv(x, w, b, stride: c.stride, padding: c.padding), tolerance: 1e-5)
        expectClose(Tensor.conv2d(x, weight: w, stride: c.stride, padding: c.padding),
                    naiveConv(x, w, nil, stride: c.stride, padding: c.padding), tolerance: 1e-5)
    }

    @Test(arguments: cases)
    func gradients(c: Case) {
        let x = random(c.input, seed: 4), w = random(c.weight, seed: 5), b = random([c.weight[0]], seed: 6)
        expectGradients([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: c.stride, padding: c.padding) }
        expectGradients([x, w]) { Tensor.conv2d($0[0], weight: $0[1], stride: c.stride, padding: c.padding) }
    }

    @Test func onlyTheBiasNeedsAGradient() {
        let x = random([2, 3, 4, 4], seed: 11), w = random([5, 3, 3, 3], seed: 12), b = random([5], seed: 13).requiringGrad()
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: 1, padding: 1)
        let seed = random(y.shape, seed: 14)
        y.backward(seed)
        expectClose(b.grad!, seed.sum(axis: 3).sum(axis: 2).sum(axis: 0), tolerance: 1e-5)
    }

    @Test func blocksOfImagesMatchOneImageAtATime() {
        // With several threads the 9 images are split into blocks, each with its own partial dW and db.
        let x = random([9, 32, 64, 64], seed: 7), w = random([2, 32, 3, 3], seed: 8), b = random([2], seed: 9)
        let xg = x.requiringGrad(), wg = w.requiringGrad(), bg = b.requiringGrad()
        let y = Tensor.conv2d(xg, weight: wg, bias: bg, padding: 1)
        let seed = random(y.shape, seed: 10)
        y.backward(seed)
        // One image is one block (that path is checked against the naive loops above).
        var dw = Tensor.zeros(w.shape), db = Tensor.zeros(b.shape)
        for i in 0..<9 {
            let xi = x.slice(axis: 0, i..<(i + 1)).requiringGrad(), wi = w.requiringGrad(), bi = b.requiringGrad()
            let yi = Tensor.conv2d(xi, weight: wi, bias: bi, padding: 1)
            yi.backward(seed.slice(axis: 0, i..<(i + 1)))
            if [0, 6, 7, 8].contains(i) {
                expectClose(y.slice(axis: 0, i..<(i + 1)), yi, tolerance: 1e-5)
                expectClose(xg.grad!.slice(axis: 0, i..<(i + 1)), xi.grad!, tolerance: 1e-5)
            }
            dw = dw + wi.grad!
            db = db + bi.grad!
        }
        expectClose(wg.grad!, dw, tolerance: 1e-4)
        expectClose(bg.grad!, db, tolerance: 1e-4)
    }

    @Test(arguments: [Activation.gelu, .leakyRelu, .relu, .sigmoid])
    func backwardKeepsTheForwardValuesAlive(activation: Activation) {
        // `sum` keeps nothing of its input, so only conv2d's own backward holds its output and pre-activation;
        // freed, their buffers would go to the tensors allocated next (here, of the same size, full of 1000s).
        let x = random([2, 3, 6, 6], seed: 21), w = random([4, 3, 3, 3], seed: 22)
        let fused = x.requiringGrad(), reference = x.requiringGrad()
        let loss = Tensor.conv2d(fused, weight: w, padding: 1, activation: activation).sum()
        let clutter = (0..<4).map { _ in Tensor(repeating: 1000, shape: [2, 4, 6, 6]) }
        loss.backward()
        Tensor.conv2d(reference, weight: w, padding: 1).activated(activation).sum().backward()
        expectClose(fused.grad!, reference.grad!, tolerance: 1e-4)
        withExtendedLifetime(clutter) {}
    }

    /// Shapes Winograd takes (5×5 kernels at stride 1, 16 or more channels each way): odd sizes whose last tiles
    /// hang over the output, batches that split unevenly into threads' blocks and into chunks of tiles.
    static let winogradCases = [
        Case(input: [7, 17, 14, 14], weight: [19, 17, 5, 5], stride: 1, padding: 2),
        Case(input: [3, 16, 9, 7], weight: [16, 16, 5, 5], stride: 1, padding: 2),
        Case(input: [2, 16, 8, 11], weight: [20, 16, 5, 5], stride: 1, padding: 0),
        Case(input: [5, 18, 6, 5], weight: [16, 18, 5, 5], stride: 1, padding: 1),
    ]

    @Test(arguments: winogradCases, [Activation.identity, .relu])
    func winogradMatchesIm2col(c: Case, activation: Activation) {
        let x = random(c.input, seed: 31), w = random(c.weight, seed: 32), b = random([c.weight[0]], seed: 33)
        func run(winograd: Bool) -> [Tensor] {
            let (xg, wg, bg) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
            let y = Tensor.conv2d(xg, weight: wg, bias: bg, stride: 1, padding: c.padding, activation: activation, winograd: winograd)
            y.backward(random(y.shape, seed: 34))
            return [y, xg.grad!, wg.grad!, bg.grad!]
        }
        let im2col = run(winograd: false)
        #expect(ConvGeometry(channels: c.input[1], height: c.input[2], width: c.input[3], filters: c.weight[0], kernel: 5, stride: 1,
                             padding: c.padding).winograd != nil)
        // Terms grow up to ~100× in the transformed domain before they cancel: measured at worst 8e-5 (output),
        // 7e-5 (input gradient) and 1.5e-4 (the weight gradient, which sums every tile of the batch there).
        let winograd = run(winograd: true), tolerances: [Float] = [2e-4, 2e-4, 5e-4, 1e-4]
        for i in im2col.indices { expectClose(winograd[i], im2col[i], tolerance: tolerances[i]) }
    }

    @Test func winogradGradients() {
        // Small values keep the float sums' rounding well under the finite differences' tolerance.
        let x = random([2, 16, 3, 4], seed: 35), w = random([16, 16, 5, 5], seed: 36) * 0.2, b = random([16], seed: 37)
        expectGradients([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: 2) }
    }

    /// Winograd's tile kernels at every instruction set this CPU runs against direct loops: 6×6 tiles 2 apart over
    /// a 9×13 plane (the last tiles hang over its edges), and the 2-D transform of 21 tiles (not whole vectors).
    @Test func tileKernelsMatchDirectLoopsAtEveryInstructionSet() {
        let (h, w, rows, cols, size, step) = (9, 13, 4, 5, 6, 2)
        let tileCount = rows * cols, stride = tileCount + 3
        let plane = random([h * w], seed: 41).scalars, tiles = random([size * size * stride], seed: 42).scalars
        func pixel(_ a: Int, _ b: Int, _ ti: Int, _ tj: Int) -> (y: Int, x: Int) { (ti * step + a, tj * step + b) }
        var gathered = [Float](repeating: 0, count: size * size * stride), added = plane
        for a in 0..<size { for b in 0..<size { for ti in 0..<rows { for tj in 0..<cols {
            let (y, x) = pixel(a, b, ti, tj), at = (a * size + b) * stride + ti * cols + tj
            gathered[at] = y < h && x < w ? plane[y * w + x] : 0
            if y < h && x < w { added[y * w + x] += tiles[at] }
        } } } }
        let matrix: [Float] = [4, 0, -5, 0, 1, 0, 0, 4, 4, -1, -1, 0, 0, -4, 4, 1, -1, 0]  // 3×6
        var transformed = [Float](repeating: 0, count: 9 * tileCount)
        for a in 0..<3 { for b in 0..<3 { for t in 0..<tileCount {
            var sum = 0.0
            for i in 0..<6 { for j in 0..<6 {
                sum += Double(matrix[a * 6 + i]) * Double(tiles[(i * 6 + j) * stride + t]) * Double(matrix[b * 6 + j])
            } }
            transformed[(a * 3 + b) * tileCount + t] = Float(sum)
        } } }
        for isa in (0...takeoff_best_isa().rawValue).map({ takeoff_isa(rawValue: $0) }) {
            var outTiles = [Float](repeating: .nan, count: size * size * stride), outPlane = plane
            takeoff_tiles_from_plane(isa, plane, h, w, rows, cols, size, step, &outTiles, stride)
            takeoff_tiles_into_plane(isa, tiles, stride, rows, cols, size, step, &outPlane, h, w, 1)
            var outTransform = [Float](repeating: .nan, count: 9 * tileCount), tmp = [Float](repeating: 0, count: 18 * tileCount)
            takeoff_tile_transform(isa, matrix, 3, 6, tiles, stride, &outTransform, tileCount, tileCount, &tmp)
            #expect((0..<size * size).allSatisfy { k in
                (0..<tileCount).allSatisfy { outTiles[k * stride + $0] == gathered[k * stride + $0] }
            }, "instruction set \(isa.rawValue): gather")
            #expect(zip(outPlane, added).allSatisfy { abs($0 - $1) < 1e-5 }, "instruction set \(isa.rawValue): scatter-add")
            #expect(zip(outTransform, transformed).allSatisfy { abs($0 - $1) < 1e-3 }, "instruction set \(isa.rawValue): transform")
        }
    }

    /// The direct max over each window.
    func naivePool(_ x: Tensor, kernel: Int, stride: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1
        var out: [Float] = []
        for i in 0..<n { for ch in 0..<c { for y in 0..<oh { for z in 0..<ow {
            var m = -Float.infinity
            for p in 0..<kernel { for q in 0..<kernel { m = Swift.max(m, x[i, ch, y * stride + p, z * stride + q]) } }
            out.append(m)
        } } } }
        return Tensor(out, shape: [n, c, oh, ow])
    }

    /// Values spaced 0.05 apart in random order: no ties in any window.
    func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor(rng.permutation(Shape.count(shape)).map { Float($0) * 0.05 }, shape: shape)
    }

    @Test(arguments: [([2, 3, 6, 7], 2, 2), ([1, 2, 4, 14], 2, 2), ([1, 2, 5, 5], 3, 1), ([2, 1, 7, 4], 2, 3), ([1, 1, 1, 1], 1, 1)])
    func maxPoolMatchesNaiveWithGradients(shape: [Int], kernel: Int, stride: Int) {
        let x = distinct(shape, seed: 9)
        expectClose(x.maxPool2d(kernel: kernel, stride: stride), naivePool(x, kernel: kernel, stride: stride), tolerance: 0)
        expectGradients([x], epsilon: 1e-3) { $0[0].maxPool2d(kernel: kernel, stride: stride) }
    }

    /// Five 2×2 windows (four at a time, the last four overlapping): a tied window's gradient goes to its first maximum.
    @Test func tiedPoolWindowsRouteToTheFirstMaximum() {
        let x = Tensor([0, 0, 1, 1, 0, 2, 3, 3, 0, 0,
                        0, 0, 1, 0, 2, 0, 3, 0, 0, 0], shape: [1, 1, 2, 10]).requiringGrad()
        x.maxPool2d(kernel: 2).sum().backward()
        #expect(x.grad?.scalars == [1, 0, 1, 0, 0, 1, 1, 0, 1, 0,
                                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func overlappingPoolWindowsAddTheirGradients() {
        let x = Tensor([1, 2, 3, 4, 9, 5, 6, 7, 8], shape: [1, 1, 3, 3]).requiringGrad()
        x.maxPool2d(kernel: 2, stride: 1).sum().backward()
        #expect(x.grad?.scalars == [0, 0, 0, 0, 4, 0, 0, 0, 0])
    }

    @Test func channelMismatchNamesTheShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.conv2d(Tensor.zeros([1, 3, 5, 5]), weight: Tensor.zeros([2, 4, 3, 3]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[1, 3, 5, 5]") && text.contains("[2, 4, 3, 3]"), "message: \(text)")
        }
    }
}
