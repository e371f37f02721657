import Foundation
import Synchronization

/// A CUDA C kernel: its entry point and source. Sources are compiled with NVRTC for the GPU's
/// architecture on first launch and kept for the process (one compile per distinct source); the
/// kernel object then holds its loaded function, so a launch looks nothing up.
public final class GPUKernel: @unchecked Sendable {
    /// The `extern "C" __global__` function to launch.
    public let name: String
    /// CUDA C source defining it (and possibly others).
    public let source: String
    /// The loaded function, set at the first launch (under the GPU's lock).
    var function: UnsafeMutableRawPointer?

    public init(_ name: String, source: String) {
        self.name = name
        self.source = source
    }

    private static let generated = Mutex<[String: GPUKernel]>([:])

    /// The kernel `name` generated for `key` (e.g. a scalar function's CUDA C), made once by `source`.
    static func generated(_ name: String, key: String, _ source: () -> String) -> GPUKernel {
        generated.withLock { cache in
            if let kernel = cache[name + "\u{0}" + key] { return kernel }
            let kernel = GPUKernel(name, source: source())
            cache[name + "\u{0}" + key] = kernel
            return kernel
        }
    }
}

/// One argument of a kernel launch, as the kernel's C parameter list declares it.
public enum KernelArgument {
    /// A `float*` (device memory).
    case pointer(UnsafeMutablePointer<Float>)
    /// A `long long`.
    case int(Int)
    /// A `float`.
    case float(Float)
    /// A by-value `struct { long long v[k]; }`.
    case ints([Int])

    var byteCount: Int {
        switch self {
        case .pointer, .int: 8
        case .float: 4
        case let .ints(values): 8 * max(values.count, 1)
        }
    }

    func store(at p: UnsafeMutableRawPointer) {
        switch self {
        case let .pointer(x): p.storeBytes(of: UInt64(UInt(bitPattern: x)), as: UInt64.self)
        case let .int(x): p.storeBytes(of: Int64(x), as: Int64.self)
        case let .float(x): p.storeBytes(of: x, as: Float.self)
        case let .ints(values): for (i, v) in values.enumerated() { p.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) }
        }
    }
}

extension Tensor {
    /// This tensor's device memory as a kernel argument.
    public var kernelArgument: KernelArgument { .pointer(address) }
}

/// Compiled modules, by source.
final class ModuleCache: @unchecked Sendable {
    private var modules: [String: UnsafeMutableRawPointer] = [:]

    func function(_ kernel: GPUKernel, on gpu: GPU) throws -> UnsafeMutableRawPointer {
        if let f = kernel.function { return f }
        let module: UnsafeMutableRawPointer
        if let m = modules[kernel.source] {
            module = m
        } else {
            let arch = "sm_\(gpu.computeCapability.major)\(gpu.computeCapability.minor)"
            let cubin = try gpu.nvrtc.compile(kernel.source, name: kernel.name, architecture: arch)
            var loaded: Handle = nil
            try cubin.withUnsafeBytes { try gpu.driver.check(gpu.driver.cuModuleLoadData(&loaded, $0.baseAddress!), "cuModuleLoadData(\(kernel.name))") }
            module = loaded!
            modules[kernel.source] = module
        }
        var function: Handle = nil
        try gpu.driver.check(gpu.driver.cuModuleGetFunction(&function, module, kernel.name), "cuModuleGetFunction(\(kernel.name))")
        kernel.function = function!
        return function!
    }
}

extension GPU {
    private static let cache = ModuleCache()

    /// Queues `kernel` on `blocks` blocks of `threads` threads with `arguments` in the order of its
    /// parameter list.
    public func launch(_ kernel: GPUKernel, blocks: Int, threads: Int = 256, _ arguments: [KernelArgument]) {
        guard blocks > 0, !failed else { return }
        let total = arguments.reduce(0) { $0 + ($1.byteCount + 7) / 8 * 8 }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 8), alignment: 8)
        defer { storage.deallocate() }
        var slots: [UnsafeMutableRawPointer?] = []
        var offset = 0
        for argument in arguments {
            argument.store(at: storage + offset)
            slots.append(storage + offset)
            offset += (argument.byteCount + 7) / 8 * 8
        }
        lock.withLock { _ in
            setCurrent()
            let function: UnsafeMutableRawPointer
            do { function = try GPU.cache.function(kernel, on: self) } catch { return fail(error) }
            let result = slots.withUnsafeMutableBufferPointer {
                driver.cuLaunchKernel(function, UInt32(blocks), 1, 1, UInt32(threads), 1, 1, 0, stream,
                                      $0.baseAddress, nil)
            }
            must(result, "cuLaunchKernel(\(kernel.name), \(blocks) blocks of \(threads))")
        }
    }

    /// Queues `kernel` with one thread per element of `count` (kernels read their index as
    /// `blockIdx.x * blockDim.x + threadIdx.x` and return past `count`).
    public func launch(_ kernel: GPUKernel, count: Int, _ arguments: [KernelArgument]) {
        launch(kernel, blocks: (count + 255) / 256, threads: 256, arguments)
    }
}
