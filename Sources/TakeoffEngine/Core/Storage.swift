import Foundation
import Synchronization

/// A 64-byte-aligned buffer of `Float32`, the memory behind one or more tensors.
///
/// Buffers are recycled through a size-keyed pool, so a training loop that allocates the
/// same shapes every step reaches a steady state without calling the system allocator.
public final class Storage: @unchecked Sendable {
    /// The first element.
    public let base: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    /// Uninitialised storage for `count` elements.
    public init(uninitializedCount count: Int) {
        self.count = count
        self.base = BufferPool.shared.take(count)
    }

    /// Zero-filled storage for `count` elements.
    public convenience init(zeros count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: 0, count: count)
    }

    deinit { BufferPool.shared.give(base, count: count) }
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
