import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffClassic

@Suite struct SparseLogisticTests {
    /// Hashed rows of a small categorical problem and their labels.
    func problem() throws -> (SparseRows, [Int]) {
        let hasher = try FieldHasher(dimension: 37)
        var records: [[String]] = [], labels: [Int] = []
        for i in 0..<60 {
            records.append(["u\(i % 7)", "i\(i % 5)", "c\(i % 3)"])
            labels.append((i % 7 + i % 5) % 3 == 0 ? 1 : 0)
        }
        return (hasher.encode(records, fields: ["user", "item", "context"]), labels)
    }

    /// The sparse objective equals the dense multinomial one with class 0's weights at zero: same value,
    /// and its gradient is the dense gradient's class-1 column.
    @Test func sameLossAndGradientAsTheDenseObjective() throws {
        let (rows, labels) = try problem()
        let d = rows.columnCount
        let sparse = SparseBinaryLogistic(rows: rows, labels: labels, C: 0.7)
        let dense = MultinomialLogistic(features: rows.dense(), labels: labels, classCount: 2, C: 0.7)
        var state: UInt64 = 11
        let w = (0...d).map { _ -> Double in state = state &* 6364136223846793005 &+ 1; return Double(Int64(state >> 40) % 1000) / 700 }
        var W = [Double](repeating: 0, count: dense.dimension)
        for j in 0..<d { W[j * 2 + 1] = w[j] }
        W[2 * d + 1] = w[d]
        var gs = [Double](repeating: 0, count: sparse.dimension), gd = [Double](repeating: 0, count: dense.dimension)
        let fs = sparse.evaluate(w, gradient: &gs), fd = dense.evaluate(W, gradient: &gd)
        #expect(abs(fs - fd) < 1e-5 * max(1, abs(fd)))
        for j in 0..<d { #expect(abs(gs[j] - gd[j * 2 + 1]) < 1e-5, "feature \(j)") }
        #expect(abs(gs[d] - gd[2 * d + 1]) < 1e-5)
    }

    @Test func sparseRowsSumRepeatedColumnsAndSelectRows() {
        var s = SparseRows(columnCount: 5)
        s.append([(3, 1), (1, 2), (3, 0.5)])
        s.append([])
        s.append([(4, 1)])
        #expect(s.rowCount == 3 && s.nonZeroCount == 3)
        #expect(s.dense().scalars == [0, 2, 0, 1.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(s.rows([2, 0]).dense().scalars == [0, 0, 0, 0, 1, 0, 2, 0, 1.5, 0])
    }

    /// A field with millions of distinct values costs the buckets, not one weight per value.
    @Test func aFieldWithMillionsOfValuesStaysWithinItsBuckets() throws {
        let hasher = try FieldHasher(dimension: 1 << 20)
        var seen = Set<Int>()
        for i in 0..<2_000_000 { seen.insert(hasher.bucket(field: "user", value: "\(i)")) }
        #expect(seen.count <= 1 << 20 && seen.count > (1 << 20) * 8 / 10)
        #expect(hasher.bucket(field: "user", value: "7") != hasher.bucket(field: "item", value: "7"))
        #expect(throws: DataError.self) { try FieldHasher(dimension: 0) }
    }
}

/// Resident memory of this process in bytes (Linux `/proc/self/statm`), or nil elsewhere.
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// An objective that records the largest resident memory seen while it is evaluated.
final class MemorySampling<Inner: DifferentiableObjective>: DifferentiableObjective {
    let inner: Inner
    var peak = 0
    init(_ inner: Inner) { self.inner = inner }
    var dimension: Int { inner.dimension }
    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        let f = inner.evaluate(x, gradient: &gradient)
        peak = max(peak, residentBytes() ?? 0)
        return f
    }
}

extension SparseLogisticTests {
    /// 10⁶ hashed features, 2,000 rows: the dense matrix alone would take 8 GB; the sparse objective and L-BFGS
    /// (ten pairs of 10⁶-vectors in Double) stay within the 1 GiB that BENCHMARKS.md states.
    @Test(.enabled(if: residentBytes() != nil, "resident memory is read from /proc/self/statm, which this system lacks"))
    func trainingOnAMillionHashedFeaturesStaysWithinItsMemoryBudget() throws {
        let before = try #require(residentBytes())
        let hasher = try FieldHasher(dimension: 1_000_000)
        var records: [[String]] = [], labels: [Int] = []
        for i in 0..<2_000 {
            records.append(["u\(i * 7919 % 100_003)", "i\(i % 331)", "a\(i % 7)", "o\(i % 21)"])
            labels.append((i % 331) % 4 == 0 || i % 7 == 3 ? 1 : 0)
        }
        let objective = MemorySampling(SparseBinaryLogistic(rows: hasher.encode(records, fields: ["user", "item", "age", "occupation"]),
                                                            labels: labels, C: 1))
        let r = LBFGS(gradientTolerance: 1e-4, maxIterations: 30).minimize(objective, from: [Double](repeating: 0, count: objective.dimension))
        #expect(r.value < log(2))
        #expect(objective.peak - before < 1 << 30, "grew by \((objective.peak - before) >> 20) MiB")
        print("sparse logistic regression on 10^6 hashed features: resident memory grew by \((objective.peak - before) >> 20) MiB")
    }
}
