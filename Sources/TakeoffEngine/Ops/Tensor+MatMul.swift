// Matrix products: cblas_sgemm on the CPU, cublasSgemm on CUDA, through one row-major entry point.

/// `C = alpha · op(A) · op(B) + beta · C`, row-major, on `device`'s memory: OpenBLAS for the CPU,
/// cuBLAS for CUDA (pointers are then device addresses, e.g. ``Tensor/address``).
func sgemm(on device: Device, transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    switch device {
    case .cpu:
        CPULoops.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    case .cuda:
        GPU.current.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                          a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

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
    precondition(a.device == b.device, "matmul: operands on \(a.device) and \(b.device)")
    let device = a.device
    let out = Tensor(uninitializedShape: a.rank == 3 ? [batch, m, n] : [m, n], device: device)
    let strideB = b.rank == 3 ? br * bc : 0
    for i in 0..<batch {
        sgemm(on: device, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
              a: a.address + i * ar * ac, lda: ac, b: b.address + i * strideB, ldb: bc,
              c: out.address + i * m * n, ldc: n)
    }
    return record(out, [a, b], "matmul") { g, needs in
        if a.rank == 3 && b.rank == 2 {
            // A matrix shared by the batch: its gradient sums the per-matrix ones.
            let da = needs[0] ? Tensor(uninitializedShape: a.shape, device: device) : nil
            var db: Tensor? = nil
            for i in 0..<batch {
                let (ai, gi) = (a.matrix(i), g.matrix(i))
                let grads = matmulGrads(ai, b, gi, transposeA, transposeB, needs)
                if let d = grads.0 {
                    withExtendedLifetime(d) { Tensor.copyElements(from: d.address, to: da!.address + i * d.count, count: d.count, on: device) }
                }
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
        let device = x.device
        precondition(weight.device == device && (bias?.device ?? device) == device, "linear: operands on different devices")
        let out = Tensor(uninitializedShape: [n, outputs], device: device)
        if let bias {
            switch device {
            case .cpu: for r in 0..<n { (out.pointer + r * outputs).update(from: bias.pointer, count: outputs) }
            case .cuda: GPUKernels.copyBlocks(outer: n, block: outputs, from: bias.address, stride: 0, to: out.address, stride: outputs)
            }
        }
        sgemm(on: device, transposeB: true, m: n, n: outputs, k: inputs, a: x.address, lda: inputs,
              b: weight.address, ldb: inputs, beta: bias == nil ? 0 : 1, c: out.address, ldc: outputs)
        let inputs3: [Tensor] = bias.map { [x, weight, $0] } ?? [x, weight]
        return record(out, inputs3, "linear") { g, needs in
            [needs[0] ? matmul(g, weight) : nil,
             needs[1] ? matmul(g, x, transposeA: true) : nil,
             needs.count > 2 && needs[2] ? g.sum(axis: 0) : nil]
        }
    }
}
