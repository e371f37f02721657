import CVectorKernels

/// The number format of a network's products (dense layers' GEMMs and convolutions) in training. Weights,
/// optimizer state, losses, softmax and every sum stay float32 whatever it is: bf16 is mixed precision with
/// float32 master weights.
public enum Precision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Float32 operands.
    case fp32
    /// bfloat16 operands (float32 rounded to nearest even, 8 significant bits), float32 sums.
    case bf16
    /// bf16 where its products run faster than fp32 on this machine, else fp32.
    case auto

    public var description: String { rawValue }

    /// Whether this CPU multiplies bfloat16 natively (AVX-512 BF16).
    public static let cpuHasBF16 = takeoff_cpu_has_bf16() != 0

    /// Whether bf16 products run on bfloat16 instructions. In this version they do not on any CPU: bf16 rounds each
    /// operand to bfloat16 and multiplies in float32 GEMMs, which gives mixed precision's numbers (float32 holds a
    /// bfloat16 product exactly; only the order of the sums differs from a bfloat16 kernel) at float32's speed.
    public static let nativeBF16 = false

    /// What runs for this setting (auto decided), and a line to tell the user where it is not what the name promises.
    public var resolved: (precision: Precision, note: String?) {
        switch self {
        case .fp32: return (.fp32, nil)
        case .bf16:
            return (.bf16, Self.nativeBF16 ? nil
                : "--precision bf16: operands are rounded to bfloat16 and multiplied in float32 GEMMs (mixed precision's numbers, float32's speed: "
                + (Self.cpuHasBF16 ? "this version has no bfloat16 kernels)" : "this CPU has no avx512_bf16)"))
        case .auto:
            return Self.nativeBF16 && Self.cpuHasBF16 ? (.bf16, nil)
                : (.fp32, "--precision auto: fp32, since bf16 would not be faster here ("
                   + (Self.cpuHasBF16 ? "this version has no bfloat16 kernels)" : "this CPU has no avx512_bf16)"))
        }
    }

    /// Rounds `count` floats at `x` to bfloat16 in place (see ``bf16``).
    @inline(__always)
    public static func roundToBF16(_ x: UnsafeMutablePointer<Float>, count: Int) { takeoff_round_bf16(x, count) }
}
