import Foundation

/// An image folder's pictures decoded and resampled to one side: what ``ImageCache`` keeps.
public struct DecodedImages: Sendable {
    /// Channels per pixel: 1 (grey) or 3 (RGB).
    public var channels: Int
    /// The side every image was resampled to.
    public var side: Int
    /// Each image's width and height as stored in its file.
    public var sizes: [(width: Int, height: Int)]
    /// `count × channels × side × side` bytes, channels interleaved per pixel, images in listing order.
    public var pixels: [UInt8]
}

/// An image folder's ``DecodedImages`` kept in one file, so a rerun on the same files decodes nothing.
///
/// The file (`image-cache-<hash of the folder's path and the size asked for>.bin` in the run's output folder)
/// holds a key over every image's relative path, byte size and modification time and the size asked for;
/// when any differs, or the file is short, damaged or of another version, it is rebuilt.
/// Layout, little-endian: magic `TKIMGC01`, key (UInt64), count, channels, side (UInt32 each), count ×
/// (width, height) as UInt32, count × channels × side × side pixel bytes, then a checksum (UInt64) of all before it.
public enum ImageCache {
    static let magic = Array("TKIMGC01".utf8)

    /// The cache file for the folder at `root` read at `requestedSide` (nil: the side chosen from the data) in `directory`.
    public static func file(in directory: URL, root: URL, requestedSide: Int?) -> URL {
        var h = Hash()
        h.add(root.standardizedFileURL.path)
        h.add(requestedSide ?? 0)
        return directory.appendingPathComponent(String(format: "image-cache-%016llx.bin", h.value))
    }

    /// The key of `entries` read at `requestedSide`: what the cached pixels depend on.
    public static func key(_ entries: [ImageFolder.Entry], requestedSide: Int?) -> UInt64 {
        var h = Hash()
        h.add(1)  // the version of decoding and resampling
        h.add(requestedSide ?? 0)
        for e in entries {
            h.add(e.relativePath)
            h.add(e.bytes)
            h.add(Int(truncatingIfNeeded: e.modified))
        }
        return h.value
    }

    /// The contents of `url` when it holds `count` images under `key`; nil when it is missing, of other files,
    /// short or damaged (then the caller decodes and writes it again).
    public static func read(_ url: URL, key: UInt64, count: Int) -> DecodedImages? {
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { raw -> DecodedImages? in
            var reader = Reader(raw: raw)
            guard reader.bytes(8).map(Array.init) == magic, reader.uint64() == key, reader.uint32() == count,
                  let channels = reader.uint32(), channels == 1 || channels == 3, let side = reader.uint32(), side > 0 else { return nil }
            let pixelBytes = count * channels * side * side
            guard raw.count == 28 + 8 * count + pixelBytes + 8,
                  checksum(UnsafeRawBufferPointer(rebasing: raw[0..<raw.count - 8])) == UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
            else { return nil }
            var sizes: [(width: Int, height: Int)] = []
            sizes.reserveCapacity(count)
            for _ in 0..<count { sizes.append((reader.uint32()!, reader.uint32()!)) }
            return DecodedImages(channels: channels, side: side, sizes: sizes, pixels: Array(reader.bytes(pixelBytes)!))
        }
    }

    /// Writes `images` for `key` to `url` (atomically: a reader never sees half a file).
    public static func write(_ images: DecodedImages, to url: URL, key: UInt64) throws {
        let (sizes, pixels) = (images.sizes, images.pixels)
        var out = Data(capacity: 36 + 8 * sizes.count + pixels.count)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Self.magic)
        put(key)
        for v in [sizes.count, images.channels, images.side] { put(UInt32(v)) }
        for s in sizes { put(UInt32(s.width)); put(UInt32(s.height)) }
        out.append(contentsOf: pixels)
        put(out.withUnsafeBytes { Self.checksum($0) })
        try out.write(to: url, options: .atomic)
    }

    /// A 64-bit checksum read eight bytes at a time (fast enough for hundreds of megabytes).
    static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        let words = raw.count / 8
        for i in 0..<words { h = (h ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3 &+ 0x2F }
        for i in words * 8..<raw.count { h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// FNV-1a over strings and integers.
    struct Hash {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ bytes: some Sequence<UInt8>) { for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        mutating func add(_ s: String) { add(s.utf8); add(CollectionOfOne(UInt8(0))) }
        mutating func add(_ n: Int) { withUnsafeBytes(of: Int64(n).littleEndian) { add($0) } }
    }

    /// Reads little-endian fields in order; nil past the end.
    struct Reader {
        let raw: UnsafeRawBufferPointer
        var offset = 0
        mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer.SubSequence? {
            guard n >= 0, offset + n <= raw.count else { return nil }
            defer { offset += n }
            return raw[offset..<offset + n]
        }
        mutating func uint64() -> UInt64? { bytes(8).map { UInt64(littleEndian: UnsafeRawBufferPointer(rebasing: $0).loadUnaligned(as: UInt64.self)) } }
        mutating func uint32() -> Int? { bytes(4).map { Int(UInt32(littleEndian: UnsafeRawBufferPointer(rebasing: $0).loadUnaligned(as: UInt32.self))) } }
    }
}
