import Foundation

/// The most memory that one thing a user's input asks for (a data set, a benchmark's buffers, a network)
/// may take: half the machine's, so an input too large is an error naming it, not a swapping or killed process.
public enum MemoryLimit {
    /// Half the machine's physical memory, in bytes.
    public static var bytes: Int { Int(ProcessInfo.processInfo.physicalMemory / 2) }

    /// `bytes` in GiB with `digits` decimals, e.g. `1.5 GiB`.
    public static func gibibytes(_ bytes: Double, digits: Int = 1) -> String {
        String(format: "%.\(digits)f GiB", bytes / 1_073_741_824)
    }
}
