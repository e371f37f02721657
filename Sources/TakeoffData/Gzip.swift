import CZlib
import Foundation

/// gzip decompression over Debian's zlib; truncated or damaged input throws ``DataError``.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// The decompressed bytes of one or more concatenated gzip members; `file` names the source in errors.
    public static func decompress(_ data: Data, file: String) throws -> Data {
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Data in
            guard let inBase = input.baseAddress, input.count >= 2 else { throw DataError.truncatedGzip(file: file) }
            var strm = z_stream()
            guard inflateInit2_(&strm, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw DataError.corruptGzip(file: file, detail: "zlib could not start")
            }
            defer { inflateEnd(&strm) }

            // The trailer's ISIZE (length mod 2^32) is only a hint: deflate expands at most ~1032×.
            let tail = input.count >= 4 ? Int(input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian) : 0
            var capacity = max(1 << 16, min(tail, input.count * 1032, 1 << 31) + 1)
            guard var out = malloc(capacity)?.assumingMemoryBound(to: UInt8.self) else {
                throw DataError.corruptGzip(file: file, detail: "cannot allocate \(capacity) bytes")
            }
            var produced = 0
            var consumed = 0
            func feed() {
                let n = min(input.count - consumed, Int(UInt32.max))
                strm.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: UInt8.self) + consumed)
                strm.avail_in = UInt32(n)
                consumed += n
            }
            feed()
            strm.next_out = out
            strm.avail_out = UInt32(min(capacity, Int(UInt32.max)))
            do {
                while true {
                    if strm.avail_out == 0 {
                        produced = strm.next_out - out
                        capacity *= 2
                        guard let grown = realloc(out, capacity)?.assumingMemoryBound(to: UInt8.self) else {
                            throw DataError.corruptGzip(file: file, detail: "cannot allocate \(capacity) bytes")
                        }
                        out = grown
                        strm.next_out = out + produced
                        strm.avail_out = UInt32(min(capacity - produced, Int(UInt32.max)))
                    }
                    if strm.avail_in == 0 && consumed < input.count { feed() }
                    let status = inflate(&strm, Z_NO_FLUSH)
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
                        produced = strm.next_out - out
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

    /// The file's bytes, gunzipped when they start with the gzip magic.
    public static func contents(of url: URL) throws -> Data {
        let raw = try readFile(url)
        return isCompressed(raw) ? try decompress(raw, file: url.path) : raw
    }
}

/// The bytes of `url`, with a ``DataError`` naming the file when it cannot be read.
func readFile(_ url: URL) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw DataError.unreadable(file: url.path, reason: "no such file")
    }
    guard !isDirectory.boolValue else { throw DataError.unreadable(file: url.path, reason: "it is a directory") }
    do {
        return try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
        throw DataError.unreadable(file: url.path, reason: (error as NSError).localizedDescription)
    }
}
