import Foundation

/// Why data could not be read or used. Every case names the file and, where there is one,
/// the line (or record) and field, so the message alone tells the user what to fix.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be opened.
    case unreadable(file: String, reason: String)
    /// A built-in data set is not installed; `install` says how to get it.
    case notInstalled(dataset: String, install: String)
    /// No catalog entry or file by that name.
    case unknownDataset(name: String, known: [String])
    /// The format could not be told from the extension; pass one explicitly.
    case unknownFormat(file: String)
    /// The file has no data.
    case emptyFile(file: String)
    /// gzip data ends before its end-of-stream marker.
    case truncatedGzip(file: String)
    /// gzip data is damaged (bad header, checksum or deflate block).
    case corruptGzip(file: String, detail: String)
    /// The IDX magic number is not 0x0000 0x08 rank.
    case badMagic(file: String, found: String, expected: String)
    /// A binary file is shorter (or longer) than its header promises.
    case sizeMismatch(file: String, expectedBytes: Int, actualBytes: Int)
    /// Two files (or parts) that must describe the same examples disagree on how many there are.
    case countMismatch(file: String, other: String, count: Int, otherCount: Int)
    /// Two files whose examples must have the same shape (train and test images) do not.
    case shapeMismatch(file: String, other: String, shape: String, otherShape: String)
    /// A cell that must be a number is not one.
    case nonNumeric(file: String, line: Int, field: String, value: String)
    /// A number is NaN or infinite.
    case nonFinite(file: String, line: Int, field: String, value: String)
    /// A row has a different number of fields from the header.
    case raggedRow(file: String, line: Int, expected: Int, found: Int)
    /// The label column named by the user is not in the header.
    case missingLabelColumn(file: String, column: String, available: [String])
    /// A column named by an option (`option`) is not in the header.
    case unknownColumn(file: String, column: String, option: String, available: [String])
    /// Only one class occurs, so there is nothing to classify.
    case singleClass(file: String, label: String)
    /// A sparse feature index is outside `1...limit`.
    case indexOutOfRange(file: String, line: Int, index: String, limit: Int)
    /// A record does not follow the format's syntax.
    case malformed(file: String, line: Int, detail: String)
    /// Reading into a dense matrix would not fit in the memory allowed: `estimateBytes` is ``DenseMemory/estimate``.
    case tooLarge(file: String, rows: Int, columns: Int, estimateBytes: Int, limitBytes: Int)
    /// A parameter of a generated or split data set is unusable.
    case invalidParameter(name: String, detail: String)
    /// An image file that cannot be decoded (not a PNG or JPEG inside, truncated, bad CRC, …).
    case badImage(file: String, detail: String)
    /// An image whose header declares more pixels than ``ImageDecoder/maxSide`` or ``ImageDecoder/maxPixels``.
    case imageTooLarge(file: String, detail: String)
    /// A valid image in a form that is not read (a CMYK JPEG).
    case unsupportedImage(file: String, detail: String)
    /// An image folder whose layout cannot be used (no class folders, a test class unknown to training, …).
    case badImageFolder(folder: String, detail: String)
    /// Compressed data inflates past what may be kept: the size its own header implies, or the memory limit.
    case inflatesTooFar(file: String, limitBytes: Int, limit: String)

    public var description: String {
        switch self {
        case let .unreadable(f, r): "\(f): cannot read (\(r))"
        case let .notInstalled(d, i): "data set '\(d)' is not installed: \(i)"
        case let .unknownDataset(n, k): "no data set or file named '\(n)' (built-in: \(k.joined(separator: ", ")))"
        case let .unknownFormat(f): "\(f): cannot tell the format from the extension; pass --format csv|tsv|libsvm|text|idx"
        case let .emptyFile(f): "\(f): empty file (no examples)"
        case let .truncatedGzip(f): "\(f): gzip data is truncated (ends before the end of the compressed stream)"
        case let .corruptGzip(f, d): "\(f): gzip data is corrupt (\(d))"
        case let .badMagic(f, found, e): "\(f): not an IDX file of the expected kind (magic \(found), expected \(e))"
        case let .sizeMismatch(f, e, a): "\(f): header promises \(e) bytes of data but the file holds \(a)"
        case let .countMismatch(f, o, c, oc): "\(f) has \(c) examples but \(o) has \(oc)"
        case let .shapeMismatch(f, o, s, os): "\(f) holds \(s) images but \(o) holds \(os); train and test images must be the same size"
        case let .nonNumeric(f, l, c, v): "\(f), line \(l), field '\(c)': '\(v)' is not a number"
        case let .nonFinite(f, l, c, v): "\(f), line \(l), field '\(c)': '\(v)' is not finite (NaN or infinite values are not allowed)"
        case let .raggedRow(f, l, e, n): "\(f), line \(l): \(n) fields, but the header has \(e)"
        case let .missingLabelColumn(f, c, a): "\(f): no label column '\(c)' (columns: \(a.joined(separator: ", ")))"
        case let .unknownColumn(f, c, o, a): "\(f): \(o) names '\(c)', which is not a column (columns: \(a.joined(separator: ", ")))"
        case let .singleClass(f, l): "\(f): every example has label '\(l)'; a classifier needs at least two classes"
        case let .indexOutOfRange(f, l, i, n): "\(f), line \(l): feature index \(i) is outside 1...\(n)"
        case let .malformed(f, l, d): "\(f), line \(l): \(d)"
        case let .tooLarge(f, r, c, e, b):
            "\(f): \(r) rows × \(c) features take \(mebibytes(Double(r) * Double(c) * 4)) as a dense matrix and about \(mebibytes(Double(e))) "
                + "to read (\(DenseMemory.accounting)), over the \(mebibytes(Double(b))) allowed (half the memory); use fewer rows or features"
        case let .invalidParameter(n, d): "\(n): \(d)"
        case let .badImage(f, d): "\(f): cannot decode this image (\(d))"
        case let .imageTooLarge(f, d): "\(f): image too large (\(d))"
        case let .unsupportedImage(f, d): "\(f): unsupported image (\(d))"
        case let .badImageFolder(f, d): "\(f): \(d)"
        case let .inflatesTooFar(f, b, l): "\(f): gzip data inflates to more than \(b) bytes, \(l); stopped there"
        }
    }
}

private func mebibytes(_ bytes: Double) -> String { String(format: "%.1f MiB", bytes / 1_048_576) }
