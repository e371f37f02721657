/// When queued work ran on the GPU: marks recorded on the stream as the host queues work, read back
/// later, so timing a training step costs no wait.
public final class GPUTimeline: @unchecked Sendable {
    private let gpu: GPU
    private var events: [UnsafeMutableRawPointer] = []
    private var used = 0

    init(_ gpu: GPU) { self.gpu = gpu }

    /// Marks the point the stream has reached in the queued work.
    public func mark() {
        guard !gpu.failed else { return }
        gpu.setCurrent()
        if used == events.count {
            var event: Handle = nil
            gpu.must(gpu.driver.cuEventCreate(&event, 0), "cuEventCreate")
            guard let event else { return }
            events.append(event)
        }
        gpu.must(gpu.driver.cuEventRecord(events[used], gpu.stream), "cuEventRecord")
        used += 1
    }

    /// Seconds from the first mark to each later one, once the GPU has reached the last; then starts over.
    /// Empty once the GPU has failed.
    public func read() -> [Double] {
        defer { used = 0 }
        guard used > 1, !gpu.failed else { return [] }
        gpu.setCurrent()
        gpu.must(gpu.driver.cuEventSynchronize(events[used - 1]), "cuEventSynchronize (timeline)")
        return (1..<used).map { i in
            var milliseconds: Float = 0
            gpu.must(gpu.driver.cuEventElapsedTime(&milliseconds, events[0], events[i]), "cuEventElapsedTime")
            return Double(milliseconds) / 1000
        }
    }

    deinit {
        gpu.setCurrent()
        for event in events { _ = gpu.driver.cuEventDestroy(event) }
    }
}

extension GPU {
    /// A new, empty timeline on this GPU's stream.
    public func timeline() -> GPUTimeline { GPUTimeline(self) }
}
