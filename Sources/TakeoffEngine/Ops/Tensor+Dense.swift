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
                CPULoops.denseEpilogue(y, bias: b, pre: z, outputs: outputs, activation: activation, rows: lo..<hi)
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

// The same layer on one block of a batch's rows, on the calling thread, in buffers the caller owns: the form a
// planned training step runs on each thread (single-threaded BLAS). Shapes are per block.
extension CPULoops {
    /// `y = activation(x · weightᵀ + bias)`: x [rows, inputs], weight [outputs, inputs], y [rows, outputs];
    /// `pre` [rows, outputs] keeps the pre-activation where the activation's derivative reads it.
    public static func denseForward(_ x: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>, outputs: Int, activation: Activation,
                                    into y: UnsafeMutablePointer<Float>, pre: UnsafeMutablePointer<Float>?) {
        BLAS.sgemm(transposeB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs, b: weight, ldb: inputs, c: y, ldc: outputs)
        denseEpilogue(y, bias: bias, pre: pre, outputs: outputs, activation: activation, rows: 0..<rows)
    }

    /// The backward of ``denseForward(_:rows:inputs:weight:bias:outputs:activation:into:pre:)`` through the block's
    /// input: `dx` [rows, inputs] = dz · weight from the gradient before the activation `dz` [rows, outputs] (see
    /// ``activationGradient(_:output:input:into:count:_:)``). The parameter gradients need the whole batch:
    /// ``denseParameterGradients(_:x:rows:inputs:outputs:part:weightGradient:biasGradient:)``.
    public static func denseInputGradient(_ dz: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafePointer<Float>, outputs: Int,
                                          into dx: UnsafeMutablePointer<Float>) {
        BLAS.sgemm(m: rows, n: inputs, k: outputs, a: dz, lda: outputs, b: weight, ldb: inputs, c: dx, ldc: inputs)
    }

    /// Rows `part` of the weight gradient [outputs, inputs] = dzᵀ · x and the same entries of the bias gradient
    /// [outputs] = Σ rows of dz, written (not added to), from `dz` [rows, outputs] and `x` [rows, inputs].
    public static func denseParameterGradients(_ dz: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, inputs: Int, outputs: Int,
                                               part: Range<Int>, weightGradient dw: UnsafeMutablePointer<Float>,
                                               biasGradient db: UnsafeMutablePointer<Float>) {
        BLAS.sgemm(transposeA: true, m: part.count, n: inputs, k: rows, a: dz + part.lowerBound, lda: outputs, b: x, ldb: inputs,
                   c: dw + part.lowerBound * inputs, ldc: inputs)
        sumColumns(dz, length: rows, inner: outputs, part.lowerBound, part.upperBound, into: db)
    }

    /// Adds the bias to rows `rows` of `y` [*, outputs] and applies the activation, keeping the pre-activation in `pre`.
    @inline(__always)
    static func denseEpilogue(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, pre: UnsafeMutablePointer<Float>?,
                              outputs: Int, activation: Activation, rows: Range<Int>) {
        for r in rows {
            let row = y + r * outputs
            for j in 0..<outputs { row[j] += bias[j] }
            if let pre { (pre + r * outputs).update(from: row, count: outputs) }
            activation.activate(row, count: outputs)
        }
    }

    /// `y = f(x)` elementwise over `count` values (a copy for identity).
    public static func activate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        y.update(from: x, count: count)
        activation.activate(y, count: count)
    }

    /// `dx = dy ⊙ f′` over `count` values, from the activation's output `y` or its input `x` (as its derivative reads);
    /// `dx` may be `dy`.
    public static func activationGradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, input x: UnsafePointer<Float>?,
                                          into dx: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        if activation == .identity { if UnsafePointer(dx) != dy { dx.update(from: dy, count: count) }; return }
        activation.gradient(dy, output: y, input: x, into: dx, count: count)
    }
}
