import Foundation

/// The nominal single-precision peak of this machine, computed from /proc/cpuinfo: cores × clock ×
/// vector lanes (16 with AVX-512, 8 with AVX2) × 2 FMA units × 2 FLOPs per FMA. The clock is the
/// one the kernel reports, which under a hypervisor is the nominal, not the boost, frequency.
public struct MachinePeak: Sendable {
    public var cores: Int
    public var megahertz: Double
    public var lanes: Int
    public var modelName: String

    /// GFLOP/s at the nominal peak.
    public var gflops: Double { Double(cores) * megahertz / 1000 * Double(lanes) * 2 * 2 }

    /// Reads /proc/cpuinfo; nil where it is missing or unreadable.
    public static func current(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> MachinePeak? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        func field(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name) }?.split(separator: ":", maxSplits: 1).last
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard let mhz = field("cpu MHz").flatMap(Double.init), let flags = field("flags")?.split(separator: " ") else { return nil }
        let lanes = flags.contains("avx512f") ? 16 : flags.contains("avx2") ? 8 : 4
        return MachinePeak(cores: cores, megahertz: mhz, lanes: lanes, modelName: field("model name") ?? "unknown")
    }
}
