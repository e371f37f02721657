import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffNN

/// Training on a device: the CPU path of the device API everywhere, the optimizer kernels through
/// NVRTC where it is installed, and CPU/CUDA training parity where a GPU is.
@Suite struct DeviceTrainingTests {
    @Test func movingAModelToTheCPUChangesNothing() throws {
        let model = NeuralPreset.mlpSmall.model(inputShape: [4], classes: 3, activation: .relu, seed: 1)
        let before = model.arena.snapshot()
        model.move(to: .cpu)
        #expect(model.device == .cpu)
        #expect(model.arena.snapshot() == before)
    }

    @Test func aCPULearnerKeepsItsConfiguration() {
        // Stores key results by configuration: CPU runs keep the keys they had before devices existed.
        #expect(NeuralLearner(preset: .mlpSmall).configuration["device"] == nil)
    }

    @Test(.enabled(if: (try? NVRTC.shared()) != nil, "NVRTC is not installed: the optimizer kernels were not compiled"))
    func optimizerKernelsCompileWithNVRTC() throws {
        let failures = try ParityCheck.compileAll(NeuralParity.kernels)
        #expect(failures.isEmpty, "\(failures.map { "\($0.kernel): \($0.error)" })")
    }

    @Test(.enabled(if: GPU.isAvailable, "no CUDA GPU on this machine: CPU/CUDA training parity not checked"),
          arguments: NeuralParity.cases.map(\.name))
    func cudaTrainingMatchesCPU(_ name: String) throws {
        let check = try #require(NeuralParity.cases.first { $0.name == name })
        let result = check.run()
        #expect(result.passed, "\(result.line)")
    }

    @Test(.enabled(if: GPU.isAvailable, "no CUDA GPU on this machine: the GPU memory check not run"))
    func cudaTrainingThatCannotFitIsAnError() throws {
        // One feature, so the data are small; one batch of all of them through 4,096 units is not.
        let free = GPU.current.memoryInfo.free
        let n = free / (4 * 2 * 4098) + 1000
        let data = Dataset(name: "wide", features: Tensor.zeros([n, 1]), labels: (0..<n).map { $0 % 2 }, classNames: ["a", "b"])
        let model = Sequential(inputShape: [1], seed: 1) { Dense(4096, activation: .relu); Dense(2) }
        model.move(to: .cuda)
        var options = TrainingOptions()
        options.batchSize = n
        options.epochs = 1
        try #require(Trainer.minimumStepBytes(model, batch: n) > free, "this GPU has \(free) bytes free: the step fits")
        #expect(throws: TrainingError.self) { try Trainer(options: options).fit(model, train: data, validation: nil, seed: 1) }
    }

    @Test(.enabled(if: GPU.isAvailable, "no CUDA GPU on this machine: a GPU-trained model's scoring and saving not checked"))
    func cudaTrainedModelScoresOnTheGPUAndSavesForTheCPU() throws {
        var learner = NeuralLearner(preset: .mlpSmall)
        (learner.epochs, learner.device) = (2, .cuda)
        let model = try learner.fitNetwork(blobs(perClass: 20, seed: 1), seed: 3).model
        #expect(model.network.device == .cuda)
        let x = blobs(perClass: 5, seed: 9).features
        let scores = model.scores(x)
        #expect(scores.device == .cpu)
        let standardized = x.reshaped([x.shape[0]] + model.network.inputShape)
        let inBatches = model.network.predict(standardized, batchSize: 4).scalars
        #expect(zip(inBatches, model.network.predict(standardized).scalars).allSatisfy { abs($0 - $1) <= 1e-5 })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try NeuralModel.load(from: url)
        #expect(loaded.network.device == .cpu)
        #expect(zip(scores.scalars, loaded.scores(x).scalars).allSatisfy { abs($0 - $1) <= 1e-5 })
    }
}
