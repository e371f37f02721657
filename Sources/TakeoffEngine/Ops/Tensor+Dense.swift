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
        let device = x.device
        precondition(weight.device == device && bias.device == device,
                     "dense: input on \(device), weight on \(weight.device), bias on \(bias.device)")
        let out = Tensor(uninitializedShape: [n, outputs], device: device)
        sgemm(on: device, transposeB: true, m: n, n: outputs, k: inputs, a: x.address, lda: inputs,
              b: weight.address, ldb: inputs, c: out.address, ldc: outputs)
        let pre: Tensor? = activation.derivativeNeedsInput ? Tensor(uninitializedShape: [n, outputs], device: device) : nil
        if device == .cuda {
            let f = activation.cudaFunction
            GPU.current.launch(denseEpilogue(f), count: out.count,
                               [out.kernelArgument, bias.kernelArgument, pre?.kernelArgument ?? .int(0), .int(out.count), .int(outputs)] + f.arguments)
        } else {
            let y = out.pointer, b = bias.pointer, z = pre?.pointer
            Parallel.ranges(n, cost: outputs * (activation == .identity ? 1 : 8)) { lo, hi in
                for r in lo..<hi {
                    let row = y + r * outputs
                    for j in 0..<outputs { row[j] += b[j] }
                    if let z { (z + r * outputs).update(from: row, count: outputs) }
                    activate(row, count: outputs, activation)
                }
            }
        }
        return record(out, [x, weight, bias], "dense") { g, needs in
            let dz = activation == .identity ? g : Tensor.activationGradient(g, output: out, input: pre, activation)
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

    /// `y = activation(y)` in place over `count` elements.
    @inline(__always)
    static func activate(_ y: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        switch activation {
        case .identity: break
        case .relu: for j in 0..<count { y[j] = Swift.max(y[j], 0) }
        case .sigmoid: let f = Fn.Sigmoid(); for j in 0..<count { y[j] = f(y[j]) }
        case .tanh: let f = Fn.Tanh(); for j in 0..<count { y[j] = f(y[j]) }
        case .leakyRelu: let f = Fn.LeakyReLU(slope: 0.01); for j in 0..<count { y[j] = f(y[j]) }
        case .gelu: let f = Fn.GELU(); for j in 0..<count { y[j] = f(y[j]) }
        }
    }

    /// `g ⊙ activation′`, from the output (sigmoid, tanh, relu) or the pre-activation (gelu, leaky ReLU).
    static func activationGradient(_ g: Tensor, output: Tensor, input: Tensor?, _ activation: Activation) -> Tensor {
        if activation == .identity { return g }
        let dz = Tensor(uninitializedShape: g.shape, device: g.device)
        if g.device == .cuda {
            let source = activation.derivativeNeedsInput ? input! : output
            GPUKernels.zip(g, source, into: dz, activation.cudaDerivative)
            return dz
        }
        Parallel.ranges(g.count, cost: activation == .gelu ? 16 : 1) { lo, hi in
            activationGradient(g.pointer + lo, output: output.pointer + lo, input: input.map { $0.pointer + lo },
                               into: dz.pointer + lo, count: hi - lo, activation)
        }
        return dz
    }

    /// `dz = g ⊙ activation′` over `count` elements, from the output `y` or the pre-activation `z`.
    @inline(__always)
    static func activationGradient(_ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, input z: UnsafePointer<Float>?,
                                   into dz: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        switch activation {
        case .identity: dz.update(from: g, count: count)
        case .relu: for j in 0..<count { let gj = g[j]; dz[j] = y[j] > 0 ? gj : 0 }  // unconditional load: vectorises
        case .sigmoid: let f = Fn.SigmoidGrad(); for j in 0..<count { dz[j] = f(g[j], y[j]) }
        case .tanh: let f = Fn.TanhGrad(); for j in 0..<count { dz[j] = f(g[j], y[j]) }
        case .leakyRelu: let f = Fn.LeakyReLUGrad(slope: 0.01); for j in 0..<count { dz[j] = f(g[j], z![j]) }
        case .gelu: let f = Fn.GELUGrad(); for j in 0..<count { dz[j] = f(g[j], z![j]) }
        }
    }
}

// MARK: CUDA

extension Activation {
    /// The activation in CUDA C (an expression in `x`), the same function as ``Tensor/activate(_:count:_:)``.
    var cudaFunction: CUDAExpression {
        switch self {
        case .identity: Fn.Identity().cuda!
        case .sigmoid: Fn.Sigmoid().cuda!
        case .tanh: Fn.Tanh().cuda!
        case .relu: Fn.ReLU().cuda!
        case .leakyRelu: Fn.LeakyReLU(slope: 0.01).cuda!
        case .gelu: Fn.GELU().cuda!
        }
    }

    /// `g ⊙ activation′` in CUDA C, with `x` the upstream gradient and `y` the output (or the
    /// pre-activation where ``derivativeNeedsInput``).
    var cudaDerivative: CUDAExpression {
        switch self {
        case .identity: CUDAExpression("x")
        case .sigmoid: Fn.SigmoidGrad().cuda!
        case .tanh: Fn.TanhGrad().cuda!
        case .relu: Fn.ReLUGrad().cuda!
        case .leakyRelu: Fn.LeakyReLUGrad(slope: 0.01).cuda!
        case .gelu: Fn.GELUGrad().cuda!
        }
    }
}

extension Tensor {
    /// After the GEMM: `y = f(y + bias[column])` in place, keeping `y + bias` in `pre` when it is not null.
    static func denseEpilogue(_ f: CUDAExpression) -> GPUKernel {
        GPUKernel.generated("dense_epilogue", key: f.code) { """
        extern "C" __global__ void dense_epilogue(float* y, const float* bias, float* pre, long long total, long long width,
                                                  float p0, float p1) {
            long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
            if (i >= total) return;
            float x = y[i] + bias[i % width];
            if (pre) pre[i] = x;
            y[i] = (\(f.code));
        }
        """ }
    }
}
