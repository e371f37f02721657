import Foundation

/// Categorical columns of a data set (user, item, genre, …): one value per field and row, kept as a
/// code into that field's list of distinct values. A click log is this and a label; it has no dense
/// features, and learners turn it into what they take: hashed sparse rows (``hashed(into:)``) or
/// bucket indices per field (``buckets(field:hasher:)``), never a dense one-hot matrix.
public struct CategoricalFields: Sendable, Equatable {
    /// The fields' names, in column order.
    public let names: [String]
    /// Each field's distinct values; a code is an index into its field's list.
    public let values: [[String]]
    /// Row-major codes, [rowCount, names.count].
    public let codes: [Int32]

    /// Fields from `records`, where `records[i][j]` is row i's value of field `names[j]`.
    /// Throws ``DataError/invalidParameter(name:detail:)`` naming the record whose length is wrong.
    public init(names: [String], records: [[String]], source: String = "categorical fields") throws {
        var builder = try Builder(names: names, source: source)
        for (i, r) in records.enumerated() { try builder.append(r, line: i + 1) }
        self = builder.fields
    }

    init(names: [String], values: [[String]], codes: [Int32]) {
        precondition(codes.count % max(names.count, 1) == 0, "CategoricalFields: \(codes.count) codes for \(names.count) fields")
        self.names = names
        self.values = values
        self.codes = codes
    }

    /// The number of rows.
    public var rowCount: Int { names.isEmpty ? 0 : codes.count / names.count }
    /// The number of fields.
    public var fieldCount: Int { names.count }

    /// Row `row`'s value of field `field`.
    public func value(row: Int, field: Int) -> String { values[field][Int(codes[row * fieldCount + field])] }

    /// The rows at `indices`, in that order (the value lists are shared, not copied).
    public func rows(_ indices: [Int]) -> CategoricalFields {
        let f = fieldCount
        var picked = [Int32]()
        picked.reserveCapacity(indices.count * f)
        for i in indices { picked += codes[(i * f)..<((i + 1) * f)] }
        return CategoricalFields(names: names, values: values, codes: picked)
    }

    /// Each row as sparse features: a 1 in the bucket of each (field, value), field-aware (``FieldHasher``).
    /// Each distinct value that occurs is hashed once; memory is the stored entries, n × fields.
    public func hashed(into hasher: FieldHasher) -> SparseRows {
        let f = fieldCount
        let table = (0..<f).map { buckets(field: $0, hasher: hasher) }
        var out = SparseRows(columnCount: hasher.dimension)
        out.reserve(rows: rowCount, entries: codes.count)
        var row = [(column: Int, value: Float)](repeating: (0, 1), count: f)
        for r in 0..<rowCount {
            for j in 0..<f { row[j] = (Int(table[j][Int(codes[r * f + j])]), 1) }
            out.append(row)
        }
        return out
    }

    /// Field `field`'s bucket of each of its values (indexed by code; -1 for values no row here uses), hashed
    /// field-aware: the same value string lands in the same bucket whatever data set it was read with.
    public func buckets(field: Int, hasher h: FieldHasher) -> [Int32] {
        // Only the codes that occur here: a subset of a field with millions of values hashes what it uses.
        var table = [Int32](repeating: -1, count: values[field].count)
        let f = fieldCount
        for r in 0..<rowCount {
            let c = Int(codes[r * f + field])
            if table[c] < 0 { table[c] = Int32(h.bucket(field: names[field], value: values[field][c])) }
        }
        return table
    }

    /// Builds fields one record at a time, interning each field's values.
    public struct Builder {
        let names: [String]
        let source: String
        var index: [[String: Int32]]
        var values: [[String]]
        var codes: [Int32] = []

        /// A builder for `names`; `source` names the data in errors.
        public init(names: [String], source: String) throws {
            guard !names.isEmpty else { throw DataError.invalidParameter(name: source, detail: "no categorical fields") }
            if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw DataError.invalidParameter(name: source, detail: "the field '\(dup)' is named twice")
            }
            self.names = names
            self.source = source
            index = Array(repeating: [:], count: names.count)
            values = Array(repeating: [], count: names.count)
        }

        /// Appends one record (`line` names it in errors).
        public mutating func append(_ record: [String], line: Int) throws {
            guard record.count == names.count else {
                throw DataError.invalidParameter(name: "\(source), record \(line)", detail: "\(record.count) values for the \(names.count) fields \(names.joined(separator: ", "))")
            }
            for (j, v) in record.enumerated() {
                if let c = index[j][v] { codes.append(c); continue }
                guard values[j].count < Int(Int32.max) else {
                    throw DataError.invalidParameter(name: "\(source), record \(line), field '\(names[j])'", detail: "more than \(Int32.max) distinct values")
                }
                let c = Int32(values[j].count)
                index[j][v] = c
                values[j].append(v)
                codes.append(c)
            }
        }

        /// The fields built so far.
        public var fields: CategoricalFields { CategoricalFields(names: names, values: values, codes: codes) }
    }
}
