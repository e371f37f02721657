import Dispatch
import Foundation
import TakeoffEngine

/// An IDX array of unsigned bytes (the MNIST layout): magic 00 00 08 rank, big-endian
/// 32-bit extents, then the row-major payload. Raw or gzip-compressed.
public struct IDXArray: Sendable {
    /// The extent of each axis; the first is the number of records.
    public var dimensions: [Int]
    /// The payload, `dimensions.reduce(1, *)` bytes.
    public var payload: Data
}

/// Reading IDX files and MNIST-layout directories.
public enum IDXReader {
    /// Reads an IDX file of unsigned bytes with `rank` axes; the first axis (the record count) must be nonzero.
    /// A gzip-compressed file is checked as soon as its header is inflated, and inflating stops at the
    /// size that header implies.
    public static func read(_ url: URL, rank: Int) throws -> IDXArray {
        try parse(Gzip.contents(of: url) { try header($0, file: url.path, rank: rank)?.fileBytes }, file: url.path, rank: rank)
    }

    /// Parses IDX bytes already in memory; `file` names the source in errors.
    public static func parse(_ data: Data, file: String, rank: Int) throws -> IDXArray {
        guard !data.isEmpty else { throw DataError.emptyFile(file: file) }
        guard data.count >= 4 else {
            throw DataError.badMagic(file: file, found: data.map { String(format: "%02x", $0) }.joined(separator: " "),
                                     expected: "00 00 08 \(String(format: "%02x", rank))")
        }
        let found = try data.withUnsafeBytes { try header($0, file: file, rank: rank) }
        guard let (dims, total, _) = found else {
            let size = 4 + 4 * rank
            throw DataError.sizeMismatch(file: file, expectedBytes: size, actualBytes: data.count)
        }
        let headerBytes = 4 + 4 * rank
        guard data.count - headerBytes == total else {
            throw DataError.sizeMismatch(file: file, expectedBytes: total, actualBytes: data.count - headerBytes)
        }
        guard dims[0] > 0, total > 0 else { throw DataError.emptyFile(file: file) }
        return IDXArray(dimensions: dims, payload: data.subdata(in: data.startIndex + headerBytes..<data.endIndex))
    }

    /// The header at the start of `bytes`: the extents, the payload size they imply and the whole file's
    /// size; nil while the extents are not all there. Throws as soon as the magic number is wrong
    /// (or shorter than 4 bytes when `bytes` is all there is) or the size overflows.
    static func header(_ bytes: UnsafeRawBufferPointer, file: String, rank: Int)
        throws -> (dimensions: [Int], payloadBytes: Int, fileBytes: Int)? {
        let expected = "00 00 08 \(String(format: "%02x", rank))"
        let magic = Array(bytes.prefix(4))
        guard magic.count == 4 else { return nil }
        guard magic[0] == 0, magic[1] == 0, magic[2] == 8, Int(magic[3]) == rank else {
            throw DataError.badMagic(file: file, found: magic.map { String(format: "%02x", $0) }.joined(separator: " "), expected: expected)
        }
        let headerBytes = 4 + 4 * rank
        guard bytes.count >= headerBytes else { return nil }
        var dims: [Int] = []
        var total = 1
        var overflow = false
        for a in 0..<rank {
            let d = bytes[(4 + 4 * a)..<(8 + 4 * a)].reduce(0) { $0 << 8 | Int($1) }
            dims.append(d)
            (total, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { throw DataError.sizeMismatch(file: file, expectedBytes: Int.max, actualBytes: bytes.count - headerBytes) }
        }
        return (dims, total, headerBytes + total)
    }

    /// Images from an IDX3 file and labels from an IDX1 file as a data set, pixels scaled to [0, 1].
    /// Without `classNames` the classes are named "0" ... "max label".
    public static func dataset(images: URL, labels: URL, name: String, classNames: [String]? = nil) throws -> Dataset {
        let parts = [(images, 3), (labels, 1)]
        let arrays = try concurrently(2) { i in try read(parts[i].0, rank: parts[i].1) }
        return try assemble(images: arrays[0], imagesFile: images.path, labels: arrays[1],
                            labelsFile: labels.path, name: name, classNames: classNames)
    }

    static func assemble(images: IDXArray, imagesFile: String, labels: IDXArray, labelsFile: String,
                         name: String, classNames: [String]?) throws -> Dataset {
        let n = images.dimensions[0]
        guard labels.dimensions[0] == n else {
            throw DataError.countMismatch(file: imagesFile, other: labelsFile, count: n, otherCount: labels.dimensions[0])
        }
        let y = labels.payload.map { Int($0) }
        let maxLabel = y.max() ?? 0
        let names = classNames ?? (0...maxLabel).map(String.init)
        if let bad = y.firstIndex(where: { $0 >= names.count }) {
            throw DataError.malformed(file: labelsFile, line: bad + 1,
                                      detail: "record \(bad + 1) has label \(y[bad]) but there are only \(names.count) classes")
        }
        if y.allSatisfy({ $0 == y[0] }) { throw DataError.singleClass(file: labelsFile, label: names[y[0]]) }
        let shape = [1] + Array(images.dimensions.dropFirst())
        let d = shape.reduce(1, *)
        let x = Tensor(uninitializedShape: [n, d])
        let out = x.pointer
        images.payload.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let src = raw.bindMemory(to: UInt8.self).baseAddress!
            Parallel.ranges(n * d) { lo, hi in
                for i in lo..<hi { out[i] = Float(src[i]) * (1 / 255) }
            }
        }
        return Dataset(name: name, features: x, labels: y, classNames: names, imageShape: shape)
    }

    /// Labels without class names name classes 0...max: a class that no record of any of `parts` has is a label
    /// out of place, not a class (a stray 200 in a file of 0s and 1s would make 199 empty classes). Throws
    /// naming the record with the largest label.
    static func requireEveryClass(_ parts: [(labels: [Int], file: String)]) throws {
        let seen = Set(parts.flatMap(\.labels))
        guard let top = seen.max(), let missing = (0..<top).first(where: { !seen.contains($0) }) else { return }
        let part = parts.first { $0.labels.contains(top) }!
        let record = part.labels.firstIndex(of: top)! + 1
        let below = seen.filter { $0 < missing }.max().map(String.init) ?? "none"
        throw DataError.malformed(file: part.file, line: record,
                                  detail: "record \(record) has label \(top), but no record has label \(missing) (labels name classes "
                                      + "0...\(top); the largest label below \(missing) is \(below)): a damaged label?")
    }

    /// The file for `stem` (e.g. `train-images-idx3-ubyte`) in `directory`, gzip-compressed or raw.
    static func locate(_ stem: String, in directory: URL) -> URL? {
        for candidate in [stem + ".gz", stem] {
            let url = directory.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// A directory in the MNIST layout (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
    /// `t10k-…`) as its official train and test sets.
    public static func mnistLayout(_ directory: URL, name: String, classNames: [String]? = nil) throws -> TrainTestSplit {
        @Sendable func part(_ prefix: String) throws -> Dataset {
            let stems = ["\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte"]
            let urls = try stems.map { stem in
                guard let url = locate(stem, in: directory) else {
                    throw DataError.unreadable(file: directory.appendingPathComponent(stem + ".gz").path, reason: "no such file")
                }
                return url
            }
            return try dataset(images: urls[0], labels: urls[1], name: "\(name)/\(prefix == "t10k" ? "test" : prefix)",
                               classNames: classNames)
        }
        let both = try concurrently(2) { i in try part(i == 0 ? "train" : "t10k") }
        let train = both[0], test = both[1]
        guard train.imageShape == test.imageShape else {
            let shape = { (s: [Int]?) in (s ?? []).dropFirst().map(String.init).joined(separator: "×") }
            throw DataError.shapeMismatch(file: (locate("t10k-images-idx3-ubyte", in: directory) ?? directory).path,
                                          other: (locate("train-images-idx3-ubyte", in: directory) ?? directory).path,
                                          shape: shape(test.imageShape), otherShape: shape(train.imageShape))
        }
        let classes = max(train.classCount, test.classCount)
        if classNames == nil {
            try requireEveryClass([(train.labels, (locate("train-labels-idx1-ubyte", in: directory) ?? directory).path),
                                   (test.labels, (locate("t10k-labels-idx1-ubyte", in: directory) ?? directory).path)])
        }
        return TrainTestSplit(train: train.withClassNames(classNames ?? (0..<classes).map(String.init)),
                              test: test.withClassNames(classNames ?? (0..<classes).map(String.init)),
                              officialTest: true)
    }
}

/// `body(0..<n)` run concurrently (one task each, for a few independent file reads); rethrows the first error.
func concurrently<T: Sendable>(_ n: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: n)
    results.initialize(repeating: nil)
    defer { results.deinitialize(); results.deallocate() }
    let box = UncheckedSendable(results)
    DispatchQueue.concurrentPerform(iterations: n) { i in box.value[i] = Result { try body(i) } }
    return try results.map { try $0!.get() }
}
