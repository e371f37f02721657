import Foundation

// The CUDA driver, NVRTC and cuBLAS, opened at run time with dlopen: the package builds and runs
// without CUDA headers or libraries, and a machine without them gets a ``GPUError`` naming what
// was missing and where Takeoff looked.

/// Why the CUDA backend could not start or run.
public enum GPUError: Error, CustomStringConvertible, Sendable {
    /// A library was not found: which one, the paths tried and the loader's last message.
    case libraryNotFound(library: String, tried: [String], loaderMessage: String)
    /// A library lacks a function Takeoff needs (an older version than CUDA 12).
    case missingFunction(String, library: String)
    /// A driver, NVRTC or cuBLAS call failed.
    case call(String, code: Int, message: String)
    /// The driver loaded but reports no CUDA device.
    case noDevice
    /// A kernel failed to compile; the NVRTC log says why.
    case compile(kernel: String, log: String)
    /// A call on the GPU failed earlier (out of memory, a kernel fault, …); nothing has run there since.
    indirect case stopped(GPUError)

    public var description: String {
        switch self {
        case let .libraryNotFound(library, tried, message):
            let shown = tried.count > 6 ? tried.prefix(6).joined(separator: ", ") + ", … (\(tried.count) paths)" : tried.joined(separator: ", ")
            return "CUDA: \(library) was not found (tried \(shown); last loader message: \(message)). "
                + "Install the NVIDIA driver and CUDA 12 or 13 libraries, or set TAKEOFF_CUDA_LIBRARY_PATH to the folder that holds them."
        case let .missingFunction(name, library):
            return "CUDA: \(library) has no function \(name); Takeoff needs CUDA 12 or newer"
        case let .call(name, code, message):
            return "CUDA: \(name) failed with error \(code) (\(message))"
        case .noDevice:
            return "CUDA: the driver is installed but reports no CUDA device"
        case let .compile(kernel, log):
            return "CUDA: NVRTC could not compile kernel \(kernel):\n\(log)"
        case let .stopped(first):
            return "\(first). Nothing has run on the GPU since, and nothing more will in this process: start it again"
                + " (a curve keeps the cells it stored and resumes)"
        }
    }
}

/// A shared library opened with `dlopen`.
final class DynamicLibrary: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let path: String

    private init(handle: UnsafeMutableRawPointer, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Opens the first of `names` that the loader finds on its own search path, else in `directories`.
    /// In a folder that holds the library, files whose names start with one of `companions` are loaded
    /// first, with global visibility: a library's own dependencies (cuBLAS's cublasLt) and the files it
    /// opens later (NVRTC's builtins) are then found even when that folder is not on the loader's path.
    static func open(_ names: [String], directories: [String], library: String, companions: [String] = []) throws -> DynamicLibrary {
        var tried: [String] = []
        var message = ""
        for dir in [""] + directories {
            for name in names {
                let path = dir.isEmpty ? name : "\(dir)/\(name)"
                if !dir.isEmpty {
                    guard FileManager.default.fileExists(atPath: path) else { tried.append(path); continue }
                    preload(companions, in: dir)
                }
                if let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) { return DynamicLibrary(handle: handle, path: path) }
                tried.append(path)
                if let error = dlerror() { message = String(cString: error) }
            }
        }
        throw GPUError.libraryNotFound(library: library, tried: tried, loaderMessage: message.isEmpty ? "not found" : message)
    }

    private static func preload(_ prefixes: [String], in dir: String) {
        guard !prefixes.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names.sorted() where name.contains(".so") && prefixes.contains(where: { name.hasPrefix($0) }) {
            _ = dlopen("\(dir)/\(name)", RTLD_NOW | RTLD_GLOBAL)
        }
    }

    /// The function `name`, typed as `T` (a `@convention(c)` function type).
    func function<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let symbol = dlsym(handle, name) else { throw GPUError.missingFunction(name, library: path) }
        return unsafeBitCast(symbol, to: T.self)
    }

}

/// Where the CUDA libraries are looked for after the loader's own path.
enum CUDALibraries {
    /// `TAKEOFF_CUDA_LIBRARY_PATH` (colon-separated), `CUDA_HOME`/`CUDA_PATH`, the usual install
    /// folders, then the `nvidia` wheels of any Python environment (PyTorch brings cuBLAS and NVRTC).
    static var directories: [String] { directories(preferringMajor: nil) }

    /// The folders, those of a CUDA major version first (wheels put each in its own `cuNN` folder).
    static func directories(preferringMajor major: Int?) -> [String] {
        let env = ProcessInfo.processInfo.environment
        var dirs = (env["TAKEOFF_CUDA_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        for key in ["CUDA_HOME", "CUDA_PATH"] { if let root = env[key] { dirs += [root + "/lib64", root + "/lib"] } }
        dirs += ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/nvidia/lib64",
                 "/usr/local/nvidia/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64"]
        var wheels = pythonWheelDirectories(env)
        if let major { wheels = wheels.filter { $0.contains("/cu\(major)/") } + wheels.filter { !$0.contains("/cu\(major)/") } }
        return dirs + wheels
    }

    /// Library file names, the soname of CUDA `major` first.
    static func names(_ base: String, preferringMajor major: Int?) -> [String] {
        let versions = [13, 12].filter { (v: Int) in v != major }.map { (v: Int) in "\(base).\(v)" }
        return (major.map { ["\(base).\($0)"] } ?? []) + [base] + versions
    }

    private static func pythonWheelDirectories(_ env: [String: String]) -> [String] {
        let fm = FileManager.default
        let home = env["HOME"] ?? "/root"
        var roots = [env["VIRTUAL_ENV"].map { $0 + "/lib" }, "/opt/torch/.venv/lib", "/usr/local/lib", "/usr/lib",
                     home + "/.local/lib"].compactMap { $0 }
        if let versions = try? fm.contentsOfDirectory(atPath: home + "/.pyenv/versions") {
            roots += versions.sorted().map { "\(home)/.pyenv/versions/\($0)/lib" }
        }
        var dirs: [String] = []
        for root in roots {
            guard let entries = try? fm.contentsOfDirectory(atPath: root) else { continue }
            for python in entries.sorted() where python.hasPrefix("python3") {
                for site in ["site-packages", "dist-packages"] {
                    let nvidia = "\(root)/\(python)/\(site)/nvidia"
                    for sub in ["cu13/lib", "cu12/lib", "cublas/lib", "cuda_nvrtc/lib", "cuda_runtime/lib"]
                    where fm.fileExists(atPath: "\(nvidia)/\(sub)") {
                        dirs.append("\(nvidia)/\(sub)")
                    }
                }
            }
        }
        return dirs
    }
}

typealias CUresult = Int32
typealias Handle = UnsafeMutableRawPointer?

/// The CUDA driver API functions Takeoff calls (`libcuda.so.1`).
struct CUDADriver {
    let library: DynamicLibrary
    let cuInit: @convention(c) (UInt32) -> CUresult
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> CUresult
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> CUresult
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> CUresult
    let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>, Int32) -> CUresult
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<Handle>, Int32) -> CUresult
    let cuCtxSetCurrent: @convention(c) (Handle) -> CUresult
    let cuStreamCreate: @convention(c) (UnsafeMutablePointer<Handle>, UInt32) -> CUresult
    let cuStreamSynchronize: @convention(c) (Handle) -> CUresult
    let cuDeviceGetDefaultMemPool: @convention(c) (UnsafeMutablePointer<Handle>, Int32) -> CUresult
    let cuMemPoolSetAttribute: @convention(c) (Handle, Int32, UnsafeMutableRawPointer) -> CUresult
    let cuMemAllocAsync: @convention(c) (UnsafeMutablePointer<UInt64>, Int, Handle) -> CUresult
    let cuMemFreeAsync: @convention(c) (UInt64, Handle) -> CUresult
    let cuMemGetInfo: @convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> CUresult
    let cuMemcpyHtoDAsync: @convention(c) (UInt64, UnsafeRawPointer, Int, Handle) -> CUresult
    let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer, UInt64, Int, Handle) -> CUresult
    let cuMemcpyDtoDAsync: @convention(c) (UInt64, UInt64, Int, Handle) -> CUresult
    let cuMemsetD32Async: @convention(c) (UInt64, UInt32, Int, Handle) -> CUresult
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<Handle>, UnsafeRawPointer) -> CUresult
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<Handle>, Handle, UnsafePointer<CChar>) -> CUresult
    let cuLaunchKernel: @convention(c) (Handle, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> CUresult
    let cuGetErrorString: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> CUresult
    let cuMemHostAlloc: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int, UInt32) -> CUresult
    let cuEventCreate: @convention(c) (UnsafeMutablePointer<Handle>, UInt32) -> CUresult
    let cuEventRecord: @convention(c) (Handle, Handle) -> CUresult
    let cuEventSynchronize: @convention(c) (Handle) -> CUresult
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>, Handle, Handle) -> CUresult
    let cuEventDestroy: @convention(c) (Handle) -> CUresult

    init() throws {
        let lib = try DynamicLibrary.open(["libcuda.so.1", "libcuda.so"], directories: CUDALibraries.directories,
                                          library: "the NVIDIA driver library libcuda.so.1")
        library = lib
        cuInit = try lib.function("cuInit")
        cuDriverGetVersion = try lib.function("cuDriverGetVersion")
        cuDeviceGetCount = try lib.function("cuDeviceGetCount")
        cuDeviceGet = try lib.function("cuDeviceGet")
        cuDeviceGetName = try lib.function("cuDeviceGetName")
        cuDeviceGetAttribute = try lib.function("cuDeviceGetAttribute")
        cuDeviceTotalMem = try lib.function("cuDeviceTotalMem_v2")
        cuDevicePrimaryCtxRetain = try lib.function("cuDevicePrimaryCtxRetain")
        cuCtxSetCurrent = try lib.function("cuCtxSetCurrent")
        cuStreamCreate = try lib.function("cuStreamCreate")
        cuStreamSynchronize = try lib.function("cuStreamSynchronize")
        cuDeviceGetDefaultMemPool = try lib.function("cuDeviceGetDefaultMemPool")
        cuMemPoolSetAttribute = try lib.function("cuMemPoolSetAttribute")
        cuMemAllocAsync = try lib.function("cuMemAllocAsync")
        cuMemFreeAsync = try lib.function("cuMemFreeAsync")
        cuMemGetInfo = try lib.function("cuMemGetInfo_v2")
        cuMemcpyHtoDAsync = try lib.function("cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try lib.function("cuMemcpyDtoHAsync_v2")
        cuMemcpyDtoDAsync = try lib.function("cuMemcpyDtoDAsync_v2")
        cuMemsetD32Async = try lib.function("cuMemsetD32Async")
        cuModuleLoadData = try lib.function("cuModuleLoadData")
        cuModuleGetFunction = try lib.function("cuModuleGetFunction")
        cuLaunchKernel = try lib.function("cuLaunchKernel")
        cuGetErrorString = try lib.function("cuGetErrorString")
        cuMemHostAlloc = try lib.function("cuMemHostAlloc")
        cuEventCreate = try lib.function("cuEventCreate")
        cuEventRecord = try lib.function("cuEventRecord")
        cuEventSynchronize = try lib.function("cuEventSynchronize")
        cuEventElapsedTime = try (try? lib.function("cuEventElapsedTime_v2")) ?? lib.function("cuEventElapsedTime")
        cuEventDestroy = try lib.function("cuEventDestroy_v2")
    }

    /// Throws ``GPUError/call(_:code:message:)`` for a failed call, with the driver's message.
    func check(_ result: CUresult, _ call: @autoclosure () -> String) throws {
        guard result != 0 else { return }
        var text: UnsafePointer<CChar>? = nil
        _ = cuGetErrorString(result, &text)
        throw GPUError.call(call(), code: Int(result), message: text.map { String(cString: $0) } ?? "unknown error")
    }
}

/// NVRTC, CUDA's run-time compiler (`libnvrtc.so`): CUDA C source in, machine code for the GPU out.
/// It needs no GPU, so kernel sources are checked on any machine that has the library.
public final class NVRTC: @unchecked Sendable {
    let library: DynamicLibrary
    let nvrtcVersion: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32
    let nvrtcCreateProgram: @convention(c) (UnsafeMutablePointer<Handle>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
                                            UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    let nvrtcCompileProgram: @convention(c) (Handle, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    let nvrtcGetProgramLogSize: @convention(c) (Handle, UnsafeMutablePointer<Int>) -> Int32
    let nvrtcGetProgramLog: @convention(c) (Handle, UnsafeMutablePointer<CChar>) -> Int32
    let nvrtcGetCUBINSize: @convention(c) (Handle, UnsafeMutablePointer<Int>) -> Int32
    let nvrtcGetCUBIN: @convention(c) (Handle, UnsafeMutablePointer<CChar>) -> Int32
    let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<Handle>) -> Int32
    let nvrtcGetErrorString: @convention(c) (Int32) -> UnsafePointer<CChar>?

    private static let instance = Result { try NVRTC(preferringMajor: nil) }

    /// The library (any version), loaded on first use: enough to compile for an architecture without a GPU.
    public static func shared() throws -> NVRTC { try instance.get() }

    /// Loads NVRTC, the version for CUDA `major` first (the GPU's driver must be at least as new).
    init(preferringMajor major: Int?) throws {
        let lib = try DynamicLibrary.open(CUDALibraries.names("libnvrtc.so", preferringMajor: major),
                                          directories: CUDALibraries.directories(preferringMajor: major),
                                          library: "NVRTC (libnvrtc.so)", companions: ["libnvrtc-builtins"])
        library = lib
        nvrtcVersion = try lib.function("nvrtcVersion")
        nvrtcCreateProgram = try lib.function("nvrtcCreateProgram")
        nvrtcCompileProgram = try lib.function("nvrtcCompileProgram")
        nvrtcGetProgramLogSize = try lib.function("nvrtcGetProgramLogSize")
        nvrtcGetProgramLog = try lib.function("nvrtcGetProgramLog")
        nvrtcGetCUBINSize = try lib.function("nvrtcGetCUBINSize")
        nvrtcGetCUBIN = try lib.function("nvrtcGetCUBIN")
        nvrtcDestroyProgram = try lib.function("nvrtcDestroyProgram")
        nvrtcGetErrorString = try lib.function("nvrtcGetErrorString")
    }

    /// The NVRTC version, e.g. `13.2`.
    public var version: String { "\(versionNumbers.major).\(versionNumbers.minor)" }

    var versionNumbers: (major: Int, minor: Int) {
        var (major, minor): (Int32, Int32) = (0, 0)
        _ = nvrtcVersion(&major, &minor)
        return (Int(major), Int(minor))
    }

    /// Compiles `source` to a cubin for `architecture` (e.g. `sm_90`); `name` labels errors.
    public func compile(_ source: String, name: String, architecture: String) throws -> [UInt8] {
        var program: Handle = nil
        try check(nvrtcCreateProgram(&program, source, name + ".cu", 0, nil, nil), "nvrtcCreateProgram(\(name))")
        defer { _ = nvrtcDestroyProgram(&program) }
        let options = ["--gpu-architecture=\(architecture)", "--std=c++17"]
        let cOptions = options.map { strdup($0) }
        defer { cOptions.forEach { free($0) } }
        let result = cOptions.map { UnsafePointer<CChar>($0) }.withUnsafeBufferPointer {
            nvrtcCompileProgram(program, Int32(options.count), $0.baseAddress)
        }
        if result != 0 {
            var size = 0
            _ = nvrtcGetProgramLogSize(program, &size)
            var log = [CChar](repeating: 0, count: max(size, 1))
            _ = nvrtcGetProgramLog(program, &log)
            throw GPUError.compile(kernel: name, log: String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var size = 0
        try check(nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize(\(name))")
        var cubin = [CChar](repeating: 0, count: size)
        try check(nvrtcGetCUBIN(program, &cubin), "nvrtcGetCUBIN(\(name))")
        return cubin.map { UInt8(bitPattern: $0) }
    }

    private func check(_ result: Int32, _ call: String) throws {
        guard result != 0 else { return }
        throw GPUError.call(call, code: Int(result), message: nvrtcGetErrorString(result).map { String(cString: $0) } ?? "unknown")
    }
}

/// The cuBLAS functions Takeoff calls (`libcublas.so`).
struct CuBLAS {
    let library: DynamicLibrary
    let cublasCreate: @convention(c) (UnsafeMutablePointer<Handle>) -> Int32
    let cublasSetStream: @convention(c) (Handle, Handle) -> Int32
    let cublasSetMathMode: @convention(c) (Handle, Int32) -> Int32
    let cublasSgemm: @convention(c) (Handle, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>,
                                     UnsafeRawPointer?, Int32, UnsafeRawPointer?, Int32, UnsafePointer<Float>,
                                     UnsafeMutableRawPointer?, Int32) -> Int32
    let cublasGetStatusString: @convention(c) (Int32) -> UnsafePointer<CChar>?

    init(preferringMajor major: Int) throws {
        let lib = try DynamicLibrary.open(CUDALibraries.names("libcublas.so", preferringMajor: major),
                                          directories: CUDALibraries.directories(preferringMajor: major),
                                          library: "cuBLAS (libcublas.so)", companions: ["libcublasLt.so"])
        library = lib
        cublasCreate = try lib.function("cublasCreate_v2")
        cublasSetStream = try lib.function("cublasSetStream_v2")
        cublasSetMathMode = try lib.function("cublasSetMathMode")
        cublasSgemm = try lib.function("cublasSgemm_v2")
        cublasGetStatusString = try lib.function("cublasGetStatusString")
    }

    func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
        guard status != 0 else { return }
        throw GPUError.call(call(), code: Int(status), message: cublasGetStatusString(status).map { String(cString: $0) } ?? "unknown")
    }
}
