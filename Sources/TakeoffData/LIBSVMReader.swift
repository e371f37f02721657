import Foundation
import TakeoffEngine

/// Reads LIBSVM/SVMlight sparse text (`label index:value ...`, 1-based indices, `#` comments, `qid:` ignored)
/// into a dense ``Dataset``, refusing when the dense matrix would exceed `maxBytes`.
public struct LIBSVMReader {
    /// The number of features; nil takes the largest index seen. Indices above it are errors.
    public var featureCount: Int?
    /// The most memory the dense feature matrix may take; by default half the machine's memory.
    public var maxBytes: Int

    /// A reader with these settings.
    public init(featureCount: Int? = nil, maxBytes: Int = MemoryLimit.bytes) {
        self.featureCount = featureCount
        self.maxBytes = maxBytes
    }

    /// Reads `url` (gzip-compressed or not).
    public func read(_ url: URL, name: String? = nil) throws -> Dataset {
        let data = try Gzip.contents(of: url)
        return try data.withUnsafeBytes { raw in
            try parse(raw.bindMemory(to: UInt8.self), file: url.path,
                      name: name ?? url.deletingPathExtension(if: "gz").deletingPathExtension().lastPathComponent)
        }
    }

    func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String, name: String) throws -> Dataset {
        let limit = featureCount ?? Int(Int32.max)
        var labels: [String] = []
        var rowEnds: [Int] = []
        var rowLines: [Int] = []
        var indices: [Int32] = []
        var values: [Float] = []
        var widest = 0
        var line = 0
        let n = bytes.count
        // A UTF-8 byte-order mark is not part of the first label.
        var p = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        while p < n {
            line += 1
            var end = p
            while end < n && bytes[end] != 0x0A { end += 1 }
            var stop = p
            while stop < end && bytes[stop] != 0x23 { stop += 1 }   // '#' starts a comment
            var tokens: [Range<Int>] = []
            var i = p
            while i < stop {
                while i < stop && isSpace(bytes[i]) { i += 1 }
                let s = i
                while i < stop && !isSpace(bytes[i]) { i += 1 }
                if i > s { tokens.append(s..<i) }
            }
            p = end + 1
            guard let first = tokens.first else { continue }
            let text = { (r: Range<Int>) in String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self) }
            let label = text(first)
            if label.contains(":") {
                throw DataError.malformed(file: file, line: line, detail: "the line starts with '\(label)' instead of a label")
            }
            labels.append(label)
            for t in tokens.dropFirst() {
                guard let colon = bytes[t].firstIndex(of: 0x3A) else {
                    throw DataError.malformed(file: file, line: line, detail: "'\(text(t))' is not index:value")
                }
                let indexText = text(t.lowerBound..<colon)
                if indexText == "qid" { continue }   // SVMlight ranking groups carry no feature
                guard let index = Int(indexText) else {
                    throw DataError.malformed(file: file, line: line, detail: "feature index '\(indexText)' is not an integer")
                }
                guard index >= 1 && index <= limit else {
                    throw DataError.indexOutOfRange(file: file, line: line, index: indexText, limit: limit)
                }
                let field = "feature \(index)"
                let valueBytes = bytes[(colon + 1)..<t.upperBound]
                guard let v = parseNumber(Array(valueBytes)[...]) else {
                    throw DataError.nonNumeric(file: file, line: line, field: field, value: text((colon + 1)..<t.upperBound))
                }
                guard v.isFinite, Float(v).isFinite else {
                    throw DataError.nonFinite(file: file, line: line, field: field, value: text((colon + 1)..<t.upperBound))
                }
                widest = max(widest, index)
                indices.append(Int32(index - 1))
                values.append(Float(v))
            }
            rowEnds.append(indices.count)
            rowLines.append(line)
        }
        guard !labels.isEmpty else { throw DataError.emptyFile(file: file) }
        let d = featureCount ?? widest
        guard d > 0 else { throw DataError.malformed(file: file, line: 1, detail: "no features in any line") }
        try DenseMemory.check(file: file, rows: labels.count, columns: d,
                              parsing: n + indices.capacity * 4 + values.capacity * 4 + labels.count * 16 + rowEnds.capacity * 8 + rowLines.capacity * 8,
                              limit: maxBytes)
        let (y, classNames) = try encodeLabels(labels, file: file, lines: rowLines)
        let x = Tensor.zeros([labels.count, d])
        var k = 0
        var lastRow = [Int](repeating: -1, count: d)   // the row that last set each feature, to catch repeats
        for (r, e) in rowEnds.enumerated() {
            let row = x.pointer + r * d
            while k < e {
                let j = Int(indices[k])
                guard lastRow[j] != r else {
                    throw DataError.malformed(file: file, line: rowLines[r], detail: "feature index \(j + 1) appears twice")
                }
                lastRow[j] = r
                row[j] = values[k]
                k += 1
            }
        }
        return Dataset(name: name, features: x, labels: y, classNames: classNames)
    }
}
