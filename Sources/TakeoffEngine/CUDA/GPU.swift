import Foundation
import Synchronization

/// The NVIDIA GPU that CUDA tensors live on: its context, one stream that every kernel, copy and
/// GEMM is queued on in program order, stream-ordered memory, cuBLAS and the compiled kernels.
///
/// Nothing waits for the GPU except reading values back (``Tensor/item``, ``Tensor/scalars``,
/// ``Tensor/to(_:)`` to the CPU), so the host queues a training step and moves on.
public final class GPU: @unchecked Sendable {
    /// The device's name, e.g. `NVIDIA H100 80GB HBM3`.
    public let name: String
    /// The compute capability, e.g. (9, 0) for Hopper.
    public let computeCapability: (major: Int, minor: Int)
    /// Streaming multiprocessors.
    public let multiprocessors: Int
    /// Device memory in bytes.
    public let memoryBytes: Int
    /// The driver's CUDA version, e.g. 13000 for 13.0.
    public let driverVersion: Int

    let driver: CUDADriver
    let nvrtc: NVRTC
    let cublas: CuBLAS
    let context: UnsafeMutableRawPointer
    let stream: UnsafeMutableRawPointer
    let blasHandle: UnsafeMutableRawPointer
    /// Serialises cuBLAS calls, the kernel cache and the staging ring; every queued operation sets the context first.
    let lock = Mutex(())
    /// Pinned host buffers that small uploads pass through (see ``upload(_:to:count:)``).
    private let staging: [(buffer: UnsafeMutableRawPointer, done: UnsafeMutableRawPointer)]
    private static let stagingBytes = 4 << 20
    nonisolated(unsafe) private var nextStage = 0
    private let tf32 = Atomic<Bool>(false)
    /// The first call that failed; from then on the GPU queues nothing (see ``must(_:_:)``). Static, so
    /// asking costs nothing and starts no GPU on machines or runs that use none.
    private static let failure = Mutex<GPUError?>(nil)
    private static let hasFailed = Atomic<Bool>(false)

    private static let instance = Result { try GPU() }

    /// The GPU, started on first use; throws a ``GPUError`` naming what is missing on machines
    /// without one.
    public static func shared() throws -> GPU { try instance.get() }

    /// Whether a CUDA GPU and its libraries were found.
    public static var isAvailable: Bool { (try? shared()) != nil }

    /// The GPU behind a tensor already on it: it started when that tensor was made. Stops with the
    /// ``GPUError`` when there is none (check with ``shared()`` first).
    public static var current: GPU {
        switch instance {
        case let .success(gpu): return gpu
        case let .failure(error): preconditionFailure("\(error)")
        }
    }

    private init() throws {
        let d = try CUDADriver()
        try d.check(d.cuInit(0), "cuInit")
        var version: Int32 = 0
        try d.check(d.cuDriverGetVersion(&version), "cuDriverGetVersion")
        var count: Int32 = 0
        try d.check(d.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard count > 0 else { throw GPUError.noDevice }
        let ordinal = Int32(ProcessInfo.processInfo.environment["TAKEOFF_CUDA_DEVICE"].flatMap { Int($0) } ?? 0)
        var device: Int32 = 0
        try d.check(d.cuDeviceGet(&device, ordinal), "cuDeviceGet(\(ordinal))")
        var nameBuffer = [CChar](repeating: 0, count: 256)
        try d.check(d.cuDeviceGetName(&nameBuffer, 256, device), "cuDeviceGetName")
        func attribute(_ a: Int32) throws -> Int {
            var v: Int32 = 0
            try d.check(d.cuDeviceGetAttribute(&v, a, device), "cuDeviceGetAttribute(\(a))")
            return Int(v)
        }
        // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR, MULTIPROCESSOR_COUNT, MEMORY_POOLS_SUPPORTED
        let major = try attribute(75), minor = try attribute(76), sms = try attribute(16), pools = try attribute(115)
        guard pools != 0 else {
            throw GPUError.call("cuDeviceGetAttribute(MEMORY_POOLS_SUPPORTED)", code: 0, message: "this device or driver lacks stream-ordered memory")
        }
        var total = 0
        try d.check(d.cuDeviceTotalMem(&total, device), "cuDeviceTotalMem")
        var context: Handle = nil
        try d.check(d.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        try d.check(d.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        var stream: Handle = nil
        try d.check(d.cuStreamCreate(&stream, 1), "cuStreamCreate")  // CU_STREAM_NON_BLOCKING
        var pool: Handle = nil
        try d.check(d.cuDeviceGetDefaultMemPool(&pool, device), "cuDeviceGetDefaultMemPool")
        var keep = UInt64.max  // CU_MEMPOOL_ATTR_RELEASE_THRESHOLD: keep freed memory for reuse across synchronisations
        try d.check(d.cuMemPoolSetAttribute(pool, 4, &keep), "cuMemPoolSetAttribute(RELEASE_THRESHOLD)")

        // Libraries newer than the driver would fail later and less clearly (cublasCreate, cuModuleLoadData).
        let driverMajor = Int(version) / 1000
        let compiler = try NVRTC(preferringMajor: driverMajor)
        guard compiler.versionNumbers.major <= driverMajor else {
            throw GPUError.call("nvrtcVersion", code: 0, message: "NVRTC \(compiler.version) (\(compiler.library.path)) is newer than the driver's "
                                + "CUDA \(driverMajor).\(Int(version) % 1000 / 10); install NVRTC \(driverMajor) or a newer driver, "
                                + "or set TAKEOFF_CUDA_LIBRARY_PATH")
        }
        let blas = try CuBLAS(preferringMajor: driverMajor)
        var handle: Handle = nil
        try blas.check(blas.cublasCreate(&handle), "cublasCreate")
        try blas.check(blas.cublasSetStream(handle, stream), "cublasSetStream")
        try blas.check(blas.cublasSetMathMode(handle, 0), "cublasSetMathMode(CUBLAS_DEFAULT_MATH)")

        var staging: [(buffer: UnsafeMutableRawPointer, done: UnsafeMutableRawPointer)] = []
        for _ in 0..<4 {
            var buffer: UnsafeMutableRawPointer? = nil
            var event: Handle = nil
            try d.check(d.cuMemHostAlloc(&buffer, GPU.stagingBytes, 0), "cuMemHostAlloc(\(GPU.stagingBytes) bytes)")
            try d.check(d.cuEventCreate(&event, 2), "cuEventCreate")  // CU_EVENT_DISABLE_TIMING
            staging.append((buffer!, event!))
        }
        self.staging = staging
        self.driver = d
        self.nvrtc = compiler
        self.cublas = blas
        self.context = context!
        self.stream = stream!
        self.blasHandle = handle!
        self.name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.computeCapability = (major, minor)
        self.multiprocessors = sms
        self.memoryBytes = total
        self.driverVersion = Int(version)
    }

    /// A one-line description: name, compute capability, memory and library versions.
    public var summary: String {
        String(format: "%@ (compute %d.%d, %d SMs, %.0f GiB), driver CUDA %d.%d, NVRTC %@, cuBLAS %@",
               name, computeCapability.major, computeCapability.minor, multiprocessors, Double(memoryBytes) / 1_073_741_824,
               driverVersion / 1000, driverVersion % 1000 / 10, nvrtc.version, URL(fileURLWithPath: cublas.library.path).lastPathComponent)
    }

    /// Whether GEMMs may use TF32 tensor cores (10-bit mantissa products, float32 sums). Off by
    /// default, so CUDA results match the CPU's to float32 rounding.
    public var allowsTF32: Bool {
        get { tf32.load(ordering: .relaxed) }
        set {
            tf32.store(newValue, ordering: .relaxed)
            lock.withLock { _ in
                setCurrent()
                let status = cublas.cublasSetMathMode(blasHandle, newValue ? 3 : 0)  // CUBLAS_TF32_TENSOR_OP_MATH or DEFAULT
                do { try cublas.check(status, "cublasSetMathMode") } catch { fail(error) }
            }
        }
    }

    /// Makes this GPU's context current on the calling thread (cheap; every entry point calls it).
    @inline(__always)
    func setCurrent() {
        _ = driver.cuCtxSetCurrent(context)
    }

    /// Records the first call that fails (out of memory, a kernel fault reported late, …). The tensor ops
    /// have no error path, so from then on nothing more is queued, reads back give NaN, and
    /// ``throwIfFailed()`` reports the failure where a caller can throw: the trainer once per epoch, the
    /// evaluation after scoring. A context that faulted stays unusable, so the failure lasts for the process.
    @inline(__always)
    func must(_ result: CUresult, _ call: @autoclosure () -> String) {
        guard result != 0 else { return }
        do { try driver.check(result, call()) } catch { fail(error) }
    }

    func fail(_ error: any Error) {
        let error = error as? GPUError ?? .call("\(error)", code: -1, message: "unexpected")
        GPU.failure.withLock { if $0 == nil { $0 = error } }
        GPU.hasFailed.store(true, ordering: .releasing)
    }

    /// Whether a call on the GPU has failed: then nothing more runs on it.
    public var failed: Bool { GPU.failed }
    static var failed: Bool { hasFailed.load(ordering: .acquiring) }

    /// Throws ``GPUError/stopped(_:)`` with the first failure if a call on the GPU has failed; does
    /// nothing (and starts nothing) otherwise.
    public static func throwIfFailed() throws {
        guard failed, let first = failure.withLock({ $0 }) else { return }
        throw GPUError.stopped(first)
    }

    /// What allocations return once the GPU has failed: never read, written or freed.
    static var placeholder: UnsafeMutablePointer<Float> { UnsafeMutablePointer(bitPattern: 256)! }

    // MARK: Memory

    /// Device memory for `count` floats, ordered on the stream (reuses freed blocks without a sync).
    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        guard !failed else { return GPU.placeholder }
        setCurrent()
        var address: UInt64 = 0
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        must(driver.cuMemAllocAsync(&address, bytes, stream), "cuMemAllocAsync(\(bytes) bytes) — out of GPU memory?")
        return failed ? GPU.placeholder : UnsafeMutablePointer(bitPattern: UInt(address)) ?? GPU.placeholder
    }

    /// Returns memory after every queued use of it.
    func release(_ pointer: UnsafeMutablePointer<Float>) {
        guard !failed, pointer != GPU.placeholder else { return }  // after a failure, the context's memory goes with it
        setCurrent()
        must(driver.cuMemFreeAsync(address(pointer), stream), "cuMemFreeAsync")
    }

    @inline(__always)
    func address(_ pointer: UnsafePointer<Float>) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }

    /// Queues a copy of `count` floats from host memory (the host buffer may be reused on return).
    ///
    /// Up to 4 MiB (a batch, a batch's row numbers) goes through a ring of pinned buffers, so the host copies into
    /// one and moves on while the GPU fetches it (a copy from ordinary memory makes the host wait for the
    /// driver's own staging); a slot is reused once the copy queued from it has run. Larger uploads (a
    /// whole training set, once) go straight from the host buffer.
    func upload(_ host: UnsafePointer<Float>, to device: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0, !failed else { return }
        let bytes = count * 4
        lock.withLock { _ in
            setCurrent()
            guard bytes <= GPU.stagingBytes else {
                must(driver.cuMemcpyHtoDAsync(address(device), host, bytes, stream), "cuMemcpyHtoDAsync")
                return
            }
            let slot = staging[nextStage]
            nextStage = (nextStage + 1) % staging.count
            must(driver.cuEventSynchronize(slot.done), "cuEventSynchronize (staging)")
            slot.buffer.copyMemory(from: host, byteCount: bytes)
            must(driver.cuMemcpyHtoDAsync(address(device), slot.buffer, bytes, stream), "cuMemcpyHtoDAsync (pinned)")
            must(driver.cuEventRecord(slot.done, stream), "cuEventRecord (staging)")
        }
    }

    /// Copies `count` floats to host memory, waiting for everything queued before (NaN once the GPU has failed).
    func download(_ device: UnsafePointer<Float>, to host: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        if !failed {
            setCurrent()
            must(driver.cuMemcpyDtoHAsync(host, address(device), count * 4, stream), "cuMemcpyDtoHAsync")
            synchronize()
        }
        if failed { host.update(repeating: .nan, count: count) }
    }

    /// Queues a device-to-device copy of `count` floats.
    func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0, !failed else { return }
        setCurrent()
        must(driver.cuMemcpyDtoDAsync(address(destination), address(source), count * 4, stream), "cuMemcpyDtoDAsync")
    }

    /// Queues a fill of `count` floats with `value`.
    func fill(_ destination: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
        guard count > 0, !failed else { return }
        setCurrent()
        must(driver.cuMemsetD32Async(address(destination), value.bitPattern, count, stream), "cuMemsetD32Async")
    }

    /// Waits until everything queued has run; reports a kernel fault here if one happened.
    public func synchronize() {
        guard !failed else { return }
        setCurrent()
        must(driver.cuStreamSynchronize(stream), "cuStreamSynchronize (a kernel or copy queued earlier failed)")
    }

    /// Free and total device memory in bytes.
    public var memoryInfo: (free: Int, total: Int) {
        guard !failed else { return (0, memoryBytes) }  // callers check throwIfFailed() first
        setCurrent()
        var (free, total) = (0, 0)
        must(driver.cuMemGetInfo(&free, &total), "cuMemGetInfo")
        return (free, total)
    }

    // MARK: GEMM

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, through cuBLAS (device pointers): the same
    /// contract as ``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 || failed { return }
        if k == 0 {  // the empty sum: C = beta · C (cuBLAS rejects the zero leading dimensions that come with it)
            precondition(beta == 1 || (beta == 0 && ldc == n), "sgemm on CUDA: k = 0 with beta \(beta) and ldc \(ldc) ≠ n \(n)")
            if beta == 0 { fill(c, with: 0, count: m * n) }
            return
        }
        // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, and a row-major matrix read
        // column-major is its transpose: so cuBLAS gets B first, with m and n swapped.
        var (alpha, beta) = (alpha, beta)
        lock.withLock { _ in
            setCurrent()
            let status = cublas.cublasSgemm(blasHandle, transposeB ? 1 : 0, transposeA ? 1 : 0, Int32(n), Int32(m), Int32(k),
                                            &alpha, UnsafeRawPointer(b), Int32(ldb), UnsafeRawPointer(a), Int32(lda),
                                            &beta, UnsafeMutableRawPointer(c), Int32(ldc))
            do { try cublas.check(status, "cublasSgemm(m: \(m), n: \(n), k: \(k))") } catch { fail(error) }
        }
    }
}
