import Foundation
import TakeoffEngine

/// A sparse matrix by rows (CSR): row r holds `values[offsets[r]..<offsets[r + 1]]` at those `columns`.
/// Hashed categorical features (one or a few non-zeros per field among 10⁵–10⁶ columns) live here; a dense
/// [n, 10⁶] matrix would take 4 MB a row.
public struct SparseRows: Sendable, Equatable {
    /// The number of columns (hash buckets).
    public let columnCount: Int
    /// n + 1 offsets into ``columns`` and ``values``.
    public private(set) var offsets: [Int] = [0]
    public private(set) var columns: [Int32] = []
    public private(set) var values: [Float] = []

    /// An empty matrix with `columnCount` columns.
    public init(columnCount: Int) {
        precondition(columnCount > 0 && columnCount <= Int(Int32.max), "SparseRows: \(columnCount) columns")
        self.columnCount = columnCount
    }

    /// The number of rows.
    public var rowCount: Int { offsets.count - 1 }
    /// The number of stored entries.
    public var nonZeroCount: Int { columns.count }

    /// Appends a row; entries of the same column are summed.
    public mutating func append(_ entries: [(column: Int, value: Float)]) {
        for e in entries { precondition(e.column >= 0 && e.column < columnCount, "SparseRows: column \(e.column) outside 0..<\(columnCount)") }
        var last = -1
        for e in entries.sorted(by: { $0.column < $1.column }) {
            if e.column == last { values[values.count - 1] += e.value; continue }
            columns.append(Int32(e.column)); values.append(e.value)
            last = e.column
        }
        offsets.append(columns.count)
    }

    /// Reserves room for `rows` more rows holding `entries` more entries.
    public mutating func reserve(rows: Int, entries: Int) {
        offsets.reserveCapacity(offsets.count + rows)
        columns.reserveCapacity(columns.count + entries)
        values.reserveCapacity(values.count + entries)
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> SparseRows {
        var out = SparseRows(columnCount: columnCount)
        for i in indices {
            out.columns += columns[offsets[i]..<offsets[i + 1]]
            out.values += values[offsets[i]..<offsets[i + 1]]
            out.offsets.append(out.columns.count)
        }
        return out
    }

    /// The same rows over only the columns some row uses, renumbered in ascending order, and the original
    /// column of each. A penalised linear model's weight on a column no row uses stays at zero, so solving over
    /// these is the same problem in as many dimensions as there are distinct buckets, not the hash's 10⁶.
    public func compacted() -> (rows: SparseRows, columns: [Int32]) {
        let used = Array(Set(columns)).sorted()
        var position = [Int32: Int32](minimumCapacity: used.count)
        for (i, c) in used.enumerated() { position[c] = Int32(i) }
        var out = SparseRows(columnCount: max(used.count, 1))
        out.offsets = offsets
        out.columns = columns.map { position[$0]! }
        out.values = values
        return (out, used)
    }

    /// The same matrix, dense [rowCount, columnCount] (for tests and small problems only).
    public func dense() -> Tensor {
        let t = Tensor.zeros([rowCount, columnCount])
        for r in 0..<rowCount { for k in offsets[r]..<offsets[r + 1] { t.pointer[r * columnCount + Int(columns[k])] += values[k] } }
        return t
    }
}

/// The hashing trick with field-aware buckets: each (field, value) pair of a categorical row goes to one of
/// `dimension` buckets by a 64-bit FNV-1a hash of `field`, a separator and `value`, so "user=7" and "item=7"
/// land apart and the memory is `dimension` weights however many distinct values a field has (a field with
/// millions of user ids collides some of them instead of growing the model).
public struct FieldHasher: Sendable {
    /// The number of buckets.
    public let dimension: Int

    /// A hasher into `dimension` buckets.
    public init(dimension: Int) throws {
        guard dimension > 0, dimension <= Int(Int32.max) else {
            throw DataError.invalidParameter(name: "dimension", detail: "hash buckets must be in 1...\(Int32.max), got \(dimension)")
        }
        self.dimension = dimension
    }

    /// The bucket of `value` in `field`.
    public func bucket(field: String, value: String) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in field.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        h = (h ^ 0x1F) &* 0x0000_0100_0000_01B3  // unit separator: "ab"+"c" and "a"+"bc" differ
        for b in value.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Int(h % UInt64(dimension))
    }

    /// One sparse row per record: a 1 in the bucket of each (field, value); `records[i][j]` is field `fields[j]`.
    public func encode(_ records: [[String]], fields: [String]) -> SparseRows {
        var out = SparseRows(columnCount: dimension)
        for record in records {
            precondition(record.count == fields.count, "FieldHasher: a record of \(record.count) values for \(fields.count) fields")
            out.append(zip(fields, record).map { (bucket(field: $0, value: $1), 1) })
        }
        return out
    }
}
