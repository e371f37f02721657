import Foundation
import TakeoffEngine

/// Reads CSV/TSV files with a header row into a ``Dataset``.
///
/// A column whose first value is a number is numeric, and every later value must be a finite number.
/// A column whose first value is not a number (or that is listed in `categorical`) is categorical
/// and becomes one 0/1 feature per distinct value, in sorted order.
public struct CSVReader {
    /// Field separator; nil picks tab for `.tsv`/`.tab` files and comma otherwise.
    public var delimiter: UInt8?
    /// The label column by name or 0-based index; nil means the last column.
    public var labelColumn: String?
    /// Columns to one-hot encode even when their values look numeric.
    public var categorical: Set<String>
    /// The most memory the dense feature matrix may take (one-hot columns included); by default half the machine's memory.
    public var maxBytes: Int

    /// A reader with these settings.
    public init(delimiter: UInt8? = nil, labelColumn: String? = nil, categorical: Set<String> = [],
                maxBytes: Int = MemoryLimit.bytes) {
        self.delimiter = delimiter
        self.labelColumn = labelColumn
        self.categorical = categorical
        self.maxBytes = maxBytes
    }

    /// What was read, with the columns that were one-hot encoded.
    public struct Result: Sendable {
        /// The examples.
        public var dataset: Dataset
        /// The name of each feature (`column` or `column=value` for one-hot features).
        public var featureNames: [String]
        /// Each one-hot encoded column and its categories, in header order.
        public var oneHotColumns: [(column: String, categories: [String])]
    }

    /// Reads `url` (gzip-compressed or not).
    public func read(_ url: URL, name: String? = nil) throws -> Result {
        let data = try Gzip.contents(of: url)
        let sep = delimiter ?? (["tsv", "tab"].contains(url.deletingPathExtension(if: "gz").pathExtension.lowercased()) ? 0x09 : 0x2C)
        return try data.withUnsafeBytes { raw in
            try parse(raw.bindMemory(to: UInt8.self), delimiter: sep, file: url.path,
                      name: name ?? url.deletingPathExtension(if: "gz").deletingPathExtension().lastPathComponent)
        }
    }

    func parse(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, file: String, name: String) throws -> Result {
        var records = DelimitedRecords(bytes, delimiter: delimiter, quoting: delimiter != 0x09, file: file)
        guard try records.next() != nil else { throw DataError.emptyFile(file: file) }
        let header = (0..<records.fieldCount).map { records.string($0) }
        let columns = header.count
        let label: Int
        if let wanted = labelColumn {
            if let i = header.firstIndex(of: wanted) {
                label = i
            } else if let i = Int(wanted), i >= 0, i < columns {
                label = i
            } else {
                throw DataError.missingLabelColumn(file: file, column: wanted, available: header)
            }
        } else {
            label = columns - 1
        }
        guard columns >= 2 else {
            throw DataError.malformed(file: file, line: 1, detail: "the header has \(columns) column; need a label and at least one feature")
        }
        if let unknown = categorical.sorted().first(where: { !header.contains($0) }) {
            throw DataError.unknownColumn(file: file, column: unknown, option: "--categorical", available: header)
        }
        if let nul = bytes.firstIndex(of: 0) {
            // A NUL never belongs in text: a binary or damaged file, which would otherwise read as categories.
            let line = bytes[..<nul].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            throw DataError.malformed(file: file, line: line, detail: "a NUL byte (at byte \(nul + 1)): not a text file, or a damaged one")
        }

        var isCategorical = (0..<columns).map { categorical.contains(header[$0]) }
        var numbers: [Float] = []
        var texts = [[String]](repeating: [], count: columns)
        var labels: [String] = []
        var labelLines: [Int] = []
        // Bytes held while parsing: the text, the numbers, and the label and category strings (16 bytes each,
        // plus their text where it is too long to be stored inline).
        var stringBytes = 0
        func parsed() -> Int { bytes.count + numbers.capacity * 4 + stringBytes + labelLines.capacity * 8 }
        func keep(_ f: ArraySlice<UInt8>) -> String {
            stringBytes += 16 + (f.count > 15 ? f.count + 16 : 0)
            return String(decoding: f, as: UTF8.self)
        }
        var rows = 0
        while let line = try records.next() {
            guard records.fieldCount == columns else {
                throw DataError.raggedRow(file: file, line: line, expected: columns, found: records.fieldCount)
            }
            for c in 0..<columns {
                let f = records.field(c)
                if c == label {
                    guard !f.isEmpty else {
                        let column = header[c].isEmpty
                            ? "column \(c), which has no name in the header (does every line end with a delimiter?)" : "column '\(header[c])'"
                        throw DataError.malformed(file: file, line: line, detail: "empty label in \(column)")
                    }
                    labels.append(keep(f))
                    labelLines.append(line)
                    continue
                }
                if rows == 0 && !isCategorical[c] && parseNumber(f) == nil && !f.isEmpty { isCategorical[c] = true }
                if isCategorical[c] {
                    texts[c].append(keep(f))
                    continue
                }
                guard let v = parseNumber(f) else {
                    throw DataError.nonNumeric(file: file, line: line, field: header[c], value: String(decoding: f, as: UTF8.self))
                }
                guard v.isFinite, Float(v).isFinite else {
                    throw DataError.nonFinite(file: file, line: line, field: header[c], value: String(decoding: f, as: UTF8.self))
                }
                numbers.append(Float(v))
            }
            rows += 1
            // The values so far against the limit, with the numeric part of the matrix they will fill: a file
            // too large is refused while it is read, not after its values have taken the memory.
            if rows & 0xFFFF == 0 {
                try DenseMemory.check(file: file, rows: rows, columns: numbers.count / rows, parsing: parsed(), limit: maxBytes)
            }
        }
        guard rows > 0 else { throw DataError.emptyFile(file: file) }

        let (y, classNames) = try encodeLabels(labels, file: file, lines: labelLines)
        var names: [String] = []
        var oneHot: [(String, [String])] = []
        var categoryIndex: [[String: Int]] = Array(repeating: [:], count: columns)
        for c in 0..<columns where c != label {
            if isCategorical[c] {
                let cats = Array(Set(texts[c])).sorted()
                oneHot.append((header[c], cats))
                for (k, v) in cats.enumerated() { categoryIndex[c][v] = k; names.append("\(header[c])=\(v)") }
            } else {
                names.append(header[c])
            }
        }
        let d = names.count
        try DenseMemory.check(file: file, rows: rows, columns: d, parsing: parsed(), limit: maxBytes)
        let x = Tensor.zeros([rows, d])
        let numericPerRow = (0..<columns).filter { $0 != label && !isCategorical[$0] }.count
        for r in 0..<rows {
            let row = x.pointer + r * d
            var j = 0, k = r * numericPerRow
            for c in 0..<columns where c != label {
                if isCategorical[c] {
                    row[j + categoryIndex[c][texts[c][r]]!] = 1
                    j += categoryIndex[c].count
                } else {
                    row[j] = numbers[k]
                    j += 1
                    k += 1
                }
            }
        }
        return Result(dataset: Dataset(name: name, features: x, labels: y, classNames: classNames),
                      featureNames: names, oneHotColumns: oneHot)
    }
}

/// Class indices for label strings: sorted numerically when every label is a number, else by text.
/// Throws when only one class occurs, and when every label is a number and some are not whole numbers
/// (a regression target read as hundreds of classes); `lines[i]` is label i's line, for that error.
func encodeLabels(_ labels: [String], file: String, lines: [Int]? = nil) throws -> ([Int], [String]) {
    guard let first = labels.first else { throw DataError.emptyFile(file: file) }
    var names = Array(Set(labels))
    guard names.count > 1 else { throw DataError.singleClass(file: file, label: first) }
    let numeric = names.map { Double($0) }
    if numeric.allSatisfy({ $0 != nil }) {
        if numeric.contains(where: { $0! != $0!.rounded() }) {
            let at = labels.firstIndex { Double($0).map { $0 != $0.rounded() } ?? false }!
            throw DataError.malformed(file: file, line: lines?[at] ?? at + 1,
                                      detail: "label '\(labels[at])' is not a whole number; every label is a number and \(names.count) "
                                          + "differ, so this looks like a quantity to predict (regression), not classes: Takeoff classifies; "
                                          + "bin the values into classes first")
        }
        names = zip(names, numeric).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
    } else {
        names.sort()
    }
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    return (labels.map { index[$0]! }, names)
}

extension URL {
    /// The URL without `ext` when it ends with it (e.g. `a.csv.gz` → `a.csv`).
    func deletingPathExtension(if ext: String) -> URL {
        pathExtension.lowercased() == ext ? deletingPathExtension() : self
    }
}
