import Testing
import TakeoffEngine

/// A random tensor in [-1, 1) or, with `positive`, in [0.5, 2) (for log, sqrt, division).
func random(_ shape: [Int], seed: UInt64, positive: Bool = false) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return positive ? Tensor.randomUniform(shape, low: 0.5, high: 2, using: &rng)
                    : Tensor.randomUniform(shape, low: -1, high: 1, using: &rng)
}

/// Expects finite differences to agree with the tape's gradients within `tolerance`.
func expectGradients(_ inputs: [Tensor], tolerance: Float = 2e-2, epsilon: Float = 1e-2,
                     sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) {
    let report = GradientCheck.run(inputs, epsilon: epsilon, f)
    #expect(report.worst < tolerance, "gradient error \(report.maxError) for inputs \(inputs.map(\.shape))",
            sourceLocation: sourceLocation)
}

func expectClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    #expect(worst <= tolerance, "max relative difference \(worst)", sourceLocation: sourceLocation)
}

/// A random shape of rank `1...maxRank` with extents in `1...maxExtent` (size-1 axes come up often),
/// and a random axis of it, negative half of the time.
func randomShapeAndAxis(_ rng: inout RandomGenerator, maxRank: Int = 4, maxExtent: Int = 4) -> ([Int], Int) {
    let shape = (0...rng.below(maxRank)).map { _ in 1 + rng.below(maxExtent) }
    let axis = rng.below(shape.count)
    return (shape, rng.below(2) == 0 ? axis : axis - shape.count)
}
