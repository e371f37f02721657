// The fused fully-connected layer: one GEMM, then bias and activation in one pass;
// backward: the activation's derivative in one pass, then the GEMMs and the bias sum.

/// The activation functions Takeoff's layers offer.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case identity, sigmoid, tanh, relu
    case leakyRelu = "leaky-relu"
    case gelu

    /// Whether the derivative is computed from the pre-activation (else from the output).
    var derivativeNeedsInput: Bool { self == .gelu || self == .leakyRelu }

    /// Whether the family wants He initialisation (ReLU-like) rather than Xavier/Glorot.
    public var prefersHeInit: Bool { self == .relu || self == .leakyRelu || self == .gelu }
}

extension Tensor {
    /// The activation applied elementwise (an op on the tape).
    public func activated(_ activation: Activation) -> Tensor {
        switch activation {
        case .identity: self
        case .sigmoid: sigmoid()
        case .tanh: tanh()
        case .relu: relu()
        case .leakyRelu: leakyRelu()
        case .gelu: gelu()
        }
    }

    /// `activation(x · weightᵀ + bias)` for `x` [n, in], `weight` [out, in], `bias` [out].
    public static func dense(_ x: Tensor, weight: Tensor, bias: Tensor, activation: Activation) -> Tensor {
        precondition(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                     "dense: input \(x.shape) does not match weight \(weight.shape) (expected [n, \(weight.shape.last ?? 0)])")
        let (n, inputs, outputs) = (x.shape[0], x.shape[1], weight.shape[0])
        precondition(bias.shape == [outputs], "dense: bias \(bias.shape) for weight \(weight.shape)")
        let out = Tensor(uninitializedShape: [n, outputs])
        BLAS.sgemm(transposeB: true, m: n, n: outputs, k: inputs, a: x.pointer, lda: inputs,
                   b: weight.pointer, ldb: inputs, c: out.pointer, ldc: outputs)
        let pre: Tensor? = activation.derivativeNeedsInput ? Tensor(uninitializedShape: [n, outputs]) : nil
        let y = out.pointer, b = bias.pointer, z = pre?.pointer
        Parallel.ranges(n, cost: outputs * (activation == .identity ? 1 : 8)) { lo, hi in
            for r in lo..<hi {
                let row = y + r * outputs
                if let z { for j in 0..<outputs { z[r * outputs + j] = row[j] + b[j] } }
                switch activation {
                case .identity: for j in 0..<outputs { row[j] += b[j] }
                case .relu: for j in 0..<outputs { row[j] = Swift.max(row[j] + b[j], 0) }
                case .sigmoid: let f = Fn.Sigmoid(); for j in 0..<outputs { row[j] = f(row[j] + b[j]) }
                case .tanh: let f = Fn.Tanh(); for j in 0..<outputs { row[j] = f(row[j] + b[j]) }
                case .leakyRelu: let f = Fn.LeakyReLU(slope: 0.01); for j in 0..<outputs { row[j] = f(row[j] + b[j]) }
                case .gelu: let f = Fn.GELU(); for j in 0..<outputs { row[j] = f(row[j] + b[j]) }
                }
            }
        }
        return record(out, [x, weight, bias], "dense") { g, needs in
            let dz = activation == .identity ? g : Tensor.activationGradient(g, output: out, input: pre, activation)
            var dw: Tensor? = nil
            if needs[1] {
                if let buffer = weight.leafGradientBuffer {
                    BLAS.sgemm(transposeA: true, m: outputs, n: inputs, k: n, a: dz.pointer, lda: outputs,
                               b: x.pointer, ldb: inputs, beta: 1, c: buffer.pointer, ldc: inputs)
                } else {
                    dw = matmul(dz, x, transposeA: true)
                }
            }
            return [needs[0] ? matmul(dz, weight) : nil, dw, needs[2] ? dz.sum(axis: 0) : nil]
        }
    }

    /// `g ⊙ activation′`, from the output (sigmoid, tanh, relu) or the pre-activation (gelu, leaky ReLU).
    static func activationGradient(_ g: Tensor, output: Tensor, input: Tensor?, _ activation: Activation) -> Tensor {
        switch activation {
        case .identity: g
        case .sigmoid: g.zipped(output, Fn.SigmoidGrad())
        case .tanh: g.zipped(output, Fn.TanhGrad())
        case .relu: g.zipped(output, Fn.ReLUGrad())
        case .leakyRelu: g.zipped(input!, Fn.LeakyReLUGrad(slope: 0.01))
        case .gelu: g.zipped(input!, cost: 16, Fn.GELUGrad())
        }
    }
}
