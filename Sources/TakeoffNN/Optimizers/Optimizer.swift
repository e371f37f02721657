import CVectorKernels
import Foundation
import TakeoffEngine

/// Updates a model's parameters from their gradients, in one pass over the flat arena.
public protocol Optimizer: AnyObject {
    /// Applies one update with the given learning rate.
    func step(_ arena: ParameterArena, learningRate: Float)
}

/// Which optimizer, with its hyperparameters; ``make(for:)`` creates its state for a model.
public enum OptimizerKind: Sendable, Equatable, CustomStringConvertible {
    case sgd(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0)
    case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0)
    /// Adam with decoupled weight decay (Loshchilov and Hutter).
    case adamW(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01)

    public func make(for arena: ParameterArena) -> any Optimizer {
        switch self {
        case let .sgd(m, n, wd): SGD(count: arena.count, momentum: m, nesterov: n, weightDecay: wd, device: arena.device)
        case let .adam(b1, b2, e, wd):
            Adam(count: arena.count, beta1: b1, beta2: b2, epsilon: e, weightDecay: wd, decoupled: false, device: arena.device)
        case let .adamW(b1, b2, e, wd):
            Adam(count: arena.count, beta1: b1, beta2: b2, epsilon: e, weightDecay: wd, decoupled: true, device: arena.device)
        }
    }

    public var description: String {
        switch self {
        case let .sgd(m, n, wd): "sgd(momentum=\(m), nesterov=\(n), wd=\(wd))"
        case let .adam(b1, b2, e, wd): "adam(b1=\(b1), b2=\(b2), eps=\(e), wd=\(wd))"
        case let .adamW(b1, b2, e, wd): "adamw(b1=\(b1), b2=\(b2), eps=\(e), wd=\(wd))"
        }
    }
}

/// Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay.
public final class SGD: Optimizer {
    let momentum: Float, nesterov: Bool, weightDecay: Float
    private let velocity: Storage

    public init(count: Int, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0, device: Device = .cpu) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocity = Storage(zeros: count, device: device)
    }

    public func step(_ arena: ParameterArena, learningRate lr: Float) {
        precondition(arena.device == velocity.device, "SGD: state on \(velocity.device) for parameters on \(arena.device)")
        switch arena.device {
        case .cpu: break
        case .cuda:
            GPU.current.launch(OptimizerKernels.sgd, count: arena.count, [
                arena.flatValues.kernelArgument, arena.flatGradients.kernelArgument, Tensor(storage: velocity, shape: [arena.count]).kernelArgument,
                .int(arena.count), .int(arena.decayCount), .float(lr), .float(momentum), .float(weightDecay), .int(nesterov ? 1 : 0)])
            return
        }
        let w = arena.values.base, g = arena.gradients.base, v = velocity.base
        let (mu, nesterov, decayCount) = (momentum, nesterov, arena.decayCount)
        let wd = weightDecay
        Parallel.ranges(arena.count, cost: 2) { lo, hi in
            for i in lo..<hi {
                let grad = g[i] + (i < decayCount ? wd * w[i] : 0)
                if mu == 0 { w[i] -= lr * grad; continue }
                v[i] = mu * v[i] + grad
                w[i] -= lr * (nesterov ? grad + mu * v[i] : v[i])
            }
        }
    }
}

/// Adam (Kingma and Ba) with bias correction; L2 decay added to the gradient, or decoupled (AdamW).
public final class Adam: Optimizer {
    let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool
    private let m: Storage, v: Storage
    private var t = 0

    public init(count: Int, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false, device: Device = .cpu) {
        (self.beta1, self.beta2, self.epsilon, self.weightDecay, self.decoupled) = (beta1, beta2, epsilon, weightDecay, decoupled)
        m = Storage(zeros: count, device: device)
        v = Storage(zeros: count, device: device)
    }

    public func step(_ arena: ParameterArena, learningRate lr: Float) {
        t += 1
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(t)))
        let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(t)))
        let (stepSize, rootC2) = (lr / c1, c2.squareRoot())
        let (gradDecay, weightDecay) = decoupled ? (Float(0), lr * self.weightDecay) : (self.weightDecay, Float(0))
        precondition(arena.device == m.device, "Adam: state on \(m.device) for parameters on \(arena.device)")
        switch arena.device {
        case .cpu: break
        case .cuda:
            let (n, state) = (arena.count, { (s: Storage) in Tensor(storage: s, shape: [arena.count]).kernelArgument })
            GPU.current.launch(OptimizerKernels.adam, count: n, [
                arena.flatValues.kernelArgument, arena.flatGradients.kernelArgument, state(m), state(v), .int(n), .int(arena.decayCount),
                .float(beta1), .float(beta2), .float(epsilon), .float(stepSize), .float(rootC2), .float(gradDecay), .float(weightDecay)])
            return
        }
        let w = arena.values.base, g = arena.gradients.base, m = m.base, v = v.base
        let (b1, b2, eps, decayCount, isa) = (beta1, beta2, epsilon, arena.decayCount, Self.isa)
        Parallel.ranges(arena.count, cost: 4) { lo, hi in
            let split = Swift.min(Swift.max(lo, decayCount), hi)
            takeoff_adam(isa, w + lo, g + lo, m + lo, v + lo, split - lo, b1, b2, eps, stepSize, rootC2, gradDecay, weightDecay)
            takeoff_adam(isa, w + split, g + split, m + split, v + split, hi - split, b1, b2, eps, stepSize, rootC2, 0, 0)
        }
    }

    private static let isa = takeoff_best_isa()
}

/// The optimizers' updates on the GPU: the same arithmetic as the CPU loops above, one thread per parameter.
enum OptimizerKernels {
    static let source = """
    extern "C" __global__ void sgd(float* w, const float* g, float* v, long long n, long long decayCount,
                                   float lr, float mu, float wd, long long nesterov) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n) return;
        float grad = g[i] + (i < decayCount ? wd * w[i] : 0.0f);
        if (mu == 0.0f) { w[i] -= lr * grad; return; }
        float vi = mu * v[i] + grad;
        v[i] = vi;
        w[i] -= lr * (nesterov ? grad + mu * vi : vi);
    }

    extern "C" __global__ void adam(float* w, const float* g, float* m, float* v, long long n, long long decayCount,
                                    float b1, float b2, float eps, float stepSize, float rootC2, float gradDecay, float weightDecay) {
        long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        if (i >= n) return;
        bool decays = i < decayCount;
        float wi = w[i];
        float grad = g[i] + (decays ? gradDecay * wi : 0.0f);
        float mi = b1 * m[i] + (1.0f - b1) * grad;
        float vi = b2 * v[i] + (1.0f - b2) * grad * grad;
        w[i] = wi - (decays ? weightDecay * wi : 0.0f) - stepSize * mi / (sqrtf(vi) / rootC2 + eps);
        m[i] = mi;
        v[i] = vi;
    }
    """
    static let sgd = GPUKernel("sgd", source: source)
    static let adam = GPUKernel("adam", source: source)
}

/// How the learning rate changes with the step.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    /// Multiplies by `factor` every `every` steps.
    case step(every: Int, factor: Float)
    /// Cosine decay from the base rate to `floor`·base over `total` steps.
    case cosine(total: Int, floor: Float = 0)
    /// Linear warm-up over `steps`, then the inner schedule (counted from the end of warm-up).
    indirect case warmup(steps: Int, then: LearningRateSchedule)

    /// The rate at `step` (0-based) for base rate `base`.
    public func rate(step: Int, base: Float) -> Float {
        switch self {
        case .constant: return base
        case let .step(every, factor): return base * Float(Foundation.pow(Double(factor), Double(step / Swift.max(every, 1))))
        case let .cosine(total, floor):
            let p = Double(Swift.min(step, total)) / Double(Swift.max(total, 1))
            return base * (floor + (1 - floor) * Float(0.5 * (1 + Foundation.cos(Double.pi * p))))
        case let .warmup(steps, then):
            return step < steps ? base * Float(step + 1) / Float(steps) : then.rate(step: step - steps, base: base)
        }
    }
}
