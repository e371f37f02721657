// The fused fully-connected layer: one GEMM, then bias and activation in one pass;
// backward: the activation's derivative in one pass, then the GEMMs and the bias sum.

extension Tensor {
    /// `activation(x · weightᵀ + bias)` for `x` [n, in], `weight` [out, in], `bias` [out].
    public static func dense(_ x: Tensor, weight: Tensor, bias: Tensor, activation: Activation) -> Tensor {
        precondition(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                     "dense: input \(x.shape) does not match weight \(weight.shape) (expected [n, \(weight.shape.last ?? 0)])")
        let (n, inputs, outputs) = (x.shape[0], x.shape[1], weight.shape[0])
        precondition(bias.shape == [outputs], "dense: bias \(bias.shape) for weight \(weight.shape)")
        let device = x.device
        precondition(weight.device == device && bias.device == device,
                     "dense: input on \(device), weight on \(weight.device), bias on \(bias.device)")
        let out = Tensor(uninitializedShape: [n, outputs], device: device)
        sgemm(on: device, transposeB: true, m: n, n: outputs, k: inputs, a: x.address, lda: inputs,
              b: weight.address, ldb: inputs, c: out.address, ldc: outputs)
        let pre: Tensor? = activation.derivativeReadsInput ? Tensor(uninitializedShape: [n, outputs], device: device) : nil
        switch device {
        case .cpu:
            let y = out.pointer, b = bias.pointer, z = pre?.pointer
            Parallel.ranges(n, cost: outputs * (activation == .identity ? 1 : 8)) { lo, hi in
                for r in lo..<hi {
                    let row = y + r * outputs
                    for j in 0..<outputs { row[j] += b[j] }
                    if let z { (z + r * outputs).update(from: row, count: outputs) }
                    activation.activate(row, count: outputs)
                }
            }
        case .cuda:
            GPUKernels.denseEpilogue(out, bias: bias, pre: pre, activation.function)
        }
        return record(out, [x, weight, bias], "dense") { g, needs in
            let dz = Tensor.activationGradient(g, output: out, input: pre, activation)
            var dw: Tensor? = nil
            if needs[1] {
                if let buffer = weight.leafGradientBuffer {
                    sgemm(on: device, transposeA: true, m: outputs, n: inputs, k: n, a: dz.address, lda: outputs,
                          b: x.address, ldb: inputs, beta: 1, c: buffer.address, ldc: inputs)
                } else {
                    dw = matmul(dz, x, transposeA: true)
                }
            }
            return [needs[0] ? matmul(dz, weight) : nil, dw, needs[2] ? dz.sum(axis: 0) : nil]
        }
    }

    /// `g ⊙ activation′` (`g` itself for identity), from the output or, where the activation's derivative
    /// reads it, the pre-activation `input`.
    static func activationGradient(_ g: Tensor, output: Tensor, input: Tensor?, _ activation: Activation) -> Tensor {
        if activation == .identity { return g }
        let dz = Tensor(uninitializedShape: g.shape, device: g.device)
        let f = activation.function
        switch g.device {
        case .cpu:
            Parallel.ranges(g.count, cost: f.derivativeCost) { lo, hi in
                activation.gradient(g.pointer + lo, output: output.pointer + lo, input: input.map { $0.pointer + lo },
                                    into: dz.pointer + lo, count: hi - lo)
            }
        case .cuda:
            GPUKernels.zip(g, f.derivativeReads == .input ? input! : output, into: dz, f.cudaDerivative)
        }
        return dz
    }
}
