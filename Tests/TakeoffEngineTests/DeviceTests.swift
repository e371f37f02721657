import Testing
import TakeoffEngine

/// The device layer on any machine (names, the missing-CUDA error, the device-neutral tensor API), the
/// CUDA kernels' sources through NVRTC where it is installed, and CPU/CUDA parity where a GPU is.
@Suite struct DeviceTests {
    @Test func deviceNames() throws {
        #expect(try Device.named("cpu") == .cpu)
        #expect(try Device.named("auto") == (GPU.isAvailable ? .cuda : .cpu))
        #expect(throws: DeviceNameError.self) { try Device.named("tpu") }
    }

    @Test(.enabled(if: !GPU.isAvailable, "a GPU is present, so the missing-CUDA error cannot be seen"))
    func missingCUDAIsAClearError() {
        do {
            _ = try Device.named("cuda")
            Issue.record("asking for cuda without a GPU did not throw")
        } catch let error as GPUError {
            #expect("\(error)".hasPrefix("CUDA: "), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func movingToTheSameDeviceKeepsTheTensor() {
        let t = random([2, 3], seed: 1)
        #expect(t.device == .cpu)
        #expect(t.to(.cpu).scalars == t.scalars)
    }

    @Test func assignWritesThroughAView() {
        let t = Tensor.zeros([2, 3])
        t.view(2..<5).assign(from: Tensor([1, 2, 3], shape: [3]))
        #expect(t.scalars == [0, 0, 1, 2, 3, 0])
        t.view(0..<1, shape: []).fill(9)
        #expect(t.scalars == [9, 0, 1, 2, 3, 0])
    }

    @Test func gatherByTensorIndicesMatchesGatherByArray() {
        let x = random([5, 3], seed: 2)
        let indices = [4, 0, 4, 2]
        let byArray = x.gather(indices, axis: 0)
        let byTensor = x.gather(Tensor(indices.map { Float($0) }, shape: [4]), axis: 0)
        #expect(byTensor.scalars == byArray.scalars)
        expectGradients([x]) { $0[0].gather(Tensor([4, 0, 4, 2], shape: [4]), axis: 0) }
    }

    @Test func crossEntropyWithTensorLabelsMatches() {
        let logits = random([4, 5], seed: 3).requiringGrad()
        let labels = [4, 0, 2, 2]
        let a = Tensor.softmaxCrossEntropy(logits: logits, labels: labels)
        let b = Tensor.softmaxCrossEntropy(logits: logits, labels: Tensor(labels.map { Float($0) }, shape: [4]))
        #expect(a.item == b.item)
    }

    @Test func toIsOnTheTape() {
        // Moving to the same device is the identity; the gradient of a moved tensor reaches the original.
        let x = random([3], seed: 4).requiringGrad()
        (x.to(.cpu) * 2).sum().backward()
        #expect(x.grad?.scalars == [2, 2, 2])
    }

    @Test(.enabled(if: (try? NVRTC.shared()) != nil, "NVRTC is not installed: the CUDA kernel sources were not compiled"))
    func everyKernelCompilesWithNVRTC() throws {
        for architecture in ["sm_80", "sm_90"] {
            let failures = try ParityCheck.compileAll(ParityCheck.engineKernels, architecture: architecture)
            #expect(failures.isEmpty, "\(architecture): \(failures.map { "\($0.kernel): \($0.error)" }.joined(separator: "\n"))")
        }
    }

    @Test(.enabled(if: (try? NVRTC.shared()) != nil, "NVRTC is not installed: its error path was not checked"))
    func aBrokenKernelReportsTheCompilerLog() throws {
        let broken = GPUKernel("broken", source: #"extern "C" __global__ void broken(float* y) { y[0] = undefined_name; }"#)
        let failures = try ParityCheck.compileAll([broken])
        #expect(failures.count == 1)
        #expect(failures.first?.error.contains("undefined_name") == true, "\(failures)")
    }

    @Test(.enabled(if: GPU.isAvailable, "no CUDA GPU on this machine: CPU/CUDA parity not checked"),
          arguments: ParityCheck.engineCases.map(\.name))
    func cudaMatchesCPU(_ name: String) throws {
        let check = try #require(ParityCheck.engineCases.first { $0.name == name })
        let result = check.run()
        #expect(result.passed, "\(result.line)")
    }
}
