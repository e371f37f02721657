// Inverted dropout: kept entries are scaled by 1/(1 − p) at training time, so evaluation
// needs no rescaling.

extension Tensor {
    /// A mask of the given shape whose entries are 0 with probability `p` and `1 / (1 − p)`
    /// otherwise, drawn in row-major order from `rng` (one `uniform()` per entry).
    public static func dropoutMask(shape: [Int], p: Float, rng: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropoutMask: probability \(p) is outside [0, 1) for shape \(shape)")
        let mask = Tensor(uninitializedShape: shape)
        let keep = 1 / (1 - p), m = mask.pointer
        for i in 0..<mask.count { m[i] = rng.uniform() < p ? 0 : keep }
        return mask
    }

    /// `self` times a fresh ``dropoutMask(shape:p:rng:)``; the gradient flows through the same mask.
    /// With `p == 0` it returns `self` and draws nothing from `rng`.
    public func dropout(p: Float, rng: inout RandomGenerator) -> Tensor {
        if p == 0 { return self }
        // The mask is drawn on the host from the same stream on every device, so a CUDA run drops the
        // same units as a CPU run with the same seed.
        return self * Tensor.dropoutMask(shape: shape, p: p, rng: &rng).to(device)
    }
}
