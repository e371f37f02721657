import CImageDecode
import Foundation

/// What an image file's header says, read before any pixel is decoded.
public struct ImageHeader: Sendable, Equatable {
    /// The container.
    public enum Format: Sendable { case png, jpeg }
    /// The container, from the file's signature (not its name).
    public var format: Format
    /// Pixels across and down, as the header declares them.
    public var width: Int
    public var height: Int
    /// Whether the image is grey (with or without alpha); palettes count as colour.
    public var isGrey: Bool
}

/// PNG and JPEG decoding through libpng and libjpeg-turbo (the `CImageDecode` target, which catches their
/// longjmp errors), every form normalised to 8-bit grey or RGB: palettes and low bit depths expanded, 16 bits
/// scaled to 8, alpha dropped, grey replicated for RGB.
public enum ImageDecoder {
    /// The largest side read, in pixels; a header past it is refused before anything is allocated.
    public static let maxSide = 16_384
    /// The most pixels read from one image (2^28, 768 MiB as RGB).
    public static let maxPixels = 1 << 28

    /// The header of the image in `bytes`; `file` names it in errors.
    public static func header(of bytes: Data, file: String) throws -> ImageHeader {
        var info = takeoff_image_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBytes { raw in
            takeoff_image_probe(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, maxSide, maxPixels, &info, &message, message.count)
        }
        try check(status, message, file: file)
        return ImageHeader(format: info.format == Int32(TAKEOFF_IMAGE_PNG.rawValue) ? .png : .jpeg,
                           width: Int(info.width), height: Int(info.height), isGrey: info.colour == 1)
    }

    /// The pixels of the image in `bytes` (whose header is `header`), `channels` (1 or 3) interleaved bytes per
    /// pixel, rows top to bottom; `file` names it in errors.
    public static func decode(_ bytes: Data, header: ImageHeader, channels: Int, file: String) throws -> [UInt8] {
        precondition(channels == 1 || channels == 3, "ImageDecoder: channels must be 1 or 3, got \(channels)")
        var info = takeoff_image_info(format: header.format == .png ? Int32(TAKEOFF_IMAGE_PNG.rawValue) : Int32(TAKEOFF_IMAGE_JPEG.rawValue),
                                      width: Int32(header.width), height: Int32(header.height), colour: header.isGrey ? 1 : 3)
        var message = [CChar](repeating: 0, count: 256)
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        let status = bytes.withUnsafeBytes { raw in
            pixels.withUnsafeMutableBufferPointer { out in
                takeoff_image_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &info, Int32(channels),
                                     out.baseAddress, out.count, &message, message.count)
            }
        }
        try check(status, message, file: file)
        return pixels
    }

    /// Throws the ``DataError`` a status of the C decoder stands for.
    static func check(_ status: Int32, _ message: [CChar], file: String) throws {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch UInt32(truncatingIfNeeded: status) {
        case TAKEOFF_IMAGE_OK.rawValue: return
        case TAKEOFF_IMAGE_NOT_IMAGE.rawValue: throw DataError.badImage(file: file, detail: text)
        case TAKEOFF_IMAGE_TOO_LARGE.rawValue: throw DataError.imageTooLarge(file: file, detail: text)
        case TAKEOFF_IMAGE_UNSUPPORTED.rawValue: throw DataError.unsupportedImage(file: file, detail: text)
        default: throw DataError.badImage(file: file, detail: "corrupt image: \(text)")
        }
    }
}
