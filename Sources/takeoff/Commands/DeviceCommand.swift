import ArgumentParser
import Foundation
import TakeoffEngine
import TakeoffNN

struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "The CUDA backend: what was found, and its checks against the CPU.",
        subcommands: [Info.self, Check.self, Compile.self],
        defaultSubcommand: Info.self)
}

extension DeviceCommand {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the GPU and CUDA libraries found, or what is missing.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            do {
                let gpu = try GPU.shared()
                let memory = gpu.memoryInfo
                print("cuda: \(gpu.summary)")
                print("memory: \(MemoryLimit.gibibytes(Double(memory.free))) free of \(MemoryLimit.gibibytes(Double(memory.total)))")
            } catch {
                print("cuda: not available — \(error)")
            }
            print("cpu: \(Parallel.threadCount) threads, OpenBLAS \(BLAS.coreName)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every op, optimizer and a short training run on the CPU and the GPU and compare (exit status 1 on any failure).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only checks whose name contains this.") var filter: String?

        func run() throws {
            try global.apply()
            let gpu: GPU
            do { gpu = try GPU.shared() } catch { throw ValidationError("\(error)") }
            print("cuda: \(gpu.summary)")
            let cases = (ParityCheck.engineCases + NeuralParity.cases).filter { filter == nil || $0.name.contains(filter!) }
            var failed = 0
            let start = Benchmarks.now()
            for c in cases {
                let result = c.run()
                print(result.line)
                if !result.passed { failed += 1 }
            }
            print(String(format: "%d checks, %d failed, %.1f s", cases.count, failed, Benchmarks.now() - start))
            try GPU.throwIfFailed()  // the cause, when the GPU itself failed
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile every CUDA kernel with NVRTC for an architecture (no GPU needed; exit status 1 on any error).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "GPU architecture, e.g. sm_90 (H100/H200), sm_80 (A100), sm_89 (L4).") var architecture = "sm_90"

        func run() throws {
            try global.apply()
            let nvrtc: NVRTC
            do { nvrtc = try NVRTC.shared() } catch { throw ValidationError("\(error)") }
            let kernels = ParityCheck.engineKernels + NeuralParity.kernels
            let failures = try ParityCheck.compileAll(kernels, architecture: architecture)
            for f in failures { print("FAIL \(f.kernel): \(f.error)") }
            print("NVRTC \(nvrtc.version): \(Set(kernels.map(\.source)).count) programs for \(architecture), \(failures.count) failed")
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
