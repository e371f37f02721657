import Foundation
import Synchronization

/// A buffer of `Float32`, the memory behind one or more tensors: 64-byte-aligned host memory, or
/// GPU memory for ``Device/cuda``.
///
/// Host buffers are recycled through a size-keyed pool, so a training loop that allocates the
/// same shapes every step reaches a steady state without calling the system allocator; GPU
/// buffers come from the driver's stream-ordered pool, which does the same on the device. Every
/// choice of memory switches over ``Device`` with no default, so a new device does not compile until
/// its allocation, fill and release are written.
public final class Storage: @unchecked Sendable {
    /// The first element: a host pointer, or for ``Device/cuda`` a device address that only
    /// kernels may dereference.
    public let base: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int
    /// Where the memory lives.
    public let device: Device

    /// Uninitialised storage for `count` elements.
    public init(uninitializedCount count: Int, device: Device = .cpu) {
        self.count = count
        self.device = device
        switch device {
        case .cpu: base = BufferPool.shared.take(count)
        case .cuda: base = GPU.current.allocate(count)
        }
    }

    /// Zero-filled storage for `count` elements.
    public convenience init(zeros count: Int, device: Device = .cpu) {
        self.init(uninitializedCount: count, device: device)
        switch device {
        case .cpu: base.initialize(repeating: 0, count: count)
        case .cuda: GPU.current.fill(base, with: 0, count: count)
        }
    }

    deinit {
        switch device {
        case .cpu: BufferPool.shared.give(base, count: count)
        case .cuda: GPU.current.release(base)
        }
    }
}

/// Recycles aligned buffers by exact size, bounded in total bytes.
final class BufferPool: Sendable {
    static let shared = BufferPool(limitBytes: 2 << 30)

    private struct State {
        var free: [Int: [UInt]] = [:]  // addresses, by element count
        var pooledBytes = 0
    }
    private let state = Mutex(State())
    private let limitBytes: Int

    init(limitBytes: Int) { self.limitBytes = limitBytes }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        Allocations.bufferCount.add(1, ordering: .relaxed)
        let reused: UInt? = state.withLock { s in
            guard let p = s.free[count]?.popLast() else { return nil }
            s.pooledBytes -= count * 4
            return p
        }
        if let reused, let p = UnsafeMutablePointer<Float>(bitPattern: reused) { return p }
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("Takeoff: out of memory allocating \(bytes) bytes")
        }
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let address = UInt(bitPattern: pointer)
        let keep: Bool = state.withLock { s in
            guard count >= 64, s.pooledBytes + count * 4 <= limitBytes else { return false }
            s.free[count, default: []].append(address)
            s.pooledBytes += count * 4
            return true
        }
        if !keep { free(pointer) }
    }
}
