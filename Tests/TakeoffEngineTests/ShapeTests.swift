import Testing
import TakeoffEngine

@Suite struct ShapeTests {
    @Test func transposeAndPermuteValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(a.transposed().shape == [3, 2])
        #expect(a.transposed().scalars == [1, 4, 2, 5, 3, 6])
        let x = random([2, 3, 4], seed: 1)
        let p = x.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(p[k, i, j] == x[i, j, k]) } } }
        #expect(x.permuted([-1, 0, 1]).scalars == p.scalars)
        #expect(Tensor(5).permuted([]).scalars == [5])
    }

    @Test(arguments: [([70, 3, 45], [2, 0, 1]), ([70, 3, 45], [1, 2, 0]), ([33, 65], [1, 0]),
                      ([5, 40, 2, 37], [3, 1, 0, 2]), ([5, 40, 2, 37], [0, 3, 2, 1]), ([5, 40, 2, 37], [2, 0, 1, 3])])
    func permuteMatchesNaiveIndexing(shape: [Int], axes: [Int]) {
        let x = random(shape, seed: 15)
        let y = x.permuted(axes)
        let xs = x.scalars, ys = y.scalars
        let inStrides = Shape.strides(shape), outStrides = Shape.strides(y.shape)
        var mismatches = 0
        for flat in 0..<x.count {
            var src = 0
            for (a, p) in axes.enumerated() { src += (flat / outStrides[a]) % y.shape[a] * inStrides[p] }
            if ys[flat] != xs[src] { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(y.permuted(axes.indices.map { axes.firstIndex(of: $0)! }).scalars == xs)
    }

    @Test(arguments: [[1, 0], [0, 1]] as [[Int]])
    func permuteMatrixGradients(axes: [Int]) {
        expectGradients([random([3, 5], seed: 2)]) { $0[0].permuted(axes) }
        expectGradients([random([1, 4], seed: 2)]) { $0[0].transposed() }
    }

    @Test(arguments: [[2, 0, 1], [1, 2, 0], [0, 2, 1], [-1, -3, -2]] as [[Int]])
    func permuteGradients(axes: [Int]) {
        expectGradients([random([2, 1, 4], seed: 3)]) { $0[0].permuted(axes) }
        expectGradients([random([3, 2, 2], seed: 3)]) { $0[0].permuted(axes) }
    }

    @Test func sliceValuesAndGradients() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let s = x.slice(axis: 1, 1..<3)
        #expect(s.shape == [2, 2, 4])
        #expect(s.scalars == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        #expect(x.slice(axis: -1, 3..<4).scalars == [3, 7, 11, 15, 19, 23])
        #expect(x.slice(axis: 0, 1..<1).shape == [0, 3, 4])
        let r = random([2, 3, 4], seed: 4)
        expectGradients([r]) { $0[0].slice(axis: 1, 1..<3) }
        expectGradients([r]) { $0[0].slice(axis: -1, 0..<1) }
        expectGradients([r]) { $0[0].slice(axis: 0, 1..<2) }
        expectGradients([random([1, 5], seed: 5)]) { $0[0].slice(axis: 1, 2..<5) }
    }

    @Test func concatValuesAndGradients() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([5, 6], shape: [2, 1])
        #expect(Tensor.concat([a, b], axis: 1).scalars == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.concat([a, b.reshaped([1, 2])], axis: 0).scalars == [1, 2, 3, 4, 5, 6])
        let x = random([2, 3, 4], seed: 6), y = random([2, 1, 4], seed: 7), z = random([2, 2, 4], seed: 8)
        let c = Tensor.concat([x, y, z], axis: -2)
        #expect(c.shape == [2, 6, 4])
        expectClose(c.slice(axis: 1, 3..<4), y, tolerance: 0)
        expectGradients([x, y, z]) { Tensor.concat($0, axis: 1) }
        expectGradients([x, x]) { Tensor.concat($0, axis: 0) }
        expectGradients([random([3], seed: 9), random([1], seed: 10)]) { Tensor.concat($0, axis: 0) }
    }

    @Test func concatOfOneTensorWithGradOnlyOnSome() {
        let x = random([2, 2], seed: 11).requiringGrad(), y = random([2, 3], seed: 12)
        Tensor.concat([x, y], axis: 1).sum().backward()
        #expect(x.grad?.scalars == [1, 1, 1, 1])
    }

    @Test func gatherValuesAndGradientsWithRepeats() {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
        #expect(x.gather([2, 0, 2], axis: 0).scalars == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        #expect(x.gather([3, 3], axis: -1).scalars == [3, 3, 7, 7, 11, 11])
        #expect(x.gather([], axis: 0).shape == [0, 4])
        let xg = x.requiringGrad()
        xg.gather([1, 1, 2, 1], axis: 0).sum().backward()
        #expect(xg.grad?.scalars == [0, 0, 0, 0, 3, 3, 3, 3, 1, 1, 1, 1])
        let r = random([2, 5, 3], seed: 13)
        expectGradients([r]) { $0[0].gather([4, 0, 4, 4, 1], axis: 1) }
        expectGradients([r]) { $0[0].gather([2, 2], axis: -1) }
        expectGradients([random([1, 3], seed: 14)]) { $0[0].gather([0, 0, 0], axis: 0) }
    }

    @Test func gradientsOverRandomShapes() {
        var rng = RandomGenerator(seed: 22)
        for k in 0..<12 {
            let (shape, axis) = randomShapeAndAxis(&rng)
            let n = shape[axis < 0 ? axis + shape.count : axis]
            let x = random(shape, seed: UInt64(k))
            let lo = rng.below(n), hi = lo + 1 + rng.below(n - lo)
            expectGradients([x]) { $0[0].slice(axis: axis, lo..<hi) }
            let indices = (0..<(1 + rng.below(5))).map { _ in rng.below(n) }
            expectGradients([x]) { $0[0].gather(indices, axis: axis) }
            var other = shape
            other[axis < 0 ? axis + shape.count : axis] = 1 + rng.below(3)
            expectGradients([x, random(other, seed: 100 + UInt64(k))]) { Tensor.concat($0, axis: axis) }
            var axes = Array(0..<shape.count)
            rng.shuffle(&axes)
            expectGradients([x]) { $0[0].permuted(axes) }
        }
    }

    @Test func oneHotRows() {
        #expect(Tensor.oneHot([2, 0], classes: 3).scalars == [0, 0, 1, 1, 0, 0])
        #expect(Tensor.oneHot([], classes: 3).shape == [0, 3])
    }

    @Test func concatMismatchNamesTheShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.concat([Tensor.zeros([2, 3]), Tensor.zeros([3, 3])], axis: 1)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[2, 3]") && text.contains("[3, 3]"), "message: \(text)")
        }
    }

    @Test func badIndicesNameTheValues() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).gather([0, 5], axis: 1)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("index 5") && text.contains("[2, 3]"), "message: \(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.oneHot([1, -1], classes: 4)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("label -1") && text.contains("4 classes"), "message: \(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).permuted([0, 0])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[0, 0]") && text.contains("[2, 3]"), "message: \(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).slice(axis: 0, 1..<3)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("1..<3") && text.contains("[2, 3]"), "message: \(text)")
        }
    }
}
