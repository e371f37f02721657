import TakeoffData
import TakeoffEngine

/// CPU-against-CUDA checks above the ops: optimizer updates and whole training runs (same seed,
/// same dropout masks, same batches), comparing the resulting weights.
public enum NeuralParity {
    /// Optimizer steps and short training runs of an MLP and a small CNN.
    public static var cases: [ParityCheck.Case] {
        [
            ParityCheck.Case("adam step (L2 decay)") { optimizerStep(.adam(weightDecay: 0.01), name: "adam step (L2 decay)") },
            ParityCheck.Case("adamw step") { optimizerStep(.adamW(), name: "adamw step") },
            ParityCheck.Case("sgd nesterov step") { optimizerStep(.sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-3), name: "sgd nesterov step") },
            ParityCheck.Case("mlp, 2 epochs with dropout") {
                training("mlp, 2 epochs with dropout", shape: [12]) {
                    Dense(32, activation: .relu)
                    Dropout(0.2)
                    Dense(3)
                }
            },
            ParityCheck.Case("cnn with batchnorm, 2 epochs") {
                // SGD: the biases before a batch norm get only rounding noise as gradient, which Adam
                // would scale up to full steps that differ between devices.
                training("cnn with batchnorm, 2 epochs", shape: [1, 6, 6], optimizer: .sgd(momentum: 0.9)) {
                    Conv2D(4, kernel: 3)
                    BatchNorm()
                    ActivationLayer(.relu)
                    Flatten()
                    Dense(8)
                    BatchNorm()
                    ActivationLayer(.relu)
                    Dense(3)
                }
            },
            ParityCheck.Case("cnn, 2 epochs") {
                training("cnn, 2 epochs", shape: [1, 6, 6]) {
                    Conv2D(4, kernel: 3, activation: .relu)
                    MaxPool2D(2)
                    Flatten()
                    Dense(3)
                }
            },
        ]
    }

    /// The GPU kernels of this module, for the NVRTC compile check.
    public static var kernels: [GPUKernel] { [OptimizerKernels.sgd, OptimizerKernels.adam] }

    private static func optimizerStep(_ kind: OptimizerKind, name: String) -> ParityCheck.Result {
        let make = { Sequential(inputShape: [5], seed: 3) { Dense(4, activation: .tanh); Dense(2) } }
        let (cpu, gpu) = (make(), make())
        gpu.move(to: .cuda)
        let (oc, og) = (kind.make(for: cpu.arena), kind.make(for: gpu.arena))
        var rng = RandomGenerator(seed: 9)
        for _ in 0..<3 {
            let g = Tensor.randomNormal([cpu.arena.count], using: &rng)
            cpu.arena.flatGradients.assign(from: g)
            gpu.arena.flatGradients.assign(from: g)
            oc.step(cpu.arena, learningRate: 0.01)
            og.step(gpu.arena, learningRate: 0.01)
        }
        let error = ParityCheck.difference(cpu.arena.flatValues, gpu.arena.flatValues)
        return ParityCheck.Result(name: name, forwardError: error, gradientError: 0, finiteDifferenceError: nil, passed: error <= 1e-5)
    }

    private static func training(_ name: String, shape: [Int], optimizer: OptimizerKind = TrainingOptions().optimizer,
                                 @LayerBuilder _ layers: () -> [any Layer]) -> ParityCheck.Result {
        let count = 96, features = shape.reduce(1, *)
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.randomNormal([count, features], using: &rng)
        let labels = (0..<count).map { _ in rng.below(3) }
        let data = Dataset(name: "parity", features: x, labels: labels, classNames: ["a", "b", "c"],
                           imageShape: shape.count == 3 ? shape : nil)
        var options = TrainingOptions()
        options.epochs = 2
        options.batchSize = 16
        options.patience = nil
        options.optimizer = optimizer
        let (cpu, gpu) = (Sequential(inputShape: shape, seed: 3, layers), Sequential(inputShape: shape, seed: 3, layers))
        do {
            gpu.move(to: .cuda)
            let hc = try Trainer(options: options).fit(cpu, train: data, validation: nil, seed: 1)
            let hg = try Trainer(options: options).fit(gpu, train: data, validation: nil, seed: 1)
            // Weights, running statistics and inference-mode outputs.
            let images = x.reshaped([count] + shape)
            let states = [(cpu.arena.flatValues, gpu.arena.flatValues), (cpu.predict(images), gpu.predict(images))]
                + zip(cpu.namedBuffers, gpu.namedBuffers).map { ($0.value, $1.value) }
            let weights = states.map { ParityCheck.difference($0, $1) }.max()!
            let losses = zip(hc.stepLosses, hg.stepLosses).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? .infinity
            // The GPU's step times (from marks on its stream): one per step, in order.
            let timed = hg.stepSeconds.count == hg.stepLosses.count && zip(hg.stepSeconds, hg.stepSeconds.dropFirst()).allSatisfy { $0 <= $1 }
            return ParityCheck.Result(name: timed ? name : "\(name): GPU step times out of order", forwardError: losses, gradientError: weights,
                                      finiteDifferenceError: nil, passed: losses <= 1e-3 && weights <= 1e-3 && timed)
        } catch {
            return failure(name, error)
        }
    }

    private static func failure(_ name: String, _ error: any Error) -> ParityCheck.Result {
        ParityCheck.Result(name: "\(name): \(error)", forwardError: .infinity, gradientError: .infinity, finiteDifferenceError: nil, passed: false)
    }
}
