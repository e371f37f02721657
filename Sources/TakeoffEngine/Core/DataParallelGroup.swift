/// The processes of a data-parallel job (MPI ranks): each computes the gradient of its shard of every
/// global batch, the gradients are summed over the group, and every process takes the same step.
/// Takeoff's MPI `Communicator` is one; the engine and the trainer see only this.
public protocol DataParallelGroup: AnyObject, Sendable {
    /// This process's index, 0 ..< ``size``.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `buffer` on every process by its sum over the group.
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>)
    /// Copies process `root`'s `buffer` into every process's.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int)
}

extension DataParallelGroup {
    /// The rows `lo ..< hi` of `count` that this process takes: contiguous shards in rank order.
    public func shard(_ range: Range<Int>) -> Range<Int> {
        let n = range.count
        return (range.lowerBound + n * rank / size)..<(range.lowerBound + n * (rank + 1) / size)
    }
}
