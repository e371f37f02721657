import Foundation

/// Named `Float32` tensors and string metadata in the safetensors format: an 8-byte
/// little-endian header length, a JSON header mapping each name to its `dtype` ("F32"),
/// `shape` and `data_offsets` (plus an optional `__metadata__` string map), then the raw
/// little-endian data.
///
/// Files are byte-deterministic: tensors are laid out in sorted name order and the header's
/// keys are sorted. Reading validates everything and throws ``SafetensorsError`` naming the
/// file and the offending field or tensor.
public enum Safetensors {
    /// Writes `tensors` and `metadata` to `url` (atomically).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata, file: url.path)
        do { try data.write(to: url, options: .atomic) } catch {
            throw SafetensorsError.io(file: url.path, reason: reason(error, writing: url))
        }
    }

    /// What went wrong with the file at `url`, in words (Foundation's own messages name error codes).
    static func reason(_ error: any Error, writing: URL? = nil, reading: URL? = nil) -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if let url = reading ?? writing, fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "is a directory, not a file"
        }
        if let url = reading, !fm.fileExists(atPath: url.path) { return "no such file" }
        if let folder = writing?.deletingLastPathComponent(), !fm.fileExists(atPath: folder.path) {
            return "the folder \(folder.path) does not exist"
        }
        if let folder = writing?.deletingLastPathComponent(), !fm.isWritableFile(atPath: folder.path) {
            return "cannot write in \(folder.path)"
        }
        // Foundation's own text ("The operation could not be completed") hides the system's reason.
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile: return writing != nil ? "cannot create a file there (no such file or directory)" : "no such file"
            case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on the device"
            case .fileWriteVolumeReadOnly: return "the file system is read-only"
            default: break
            }
        }
        return error.localizedDescription
    }

    /// Reads every tensor and the metadata of the file at `url`.
    public static func read(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        // A pipe would block the read until a writer came, and a device reads as a permission error.
        if let type = (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType,
           type != .typeRegular, type != .typeDirectory {
            throw SafetensorsError.io(file: url.path, reason: "not a regular file (a device, named pipe or socket)")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SafetensorsError.io(file: url.path, reason: reason(error, reading: url))
        }
        return try decode(data, file: url.path)
    }

    /// The bytes of a safetensors file holding `tensors` and `metadata`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:],
                              file: String = "<memory>") throws -> Data {
        if tensors["__metadata__"] != nil {
            throw SafetensorsError.invalidField(file: file, tensor: "__metadata__", field: "name",
                                                reason: "the name is reserved for metadata")
        }
        let names = tensors.keys.sorted()
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = try metadata.keys.sorted().map { "\(try quoted($0)):\(try quoted(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(try quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + 4 * t.count)]}")
            offset += 4 * t.count
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            let t = tensors[name]!
            var bytes = [UInt8](repeating: 0, count: 4 * t.count)
            bytes.withUnsafeMutableBytes { raw in
                for i in 0..<t.count { raw.storeBytes(of: t.pointer[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
            data.append(contentsOf: bytes)
        }
        return data
    }

    /// The tensors and metadata of safetensors bytes; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw SafetensorsError.truncated(file: file, size: data.count) }
        let length = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(data.count - 8) else {
            throw SafetensorsError.headerLength(file: file, length: length, fileSize: data.count)
        }
        let start = data.startIndex
        let headerBytes = data[(start + 8)..<(start + 8 + Int(length))]
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerBytes) } catch {
            throw SafetensorsError.invalidHeader(file: file, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else {
            throw SafetensorsError.invalidHeader(file: file, reason: "not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: Any] else {
                throw SafetensorsError.invalidField(file: file, tensor: "__metadata__", field: "__metadata__", reason: "not an object")
            }
            for (key, value) in map {
                guard let s = value as? String else {
                    throw SafetensorsError.invalidField(file: file, tensor: "__metadata__", field: key, reason: "value is not a string")
                }
                metadata[key] = s
            }
        }
        let dataStart = 8 + Int(length), dataSize = data.count - dataStart
        var spans: [(name: String, begin: Int, end: Int, shape: [Int])] = []
        for (name, raw) in header where name != "__metadata__" {
            func invalid(_ field: String, _ reason: String) -> SafetensorsError {
                .invalidField(file: file, tensor: name, field: field, reason: reason)
            }
            guard let entry = raw as? [String: Any] else { throw invalid("entry", "not an object") }
            guard let dtype = entry["dtype"] as? String else { throw invalid("dtype", "missing or not a string") }
            guard dtype == "F32" else { throw SafetensorsError.unsupportedDtype(file: file, tensor: name, dtype: dtype) }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw invalid("shape", "missing or not a list of non-negative integers")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw invalid("data_offsets", "missing or not a pair [begin, end] with 0 ≤ begin ≤ end")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard end <= dataSize else {
                throw SafetensorsError.offsetsOutOfRange(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var bytes = 4
            for d in shape {
                let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
                guard !overflow else { throw SafetensorsError.sizeMismatch(file: file, tensor: name, shape: shape, bytes: end - begin) }
                bytes = p
            }
            guard bytes == end - begin else {
                throw SafetensorsError.sizeMismatch(file: file, tensor: name, shape: shape, bytes: end - begin)
            }
            spans.append((name, begin, end, shape))
        }
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0, previous = ""
        for s in spans {
            if s.begin < covered { throw SafetensorsError.overlap(file: file, tensor: s.name, other: previous) }
            if s.begin > covered { throw SafetensorsError.unusedBytes(file: file, offset: covered, count: s.begin - covered) }
            covered = s.end
            previous = s.name
        }
        if covered < dataSize { throw SafetensorsError.unusedBytes(file: file, offset: covered, count: dataSize - covered) }

        var tensors: [String: Tensor] = [:]
        data.withUnsafeBytes { raw in
            for s in spans {
                let t = Tensor(uninitializedShape: s.shape)
                let base = dataStart + s.begin
                for i in 0..<t.count {
                    t.pointer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                }
                tensors[s.name] = t
            }
        }
        return (tensors, metadata)
    }

    /// A JSON array of integers, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for v in array {
            guard let i = v as? Int else { return nil }
            out.append(i)
        }
        return out
    }

    private static func quoted(_ s: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(s), as: UTF8.self)
    }
}

/// Why a safetensors file could not be read or written; each case names the file.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or written.
    case io(file: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case truncated(file: String, size: Int)
    /// The header length points past the end of the file.
    case headerLength(file: String, length: UInt64, fileSize: Int)
    /// The header is not a JSON object.
    case invalidHeader(file: String, reason: String)
    /// A tensor entry (or the metadata) has a missing or malformed field.
    case invalidField(file: String, tensor: String, field: String, reason: String)
    /// A dtype other than F32.
    case unsupportedDtype(file: String, tensor: String, dtype: String)
    /// The byte span does not hold `4 · count(shape)` bytes.
    case sizeMismatch(file: String, tensor: String, shape: [Int], bytes: Int)
    /// The byte span ends past the data section.
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors share bytes.
    case overlap(file: String, tensor: String, other: String)
    /// Bytes of the data section that belong to no tensor (a gap, or trailing garbage).
    case unusedBytes(file: String, offset: Int, count: Int)

    public var description: String {
        switch self {
        case let .io(file, reason): "\(file): \(reason)"
        case let .truncated(file, size): "\(file): \(size) bytes is too short for a safetensors file (needs at least 8)"
        case let .headerLength(file, length, size):
            "\(file): not a safetensors file (its first 8 bytes give a header length of \(length), past the end of its \(size) bytes)"
        case let .invalidHeader(file, reason): "\(file): header is \(reason)"
        case let .invalidField(file, tensor, field, reason): "\(file): tensor '\(tensor)': field '\(field)' is \(reason)"
        case let .unsupportedDtype(file, tensor, dtype): "\(file): tensor '\(tensor)': dtype '\(dtype)' is not supported (only F32)"
        case let .sizeMismatch(file, tensor, shape, bytes):
            "\(file): tensor '\(tensor)': shape \(shape) does not match its \(bytes) bytes of data"
        case let .offsetsOutOfRange(file, tensor, begin, end, size):
            "\(file): tensor '\(tensor)': data_offsets [\(begin), \(end)] exceed the \(size) bytes of data"
        case let .overlap(file, tensor, other): "\(file): tensor '\(tensor)' overlaps tensor '\(other)'"
        case let .unusedBytes(file, offset, count): "\(file): \(count) bytes at data offset \(offset) belong to no tensor"
        }
    }
}
