// Inverted dropout: kept entries are scaled by 1/(1 − p) at training time, so evaluation
// needs no rescaling.
//
// Entry i of a mask is a hash of (key, i), with one key drawn from the caller's generator per mask:
// any thread, on either device, computes any entry on its own, so the GPU draws its masks itself
// and still drops the same units as the CPU for the same seed.

extension Tensor {
    /// A mask of the given shape on `device` whose entries are 0 with probability `p` and
    /// `1 / (1 − p)` otherwise; draws one number from `rng`.
    public static func dropoutMask(shape: [Int], p: Float, rng: inout RandomGenerator, device: Device = .cpu) -> Tensor {
        precondition(p >= 0 && p < 1, "dropoutMask: probability \(p) is outside [0, 1) for shape \(shape)")
        let mask = Tensor(uninitializedShape: shape, device: device)
        let key = rng.next(), keep = 1 / (1 - p)
        switch device {
        case .cpu:
            let m = mask.pointer
            Parallel.ranges(mask.count, cost: 4) { lo, hi in
                for i in lo..<hi { m[i] = dropoutScale(key: key, index: i, p: p, keep: keep) }
            }
        case .cuda:
            GPUKernels.dropoutMask(mask, key: key, p: p, keep: keep)
        }
        return mask
    }

    /// Entry `index` of the mask drawn with `key`: 0 with probability `p`, else `keep` = 1 / (1 − p).
    @inline(__always)
    static func dropoutScale(key: UInt64, index: Int, p: Float, keep: Float) -> Float {
        dropoutUniform(key: key, index: index) < p ? 0 : keep
    }

    /// Entry `index`'s uniform number in [0, 1) (24 bits) for a mask's `key`: SplitMix64's output
    /// function at key + (index + 1)·γ.
    @inline(__always)
    static func dropoutUniform(key: UInt64, index: Int) -> Float {
        var z = key &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * 0x1p-24
    }

    /// `self` times a fresh ``dropoutMask(shape:p:rng:device:)``; the gradient flows through the same mask.
    /// With `p == 0` it returns `self` and draws nothing from `rng`.
    public func dropout(p: Float, rng: inout RandomGenerator) -> Tensor {
        if p == 0 { return self }
        return self * Tensor.dropoutMask(shape: shape, p: p, rng: &rng, device: device)
    }
}

extension CPULoops {
    /// `y = x ⊙ mask` over entries `first..<first + count` of the mask ``Tensor/dropoutMask(shape:p:rng:device:)``
    /// draws with `key`, on the calling thread; the backward is the same call on the gradients.
    public static func dropout(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, first: Int, key: UInt64, p: Float) {
        let keep = 1 / (1 - p)
        for i in 0..<count { y[i] = x[i] * Tensor.dropoutScale(key: key, index: first + i, p: p, keep: keep) }
    }
}
