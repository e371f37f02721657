/// CPU-against-CUDA checks of the ops: each runs one expression on the CPU and on the GPU from
/// the same inputs and compares the outputs and every input's gradient (TF32 off), then checks the
/// CUDA gradients against finite differences computed on the GPU. `swift test` runs them where a
/// GPU is present; `takeoff device check` runs them on a machine with no Swift toolchain.
public enum ParityCheck {
    /// The outcome of one check.
    public struct Result: Sendable {
        public let name: String
        /// Max |cpu − cuda| / max(1, max |cpu|) over the output.
        public let forwardError: Float
        /// The same for the input gradients (the worst input).
        public let gradientError: Float
        /// The finite-difference gradient check on CUDA (nil when not run for this op).
        public let finiteDifferenceError: Float?
        public let passed: Bool

        public init(name: String, forwardError: Float, gradientError: Float, finiteDifferenceError: Float?, passed: Bool) {
            (self.name, self.forwardError, self.gradientError) = (name, forwardError, gradientError)
            (self.finiteDifferenceError, self.passed) = (finiteDifferenceError, passed)
        }

        public var line: String {
            let fd = finiteDifferenceError.map { String(format: "%.1e", $0) } ?? "—"
            return "\(passed ? "ok  " : "FAIL") \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) forward \(String(format: "%.1e", forwardError))  gradient \(String(format: "%.1e", gradientError))  finite-difference \(fd)"
        }
    }

    /// A named check.
    public struct Case: Sendable {
        public let name: String
        public let run: @Sendable () -> Result
        public init(_ name: String, run: @escaping @Sendable () -> Result) {
            self.name = name
            self.run = run
        }
    }

    /// The largest relative difference between two tensors of one shape (on any devices).
    public static func difference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "difference: shapes \(a.shape) and \(b.shape)")
        let (x, y) = (a.scalars, b.scalars)
        let scale = max(1, x.map(abs).max() ?? 0)
        var worst: Float = 0
        for (u, v) in zip(x, y) {
            let d = abs(u - v)
            worst = max(worst, d.isNaN ? .infinity : d / scale)
        }
        return worst
    }

    /// Runs `f` on CPU copies and CUDA copies of `inputs`, back-propagates the same random projection
    /// through both, and compares; with `finiteDifferences`, also checks the CUDA gradients numerically.
    public static func compare(_ name: String, _ inputs: [Tensor], tolerance: Float = 1e-4, finiteDifferences: Bool = true,
                               gradientTolerance: Float = 2e-2, _ f: @escaping ([Tensor]) -> Tensor) -> Result {
        let cpu = inputs.map { $0.copy().requiringGrad() }
        let gpu = inputs.map { $0.to(.cuda).detached.requiringGrad() }
        let (yc, yg) = (f(cpu), f(gpu))
        var rng = RandomGenerator(seed: 11)
        let projection = Tensor.randomNormal(yc.shape, using: &rng)
        (yc * projection).sum().backward()
        (yg * projection.to(.cuda)).sum().backward()
        let forward = difference(yc, yg)
        var gradient: Float = 0
        for (c, g) in zip(cpu, gpu) {
            switch (c.grad, g.grad) {
            case let (a?, b?): gradient = max(gradient, difference(a, b))
            case (nil, nil): break
            default: gradient = .infinity
            }
        }
        var numeric: Float? = nil
        if finiteDifferences {
            numeric = GradientCheck.run(inputs) { xs in f(xs.map { $0.to(.cuda) }).to(.cpu) }.worst
        }
        let passed = forward <= tolerance && gradient <= tolerance && (numeric ?? 0) <= gradientTolerance
        return Result(name: name, forwardError: forward, gradientError: gradient, finiteDifferenceError: numeric, passed: passed)
    }

    private static func random(_ shape: [Int], seed: UInt64, positive: Bool = false) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return positive ? Tensor.randomUniform(shape, low: 0.5, high: 2, using: &rng)
                        : Tensor.randomUniform(shape, low: -1, high: 1, using: &rng)
    }

    /// Every op with a CUDA version, on small shapes that reach each kernel's paths.
    public static var engineCases: [Case] {
        var cases: [Case] = []
        func add(_ name: String, _ shapes: [[Int]], positive: Bool = false, tolerance: Float = 1e-4, finiteDifferences: Bool = true,
                 _ f: @escaping @Sendable ([Tensor]) -> Tensor) {
            cases.append(Case(name) {
                let inputs = shapes.enumerated().map { random($1, seed: UInt64(31 + $0), positive: positive) }
                return compare(name, inputs, tolerance: tolerance, finiteDifferences: finiteDifferences, f)
            })
        }
        add("exp", [[3, 70]]) { $0[0].exp() }
        add("log", [[3, 70]], positive: true) { $0[0].log() }
        add("sqrt", [[3, 70]], positive: true) { $0[0].sqrt() }
        add("tanh", [[3, 70]]) { $0[0].tanh() }
        add("sigmoid", [[3, 70]]) { ($0[0] * 8).sigmoid() }
        add("relu", [[3, 70]], finiteDifferences: false) { $0[0].relu() }
        add("leakyRelu", [[3, 70]], finiteDifferences: false) { $0[0].leakyRelu(slope: 0.1) }
        add("gelu", [[3, 70]]) { ($0[0] * 3).gelu() }
        add("affine and scalar ops", [[4, 5]], positive: true) { 2 - $0[0] * 3 + 1 / $0[0] }
        add("add, sub, mul, div (same shape)", [[4, 6], [4, 6]], positive: true) { ($0[0] + $0[1]) * ($0[0] - $0[1]) / $0[1] }
        add("broadcast [2,3,4] with [3,1] and [4]", [[2, 3, 4], [3, 1], [4]]) { $0[0] * $0[1] + $0[2] }
        add("broadcast to a larger shape", [[3, 1]]) { $0[0].broadcast(to: [2, 3, 5]) }
        add("sum along axes (short and long)", [[3, 300]]) { $0[0].sum(axis: 1) + $0[0].sum(axis: 0).sum() }
        add("sum over a middle axis", [[2, 80, 3]]) { $0[0].sum(axis: 1) }
        add("mean of all", [[5, 7]]) { $0[0].mean() }
        cases.append(Case("item reads a sum back") {
            let x = random([40, 25], seed: 3)
            let (cpu, gpu) = (x.sum().item, x.to(.cuda).sum().item)
            let error = abs(cpu - gpu) / max(1, abs(cpu))
            return Result(name: "item reads a sum back", forwardError: error, gradientError: 0, finiteDifferenceError: nil, passed: error <= 1e-4)
        })
        add("sum of all, 30,000 elements", [[100, 300]], finiteDifferences: false) { $0[0].sum() }
        add("ops on an offset view (a parameter's gradient)", [[2, 300]], finiteDifferences: false) { x in
            let v = x[0].detached.view(37..<537, shape: [20, 25])
            return v.squared().sum() + v.sum(axis: 0).sum() + x[0].mean()  // the mean keeps a gradient to compare
        }
        add("max along an axis", [[4, 9]], finiteDifferences: false) { $0[0].max(axis: 1) }
        add("softmax", [[5, 10]]) { $0[0].softmax(axis: -1) }
        add("logSoftmax along axis 0", [[6, 4]]) { $0[0].logSoftmax(axis: 0) }
        add("softmaxCrossEntropy", [[6, 10]]) { Tensor.softmaxCrossEntropy(logits: $0[0] * 4, labels: [0, 3, 9, 3, 5, 1]) }
        add("softmaxCrossEntropyPerRow", [[4, 5]]) { Tensor.softmaxCrossEntropyPerRow(logits: $0[0], labels: [4, 0, 2, 2]) }
        add("matmul", [[5, 7], [7, 3]]) { matmul($0[0], $0[1]) }
        add("matmul transposed", [[7, 5], [3, 7]]) { matmul($0[0], $0[1], transposeA: true, transposeB: true) }
        add("matmul batched with a shared matrix", [[2, 4, 3], [3, 5]]) { matmul($0[0], $0[1]) }
        add("linear", [[6, 5], [4, 5], [4]]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        for activation in Activation.allCases {
            add("dense \(activation.rawValue)", [[6, 5], [4, 5], [4]], finiteDifferences: activation != .relu && activation != .leakyRelu) {
                Tensor.dense($0[0], weight: $0[1], bias: $0[2], activation: activation)
            }
            add("conv2d \(activation.rawValue), padding 1", [[2, 3, 6, 5], [4, 3, 3, 3], [4]], finiteDifferences: activation != .relu && activation != .leakyRelu) {
                Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 1, activation: activation)
            }
        }
        add("conv2d stride 2, no bias", [[2, 2, 7, 7], [3, 2, 3, 3]]) { Tensor.conv2d($0[0], weight: $0[1], stride: 2, padding: 0) }
        add("conv2d 5×5 'same' (the cnn preset's)", [[2, 4, 8, 8], [6, 4, 5, 5], [6]], finiteDifferences: false) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 2, activation: .relu)
        }
        add("maxPool2d 2×2", [[2, 3, 6, 4]], finiteDifferences: false) { $0[0].maxPool2d(kernel: 2) }
        add("maxPool2d 3×3 stride 2 (overlapping)", [[2, 2, 7, 7]], finiteDifferences: false) { $0[0].maxPool2d(kernel: 3, stride: 2) }
        add("permuted", [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) }
        add("slice and concat", [[4, 6]]) { Tensor.concat([$0[0].slice(axis: 1, 1..<4), $0[0].slice(axis: 1, 0..<2)], axis: 1) }
        add("gather with repeats", [[5, 3]]) { $0[0].gather([4, 0, 4, 2], axis: 0) }
        add("reshape", [[2, 6]]) { $0[0].reshaped([3, 4]).transposed() }
        add("dropout (same mask on both devices)", [[8, 16]], finiteDifferences: false) { x in
            var rng = RandomGenerator(seed: 5)
            return x[0].dropout(p: 0.3, rng: &rng)
        }
        return cases
    }

    /// Every kernel source the engine compiles, with the generated elementwise kernels for every
    /// scalar function and activation: what NVRTC must accept.
    public static var engineKernels: [GPUKernel] {
        let activations = Activation.allCases.map(\.function)
        let unary: [CUDAExpression] = [Fn.Affine(scale: 2, shift: 1).cuda!, Fn.Exp().cuda!, Fn.Log().cuda!, Fn.Sqrt().cuda!]
            + activations.map(\.cudaForward)
        let binary: [CUDAExpression] = [Fn.Add().cuda!, Fn.Sub().cuda!, Fn.Mul().cuda!, Fn.Div().cuda!, Fn.SqrtGrad().cuda!]
            + activations.map(\.cudaDerivative)
        return unary.map(GPUKernels.mapKernel) + binary.flatMap { [GPUKernels.zipKernel($0), GPUKernels.broadcastKernel($0)] }
            + activations.flatMap { a in
                [GPUKernels.denseEpilogueKernel(a.cudaForward), Tensor.convEpilogue(a.cudaForward), Tensor.convGradient(a.cudaDerivative)]
            }
            + [GPUKernels.sumLanes, GPUKernels.sumLanesShort, GPUKernels.maxLanes, GPUKernels.maxLanesBackward,
               GPUKernels.copyBlocksKernel, GPUKernels.gatherKernel, GPUKernels.scatterAddKernel, GPUKernels.permuteKernel,
               Tensor.softmaxKernel, Tensor.crossEntropyKernel, Tensor.crossEntropyBackwardKernel,
               Tensor.im2colKernel, Tensor.col2imKernel, Tensor.maxPoolForwardKernel, Tensor.maxPoolBackwardKernel,
               GPUKernels.dropoutMaskKernel]
    }

    /// Compiles `kernels` with NVRTC for `architecture` (no GPU needed) and returns the failures.
    public static func compileAll(_ kernels: [GPUKernel], architecture: String = "sm_90") throws -> [(kernel: String, error: String)] {
        let nvrtc = try NVRTC.shared()
        var seen = Set<String>()
        var failures: [(String, String)] = []
        for k in kernels where seen.insert(k.source).inserted {
            do { _ = try nvrtc.compile(k.source, name: k.name, architecture: architecture) } catch { failures.append((k.name, "\(error)")) }
        }
        return failures
    }
}
