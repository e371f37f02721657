/// Where a tensor's memory lives and its ops run.
public enum Device: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Host memory; ops run on the CPU (OpenBLAS and Takeoff's threaded kernels).
    case cpu
    /// An NVIDIA GPU's memory; ops run as CUDA kernels and cuBLAS GEMMs (see ``GPU``).
    case cuda

    public var description: String { rawValue }

    /// The device named `cpu`, `cuda` or `auto` (CUDA when a GPU and its libraries are found, else
    /// the CPU). Asking for `cuda` on a machine without it throws the ``GPUError`` that says what is missing.
    public static func named(_ name: String) throws -> Device {
        switch name.lowercased() {
        case "cpu": return .cpu
        case "cuda", "gpu":
            _ = try GPU.shared()
            return .cuda
        case "auto": return GPU.isAvailable ? .cuda : .cpu
        default: throw DeviceNameError(name: name)
        }
    }
}

/// An unknown device name.
public struct DeviceNameError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "unknown device '\(name)'; expected cpu, cuda or auto" }
}

extension Tensor {
    /// The device holding this tensor.
    public var device: Device { storage.device }

    /// This tensor's values on `device`: itself when already there, else a copy. On the tape, the
    /// gradient moves back to this tensor's device.
    public func to(_ device: Device) -> Tensor {
        if device == self.device { return self }
        let out = Tensor(uninitializedShape: shape, device: device)
        out.assign(from: self)
        let source = self.device
        return record(out, [self], "to") { g, _ in [g.to(source)] }
    }
}

extension Tensor {
    /// Overwrites every element with `value`, in place, on the tensor's device (shared storage included).
    public func fill(_ value: Float) {
        switch device {
        case .cpu: pointer.update(repeating: value, count: count)
        case .cuda: GPU.current.fill(address, with: value, count: count)
        }
    }
}

extension Tensor {
    /// Overwrites this tensor's elements, in place, with those of `source` (equal counts, any two
    /// devices): an upload, a download or a copy. Off the tape; other tensors sharing this memory see
    /// the new values.
    public func assign(from source: Tensor) {
        precondition(source.count == count, "assign: \(source.count) elements into a tensor of \(count) (shape \(shape))")
        switch (source.device, device) {
        case (.cpu, .cpu): pointer.update(from: source.pointer, count: count)
        case (.cpu, .cuda): GPU.current.upload(source.pointer, to: address, count: count)
        case (.cuda, .cpu): GPU.current.download(source.address, to: pointer, count: count)
        case (.cuda, .cuda): GPU.current.copy(source.address, to: address, count: count)
        }
    }

    /// Indices below this travel exactly as floats (2^24).
    public static let exactIndexLimit = 1 << 24

    /// Whole numbers (row numbers, class labels) as a float vector on `device`, the form gathers and the
    /// fused cross-entropy read them in; exact below 2^24.
    public init(indices: [Int], device: Device) {
        if let large = indices.first(where: { $0 >= Tensor.exactIndexLimit }) {
            preconditionFailure("Tensor(indices:): \(large) is not exact as a float (limit 2^24)")
        }
        self = Tensor(indices.map { Float($0) }, shape: [indices.count]).to(device)
    }

    /// Elements `range` of this tensor's row-major order as a tensor of `shape` (default: a vector)
    /// sharing its memory: writes through the view change this tensor. Off the tape.
    public func view(_ range: Range<Int>, shape: [Int]? = nil) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "view: range \(range) outside \(count) elements")
        return Tensor(storage: storage, offset: offset + range.lowerBound, shape: shape ?? [range.count])
    }
}
