import CZlib
import Foundation
import TakeoffEngine

/// gzip decompression over Debian's zlib; truncated or damaged input throws ``DataError``.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// Bytes inflated before a format's header is checked: enough for any header Takeoff reads.
    static let headerChunk = 1 << 16

    /// The decompressed bytes of one or more concatenated gzip members; `file` names the source in errors.
    ///
    /// Inflating stops, with ``DataError/inflatesTooFar(file:limitBytes:limit:)``, past `maximumBytes`
    /// (default: ``MemoryLimit/bytes``) or past the size `header` implies. `header` sees the bytes
    /// inflated so far, a small chunk at a time until it answers: nil for "not enough bytes yet", the
    /// total size the format's header promises, or an error (a wrong magic number) that stops inflating
    /// at once, so a bomb of a file costs a few kilobytes and milliseconds rather than gigabytes.
    public static func decompress(_ data: Data, file: String, maximumBytes: Int = MemoryLimit.bytes,
                                  header: ((UnsafeRawBufferPointer) throws -> Int?)? = nil) throws -> Data {
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Data in
            guard let inBase = input.baseAddress, input.count >= 2 else { throw DataError.truncatedGzip(file: file) }
            var strm = z_stream()
            guard inflateInit2_(&strm, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw DataError.corruptGzip(file: file, detail: "zlib could not start")
            }
            defer { inflateEnd(&strm) }

            // Output past `limit` is an error; the buffer holds one byte more to notice it.
            var limit = maximumBytes, limitReason = "the memory limit"
            var awaitingHeader = header != nil
            // The trailer's ISIZE (length mod 2^32) is only a hint: deflate expands at most ~1032×.
            let tail = input.count >= 4 ? Int(input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian) : 0
            var capacity = awaitingHeader ? headerChunk : max(1 << 16, min(tail, input.count * 1032, 1 << 31, limit) + 1)
            guard var out = malloc(capacity)?.assumingMemoryBound(to: UInt8.self) else {
                throw DataError.corruptGzip(file: file, detail: "cannot allocate \(capacity) bytes")
            }
            var consumed = 0
            func feed() {
                let n = min(input.count - consumed, Int(UInt32.max))
                strm.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: UInt8.self) + consumed)
                strm.avail_in = UInt32(n)
                consumed += n
            }
            func resize(_ newCapacity: Int) throws {
                let produced = strm.next_out - out
                guard let grown = realloc(out, newCapacity)?.assumingMemoryBound(to: UInt8.self) else {
                    throw DataError.corruptGzip(file: file, detail: "cannot allocate \(newCapacity) bytes")
                }
                out = grown
                capacity = newCapacity
                strm.next_out = out + produced
                strm.avail_out = UInt32(min(capacity - produced, Int(UInt32.max)))
            }
            feed()
            strm.next_out = out
            strm.avail_out = UInt32(min(capacity, Int(UInt32.max)))
            do {
                while true {
                    if strm.avail_out == 0 {
                        let produced = strm.next_out - out
                        if produced > limit { throw DataError.inflatesTooFar(file: file, limitBytes: limit, limit: limitReason) }
                        try resize(min(capacity * 2, limit + 1))
                    }
                    if strm.avail_in == 0 && consumed < input.count { feed() }
                    let status = inflate(&strm, Z_NO_FLUSH)
                    if awaitingHeader, let header, status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR {
                        if let size = try header(UnsafeRawBufferPointer(start: out, count: strm.next_out - out)) {
                            awaitingHeader = false
                            if size < limit { (limit, limitReason) = (size, "the size its header implies") }
                            try resize(max(capacity, limit + 1))
                        }
                    }
                    switch status {
                    case Z_STREAM_END:
                        let rest = Int(strm.avail_in) + input.count - consumed
                        let at = input.count - rest
                        if rest >= 2 && input[at] == 0x1f && input[at + 1] == 0x8b {
                            inflateReset(&strm)
                            continue
                        }
                        if rest > 0 && !(at..<input.count).allSatisfy({ input[$0] == 0 }) {
                            throw DataError.corruptGzip(file: file, detail: "\(rest) bytes of trailing garbage after the gzip stream")
                        }
                        let produced = strm.next_out - out
                        if produced > limit { throw DataError.inflatesTooFar(file: file, limitBytes: limit, limit: limitReason) }
                        return Data(bytesNoCopy: out, count: produced, deallocator: .free)
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR:
                        if strm.avail_out == 0 || (strm.avail_in == 0 && consumed < input.count) { continue }
                        if strm.avail_in == 0 { throw DataError.truncatedGzip(file: file) }
                        throw DataError.corruptGzip(file: file, detail: "inflate made no progress")
                    case Z_DATA_ERROR:
                        let msg = strm.msg.map { String(cString: $0) } ?? "invalid deflate data"
                        throw DataError.corruptGzip(file: file, detail: msg)
                    default:
                        throw DataError.corruptGzip(file: file, detail: "zlib status \(status)")
                    }
                }
            } catch {
                free(out)
                throw error
            }
        }
    }

    /// The file's bytes, gunzipped when they start with the gzip magic; `header` as in
    /// ``decompress(_:file:maximumBytes:header:)``.
    public static func contents(of url: URL, header: ((UnsafeRawBufferPointer) throws -> Int?)? = nil) throws -> Data {
        let raw = try readFile(url)
        return isCompressed(raw) ? try decompress(raw, file: url.path, header: header) : raw
    }
}

/// The bytes of `url`, with a ``DataError`` naming the file when it cannot be read.
func readFile(_ url: URL) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw DataError.unreadable(file: url.path, reason: "no such file")
    }
    guard !isDirectory.boolValue else { throw DataError.unreadable(file: url.path, reason: "it is a directory") }
    let type = (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType
    if let type, type != .typeRegular {
        let kind = switch type {
        case .typeCharacterSpecial, .typeBlockSpecial: "a device"
        case .typeSocket: "a socket"
        default: "a named pipe (FIFO)"
        }
        throw DataError.unreadable(file: url.path, reason: "it is \(kind), not a regular file; save the data to a file first")
    }
    do {
        return try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
        throw DataError.unreadable(file: url.path, reason: (error as NSError).localizedDescription)
    }
}
