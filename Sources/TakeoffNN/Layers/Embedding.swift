import TakeoffEngine

/// One embedding table per categorical field, looked up and laid side by side: input [n, F] bucket indices
/// (field k's in 0..<``buckets``[k], held as Float), output [n, F·``dimension``]. The tables are one
/// parameter [Σ buckets, dimension], field k's rows starting at the sum of the buckets before it.
public final class Embedding: Layer {
    /// Buckets (rows) of each field's table.
    public let buckets: [Int]
    /// Numbers per bucket.
    public let dimension: Int
    public private(set) var table: Parameter!
    /// Where each field's rows start in ``table``.
    private let offsets: [Float]

    public init(buckets: [Int], dimension: Int) {
        precondition(!buckets.isEmpty && buckets.allSatisfy { $0 > 0 } && dimension > 0, "Embedding: buckets \(buckets), dimension \(dimension)")
        precondition(buckets.reduce(0, +) <= 1 << 24, "Embedding: \(buckets.reduce(0, +)) rows in all; indices held as Float are exact up to 2^24")
        self.buckets = buckets
        self.dimension = dimension
        var start = 0
        offsets = buckets.map { b in defer { start += b }; return Float(start) }
    }

    public var summary: String { "Embedding(\(buckets.count) fields, \(buckets.reduce(0, +)) rows × \(dimension))" }

    public func build(inputShape: [Int], rng: inout RandomGenerator) -> [Int] {
        precondition(inputShape == [buckets.count], "Embedding: expects [\(buckets.count)] bucket indices per example, got \(inputShape)")
        // Small random vectors: distinct from the start, and the layers after see inputs of about unit scale per field.
        let rows = buckets.reduce(0, +)
        table = Parameter(name: "table", value: Tensor.randomNormal([rows, dimension], std: (1 / Float(dimension)).squareRoot(), using: &rng), decays: true)
        return [buckets.count * dimension]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let n = x.shape[0], f = buckets.count
        // Field-local bucket → row of the shared table (the indices carry no gradient).
        let rows = Tensor(uninitializedShape: [n, f])
        for i in 0..<n {
            for k in 0..<f {
                let b = x.pointer[i * f + k]
                precondition(b >= 0 && b < Float(buckets[k]), "Embedding: field \(k)'s bucket \(b) outside 0..<\(buckets[k]) (example \(i))")
                rows.pointer[i * f + k] = b + offsets[k]
            }
        }
        return Tensor.embedding(rows, table: table.value)
    }

    public var parameters: [Parameter] { [table] }
    /// Copies only: no multiply-adds.
    public func flops(inputShape: [Int]) -> Int { 0 }
}
