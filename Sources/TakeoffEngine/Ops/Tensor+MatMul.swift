// Matrix products through cblas_sgemm.

/// `op(a) · op(b)` for matrices (rank 2) or batches of them (rank 3, with `b` of rank 2 or 3),
/// where `op` transposes the last two axes when asked.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition((a.rank == 2 || a.rank == 3) && (b.rank == 2 || b.rank == 3) && b.rank <= a.rank,
                 "matmul: unsupported ranks, shapes \(a.shape) and \(b.shape)")
    let batch = a.rank == 3 ? a.shape[0] : 1
    if a.rank == 3 && b.rank == 3 {
        precondition(b.shape[0] == batch, "matmul: batch sizes differ, shapes \(a.shape) and \(b.shape)")
    }
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (k2, n) = transposeB ? (bc, br) : (br, bc)
    precondition(k == k2, "matmul: inner dimensions differ, shapes \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "")")
    let out = Tensor(uninitializedShape: a.rank == 3 ? [batch, m, n] : [m, n])
    let strideB = b.rank == 3 ? br * bc : 0
    for i in 0..<batch {
        Kernels.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                   a: a.pointer + i * ar * ac, lda: ac, b: b.pointer + i * strideB, ldb: bc,
                   c: out.pointer + i * m * n, ldc: n)
    }
    return record(out, [a, b], "matmul") { g, needs in
        if a.rank == 3 && b.rank == 2 {
            // A matrix shared by the batch: its gradient sums the per-matrix ones.
            let da = needs[0] ? Tensor(uninitializedShape: a.shape) : nil
            var db: Tensor? = nil
            for i in 0..<batch {
                let (ai, gi) = (a.matrix(i), g.matrix(i))
                let grads = matmulGrads(ai, b, gi, transposeA, transposeB, needs)
                if let d = grads.0 { da!.pointer.advanced(by: i * d.count).update(from: d.pointer, count: d.count) }
                if let d = grads.1 { if db == nil { db = d } else { db!.addInPlace(d) } }
            }
            return [da, db]
        }
        let grads = matmulGrads(a, b, g, transposeA, transposeB, needs)
        return [grads.0, grads.1]
    }
}

/// The gradients of `op(a) · op(b)` given the output gradient `g`.
private func matmulGrads(_ a: Tensor, _ b: Tensor, _ g: Tensor, _ transposeA: Bool, _ transposeB: Bool,
                         _ needs: [Bool]) -> (Tensor?, Tensor?) {
    let da = !needs[0] ? nil : transposeA ? matmul(b, g, transposeA: transposeB, transposeB: true)
                                          : matmul(g, b, transposeB: !transposeB)
    let db = !needs[1] ? nil : transposeB ? matmul(g, a, transposeA: true, transposeB: transposeA)
                                          : matmul(a, g, transposeA: !transposeA)
    return (da, db)
}

extension Tensor {
    /// Matrix `i` of a rank-3 tensor, as a view sharing its storage.
    func matrix(_ i: Int) -> Tensor {
        Tensor(storage: storage, offset: offset + i * shape[1] * shape[2], shape: [shape[1], shape[2]])
    }

    /// `x · weightᵀ + bias` for `x` of shape [n, in], `weight` [out, in], `bias` [out]:
    /// one GEMM writing on top of the broadcast bias.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                     "linear: input \(x.shape) does not match weight \(weight.shape) (expected [n, \(weight.shape.last ?? 0)])")
        let (n, inputs, outputs) = (x.shape[0], x.shape[1], weight.shape[0])
        if let bias { precondition(bias.shape == [outputs], "linear: bias \(bias.shape) for weight \(weight.shape)") }
        let out = Tensor(uninitializedShape: [n, outputs])
        if let bias {
            for r in 0..<n { (out.pointer + r * outputs).update(from: bias.pointer, count: outputs) }
        }
        Kernels.sgemm(transposeB: true, m: n, n: outputs, k: inputs, a: x.pointer, lda: inputs,
                   b: weight.pointer, ldb: inputs, beta: bias == nil ? 0 : 1, c: out.pointer, ldc: outputs)
        let inputs3: [Tensor] = bias.map { [x, weight, $0] } ?? [x, weight]
        return record(out, inputs3, "linear") { g, needs in
            [needs[0] ? matmul(g, weight) : nil,
             needs[1] ? matmul(g, x, transposeA: true) : nil,
             needs.count > 2 && needs[2] ? g.sum(axis: 0) : nil]
        }
    }
}
