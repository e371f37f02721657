// Reordering, cutting, joining and selecting along axes. Each backward is the adjoint copy:
// permute back, pad a slice with zeros, split a concatenation, scatter-add a gather.

extension Tensor {
    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed: expected a matrix, got shape \(shape)")
        return permuted([1, 0])
    }

    /// The axes reordered: axis `i` of the result is axis `axes[i]` of `self` (negative counts from the end).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank, "permuted: \(axes.count) axes \(axes) for shape \(shape)")
        let perm = axes.map { Shape.axis($0, rank: rank, op: "permuted", shape: shape) }
        precondition(Set(perm).count == rank, "permuted: \(axes) is not a permutation of the axes of shape \(shape)")
        let outShape = perm.map { shape[$0] }
        let out = Tensor(uninitializedShape: outShape, device: device)
        let inStrides = Shape.strides(shape)
        let strides = perm.map { inStrides[$0] }       // input stride of each output axis
        switch device {
        case _ where count == 0: break
        case .cuda: GPUKernels.permute(self, into: out, outShape: outShape, strides: strides)
        case .cpu:
            let inner = outShape.last ?? 1, innerStride = strides.last ?? 1
            let x = pointer, y = out.pointer
            // One output row at a time: contiguous writes, strided reads (tiling measured no faster here).
            Parallel.ranges(count / inner, cost: inner) { lo, hi in
                for r in lo..<hi {
                    var rest = r, offset = 0
                    for a in stride(from: outShape.count - 2, through: 0, by: -1) {
                        offset += (rest % outShape[a]) * strides[a]
                        rest /= outShape[a]
                    }
                    let src = x + offset, dst = y + r * inner
                    if innerStride == 1 {
                        dst.update(from: src, count: inner)
                    } else {
                        for i in 0..<inner { dst[i] = src[i * innerStride] }
                    }
                }
            }
        }
        var inverse = perm
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return record(out, [self], "permuted") { g, _ in [g.permuted(inverse)] }
    }

    /// The elements at positions `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "slice", shape: shape)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: range \(range) is out of bounds for axis \(axis) of shape \(shape)")
        var outShape = shape
        outShape[ax] = range.count
        let out = Tensor(uninitializedShape: outShape, device: device)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        Tensor.copyBlocks(outer: outer, block: range.count * inner,
                          from: address + range.lowerBound * inner, stride: length * inner,
                          to: out.address, stride: range.count * inner, on: device)
        let (inputShape, device) = (shape, device)
        return record(out, [self], "slice") { g, _ in
            let dx = Tensor.zeros(inputShape, device: device)
            Tensor.copyBlocks(outer: outer, block: range.count * inner, from: g.address, stride: range.count * inner,
                              to: dx.address + range.lowerBound * inner, stride: length * inner, on: device)
            return [dx]
        }
    }

    /// The tensors joined along `axis`; all other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0].shape
        let ax = Shape.axis(axis, rank: first.count, op: "concat", shape: first)
        for t in tensors {
            var a = t.shape, b = first
            precondition(a.count == b.count, "concat: shapes \(tensors.map(\.shape)) differ in rank")
            a[ax] = 0; b[ax] = 0
            precondition(a == b, "concat: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        let device = tensors[0].device
        precondition(tensors.allSatisfy { $0.device == device }, "concat: tensors on different devices \(tensors.map(\.device))")
        let lengths = tensors.map { $0.shape[ax] }
        var outShape = first
        outShape[ax] = lengths.reduce(0, +)
        let out = Tensor(uninitializedShape: outShape, device: device)
        let (outer, total, inner) = Shape.split(outShape, at: ax)
        var at = 0
        for (t, length) in zip(tensors, lengths) {
            copyBlocks(outer: outer, block: length * inner, from: t.address, stride: length * inner,
                       to: out.address + at * inner, stride: total * inner, on: device)
            at += length
        }
        return record(out, tensors, "concat") { g, needs in
            var start = 0
            return zip(needs, lengths).map { need, length in
                defer { start += length }
                return need ? g.slice(axis: ax, start..<(start + length)) : nil
            }
        }
    }

    /// The entries at `indices` along `axis` (repeats allowed); backward adds each gradient
    /// block back to the position it came from.
    public func gather(_ indices: [Int], axis: Int) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "gather", shape: shape)
        let (outer, length, inner) = Shape.split(shape, at: ax)
        for (k, i) in indices.enumerated() where i < 0 || i >= length {
            preconditionFailure("gather: index \(i) at position \(k) is out of range for axis \(axis) of shape \(shape)")
        }
        switch device {
        case .cpu: break
        case .cuda: return gather(Tensor(indices: indices, device: .cuda), axis: axis)
        }
        var outShape = shape
        outShape[ax] = indices.count
        let out = Tensor(uninitializedShape: outShape)
        let m = indices.count
        let x = pointer, y = out.pointer
        indices.withUnsafeBufferPointer { idx in
            let idx = UncheckedSendable(idx.baseAddress!)
            Parallel.ranges(outer * m, cost: inner) { lo, hi in
                for r in lo..<hi {
                    let (o, k) = (r / m, r % m)
                    (y + r * inner).update(from: x + (o * length + idx.value[k]) * inner, count: inner)
                }
            }
        }
        let inputShape = shape
        return record(out, [self], "gather") { g, _ in
            let dx = Tensor.zeros(inputShape)
            let src = g.pointer, dst = dx.pointer
            indices.withUnsafeBufferPointer { idx in
                let idx = UncheckedSendable(idx.baseAddress!)
                // Outer blocks are disjoint; within one, repeated indices add up in order.
                Parallel.ranges(outer, cost: m * inner) { lo, hi in
                    for o in lo..<hi {
                        for k in 0..<m {
                            let s = src + (o * m + k) * inner, d = dst + (o * length + idx.value[k]) * inner
                            for i in 0..<inner { d[i] += s[i] }
                        }
                    }
                }
            }
            return [dx]
        }
    }

    /// Rows of the identity: [labels.count, classes] with a 1 at each label. Not differentiable.
    public static func oneHot(_ labels: [Int], classes: Int) -> Tensor {
        precondition(classes > 0, "oneHot: \(classes) classes")
        let out = Tensor.zeros([labels.count, classes])
        for (r, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes,
                         "oneHot: label \(label) at position \(r) is out of range for \(classes) classes")
            out.pointer[r * classes + label] = 1
        }
        return out
    }

    /// The entries at `indices` along `axis`, for indices held in a tensor (whole numbers, as
    /// floats) on this tensor's device: a GPU batch gathers its rows without a transfer. Indices
    /// must be in range; on the CPU they are checked, on the GPU they are trusted.
    public func gather(_ indices: Tensor, axis: Int) -> Tensor {
        precondition(indices.rank == 1, "gather: indices must be a vector, got shape \(indices.shape)")
        switch device {
        case .cpu: return gather(indices.to(.cpu).scalars.map { Int($0) }, axis: axis)
        case .cuda: return gatherOnGPU(indices, axis: axis)
        }
    }

    /// Copies `outer` blocks of `block` elements between strided positions of one device.
    private static func copyBlocks(outer: Int, block: Int, from src: UnsafeMutablePointer<Float>, stride srcStride: Int,
                                   to dst: UnsafeMutablePointer<Float>, stride dstStride: Int, on device: Device) {
        guard block > 0, outer > 0 else { return }
        switch device {
        case .cpu:
            Parallel.ranges(outer, cost: block) { lo, hi in
                for o in lo..<hi { (dst + o * dstStride).update(from: src + o * srcStride, count: block) }
            }
        case .cuda:
            GPUKernels.copyBlocks(outer: outer, block: block, from: src, stride: srcStride, to: dst, stride: dstStride)
        }
    }
}
