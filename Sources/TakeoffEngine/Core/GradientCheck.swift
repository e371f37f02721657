/// Compares the tape's gradients with central finite differences.
///
/// The function is reduced to a scalar through a fixed random projection, so every output
/// element's gradient is exercised; differences are taken in `Float` with step `epsilon`.
public enum GradientCheck {
    /// The largest error found, per input.
    public struct Report: Sendable {
        /// For each input: max |analytic − numeric| / max(1, |numeric|) over its elements.
        public var maxError: [Float]
        public var worst: Float { maxError.max() ?? 0 }
    }

    /// Checks `f` at `inputs`.
    public static func run(_ inputs: [Tensor], epsilon: Float = 1e-2, seed: UInt64 = 7,
                           _ f: ([Tensor]) -> Tensor) -> Report {
        var rng = RandomGenerator(seed: seed)
        let probe = withoutGradients { f(inputs) }
        let projection = Tensor.randomNormal(probe.shape, using: &rng)
        func objective(_ xs: [Tensor]) -> Float { withoutGradients { (f(xs) * projection).sum().item } }

        let leaves = inputs.map { $0.detached.copy().requiringGrad() }
        (f(leaves) * projection).sum().backward()

        var errors: [Float] = []
        for (k, leaf) in leaves.enumerated() {
            let analytic = leaf.grad ?? Tensor.zeros(leaf.shape)
            var worst: Float = 0
            for i in 0..<leaf.count {
                var xs = leaves.map(\.detached)
                var plus = xs[k].copy(), minus = xs[k].copy()
                plus.withUnsafeMutableBufferPointer { $0[i] += epsilon }
                minus.withUnsafeMutableBufferPointer { $0[i] -= epsilon }
                xs[k] = plus
                let fp = objective(xs)
                xs[k] = minus
                let fm = objective(xs)
                let numeric = (fp - fm) / (2 * epsilon)
                worst = max(worst, abs(analytic.pointer[i] - numeric) / max(1, abs(numeric)))
            }
            errors.append(worst)
        }
        return Report(maxError: errors)
    }
}

/// Records a user-defined op on the tape: `output` was computed from `inputs` and `backward`
/// maps the output's gradient to one gradient per input (`nil` where `needs` is false).
public func customOp(_ output: Tensor, inputs: [Tensor], name: StaticString = "custom",
                     backward: @escaping (_ grad: Tensor, _ needs: [Bool]) -> [Tensor?]) -> Tensor {
    record(output, inputs, name, backward)
}
