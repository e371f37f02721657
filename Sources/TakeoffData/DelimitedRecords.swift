import Foundation

/// Splits delimited text (CSV with RFC 4180 quoting, TSV, or whitespace-free `label<TAB>text` lines)
/// into records over the raw bytes, without building a String per character.
public struct DelimitedRecords {
    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    /// Whether `"` starts a quoted field (CSV); off for TSV and labeled text, where quotes are text.
    let quoting: Bool
    let file: String
    /// Whether the last field runs to the end of the line, delimiters included (labeled text).
    var lastFieldTakesRest = false
    var maxFields = Int.max

    private var position = 0
    private(set) var line = 1
    /// The unescaped bytes of the current record's fields, and where each field ends.
    private(set) var buffer: [UInt8] = []
    private(set) var ends: [Int] = []

    public init(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, quoting: Bool, file: String) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.quoting = quoting
        self.file = file
        // A UTF-8 byte-order mark is not part of the first field.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    public var fieldCount: Int { ends.count }

    /// Field `i` of the current record, spaces around it removed.
    public func field(_ i: Int) -> ArraySlice<UInt8> {
        var lo = i == 0 ? 0 : ends[i - 1], hi = ends[i]
        while lo < hi && (buffer[lo] == 0x20 || buffer[lo] == 0x09 && delimiter != 0x09) { lo += 1 }
        while hi > lo && (buffer[hi - 1] == 0x20 || buffer[hi - 1] == 0x09 && delimiter != 0x09) { hi -= 1 }
        return buffer[lo..<hi]
    }

    public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    /// Reads the next non-blank record; returns its first line number, or nil at the end.
    public mutating func next() throws -> Int? {
        while position < bytes.count {
            let start = line
            buffer.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            var quoted = false, atFieldStart = true, any = false
            while position < bytes.count {
                let b = bytes[position]
                position += 1
                if quoted {
                    if b == 0x22 {
                        if position < bytes.count && bytes[position] == 0x22 { buffer.append(0x22); position += 1 } else { quoted = false }
                    } else {
                        if b == 0x0A { line += 1 }
                        buffer.append(b)
                    }
                    continue
                }
                if b == 0x0A { line += 1; break }
                if b == 0x0D { continue }
                any = true
                if b == delimiter && !(lastFieldTakesRest && ends.count == maxFields - 1) {
                    ends.append(buffer.count)
                    atFieldStart = true
                    continue
                }
                if quoting && b == 0x22 && atFieldStart && buffer.count == (ends.last ?? 0) {
                    quoted = true
                    atFieldStart = false
                    continue
                }
                if b != 0x20 { atFieldStart = false }
                buffer.append(b)
            }
            if quoted { throw DataError.malformed(file: file, line: start, detail: "a quoted field is not closed before the end of the file") }
            if !any && buffer.isEmpty { continue }
            ends.append(buffer.count)
            return start
        }
        return nil
    }
}

/// The number in `field`, or nil when it is not entirely a number; NaN and infinities parse
/// (so the caller can report them as non-finite rather than non-numeric).
public func parseNumber(_ field: ArraySlice<UInt8>) -> Double? {
    guard !field.isEmpty, field.count < 64 else {
        return field.isEmpty ? nil : Double(String(decoding: field, as: UTF8.self))
    }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: field.count + 1) { buf in
        for (i, b) in field.enumerated() { buf[i] = CChar(bitPattern: b) }
        buf[field.count] = 0
        var end: UnsafeMutablePointer<CChar>?
        let v = strtod(buf.baseAddress!, &end)
        guard let end, end - buf.baseAddress! == field.count else { return nil }
        // strtod also takes hex floats and leading spaces; the fields here are trimmed decimal text.
        if field.contains(where: { $0 == 0x78 || $0 == 0x58 }) { return nil }
        return v
    }
}
