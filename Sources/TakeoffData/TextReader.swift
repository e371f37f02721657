import Foundation
import TakeoffEngine

/// Reads labeled text (the spam-filter case) into hashed bag-of-words features: each word unigram
/// and bigram (lowercased runs of letters and digits) adds 1 to one of `dimension` buckets.
/// Weight the counts with ``TFIDF`` fitted on the training subset.
public struct TextReader {
    /// Where the label and the text are.
    public enum Layout: Sendable {
        /// One example per line: `label<TAB>text`, no header.
        case tabSeparated
        /// A CSV file with a header; columns by name or 0-based index.
        case csv(labelColumn: String, textColumn: String)
    }

    /// Where the label and the text are.
    public var layout: Layout
    /// The number of hash buckets (features).
    public var dimension: Int

    /// A reader with these settings.
    public init(layout: Layout = .tabSeparated, dimension: Int = 1 << 12) {
        self.layout = layout
        self.dimension = dimension
    }

    /// Reads `url` (gzip-compressed or not).
    public func read(_ url: URL, name: String? = nil) throws -> Dataset {
        guard dimension > 0 else { throw DataError.invalidParameter(name: "dimension", detail: "must be positive, got \(dimension)") }
        return try parse(Gzip.contents(of: url), file: url.path,
                  name: name ?? url.deletingPathExtension(if: "gz").deletingPathExtension().lastPathComponent)
    }

    func parse(_ data: Data, file: String, name: String) throws -> Dataset {
        let url = URL(fileURLWithPath: file)
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var labels: [String] = []
            var texts: [ArraySlice<UInt8>] = []
            switch layout {
            case .tabSeparated:
                var records = DelimitedRecords(bytes, delimiter: 0x09, quoting: false, file: url.path)
                records.lastFieldTakesRest = true
                records.maxFields = 2
                while let line = try records.next() {
                    guard records.fieldCount == 2 else {
                        throw DataError.malformed(file: url.path, line: line, detail: "expected label<TAB>text, found no tab")
                    }
                    let label = records.string(0)
                    guard !label.isEmpty else { throw DataError.malformed(file: url.path, line: line, detail: "empty label") }
                    labels.append(label)
                    texts.append(records.field(1))
                }
            case let .csv(labelColumn, textColumn):
                var records = DelimitedRecords(bytes, delimiter: 0x2C, quoting: true, file: url.path)
                guard try records.next() != nil else { throw DataError.emptyFile(file: url.path) }
                let header = (0..<records.fieldCount).map { records.string($0) }
                func column(_ wanted: String) -> Int? {
                    if let i = header.firstIndex(of: wanted) { return i }
                    if let i = Int(wanted), i >= 0, i < header.count { return i }
                    return nil
                }
                guard let l = column(labelColumn) else {
                    throw DataError.missingLabelColumn(file: url.path, column: labelColumn, available: header)
                }
                guard let t = column(textColumn) else {
                    throw DataError.malformed(file: url.path, line: 1,
                                              detail: "no text column '\(textColumn)' (columns: \(header.joined(separator: ", ")))")
                }
                while let line = try records.next() {
                    guard records.fieldCount == header.count else {
                        throw DataError.raggedRow(file: url.path, line: line, expected: header.count, found: records.fieldCount)
                    }
                    let label = records.string(l)
                    guard !label.isEmpty else { throw DataError.malformed(file: url.path, line: line, detail: "empty label") }
                    labels.append(label)
                    texts.append(records.field(t))
                }
            }
            guard !labels.isEmpty else { throw DataError.emptyFile(file: url.path) }
            let (y, classNames) = try encodeLabels(labels, file: url.path)
            let x = Tensor.zeros([labels.count, dimension])
            for (r, text) in texts.enumerated() {
                TextReader.addCounts(of: text, into: x.pointer + r * dimension, dimension: dimension)
            }
            let data = Dataset(name: name, features: x, labels: y, classNames: classNames)
            // With no word anywhere every learner can only give the majority class, and a score would say otherwise.
            if TextReader.emptyMessages(data).count == data.count {
                throw DataError.invalidParameter(name: url.path, detail: "none of its \(data.count) messages has a word (is the text column empty throughout?): there is nothing to learn from")
            }
            return data
        }
    }

    /// A note naming the messages of `data` with no word at all (empty, or only punctuation), if any: they are
    /// kept, as all-zero rows that every learner scores as no evidence, so nothing is dropped silently.
    public static func emptyMessageNotes(_ data: Dataset) -> [String] {
        let empty = emptyMessages(data)
        guard !empty.isEmpty else { return [] }
        let shown = empty.prefix(10).map { "\($0 + 1)" }.joined(separator: ", ") + (empty.count > 10 ? ", …" : "")
        return ["\(empty.count) messages have no words (message numbers \(shown), counting from 1 in file order); "
                + "kept as all-zero rows, which a learner scores as no evidence"]
    }

    /// The rows of `data` without a word (all zero).
    static func emptyMessages(_ data: Dataset) -> [Int] {
        let d = data.featureCount, p = data.features.pointer
        return (0..<data.count).filter { r in !(0..<d).contains { p[r * d + $0] != 0 } }
    }

    /// Adds the hashed unigram and bigram counts of `text` to `row`.
    static func addCounts(of text: ArraySlice<UInt8>, into row: UnsafeMutablePointer<Float>, dimension: Int) {
        let basis: UInt64 = 0xcbf2_9ce4_8422_2325, prime: UInt64 = 0x0000_0100_0000_01B3
        var previous: UInt64?
        var h = basis, inWord = false
        func finish() {
            row[Int(h % UInt64(dimension))] += 1
            if let p = previous {
                // The bigram's hash continues the first word's hash past a separator byte.
                var b = (p ^ 0x20) &* prime
                b = (b ^ h) &* prime
                row[Int(b % UInt64(dimension))] += 1
            }
            previous = h
        }
        for var c in text {
            let isWordByte = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c >= 0x80
            if isWordByte {
                if c >= 0x41 && c <= 0x5A { c += 0x20 }
                if !inWord { h = basis; inWord = true }
                h = (h ^ UInt64(c)) &* prime
            } else if inWord {
                finish()
                inWord = false
            }
        }
        if inWord { finish() }
    }
}
