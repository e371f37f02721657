import Synchronization

/// Counts what the engine allocates per step, so that a test can check that a steady state allocates nothing.
public enum Allocations {
    static let bufferCount = Atomic<Int>(0)
    static let nodeCount = Atomic<Int>(0)

    /// Host buffers taken from the pool (reused or fresh) since the process started.
    public static var buffers: Int { bufferCount.load(ordering: .relaxed) }
    /// Nodes recorded on the autodiff tape since the process started.
    public static var graphNodes: Int { nodeCount.load(ordering: .relaxed) }
}
