import CImageDecode
import Foundation

/// PNG and JPEG writing through libpng and libjpeg-turbo: preview grids, and image folders built from data.
public enum ImageEncoder {
    /// A PNG colour type with its samples per pixel.
    public enum PNGColour: Int32, Sendable {
        case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6
    }

    /// `rows` (`height` rows of `width` pixels in `colour` at `bitDepth` bits a sample: 16-bit samples
    /// big-endian, palette indices below 8 bits packed) as a PNG file; `palette` holds RGB triples for `.palette`.
    public static func png(_ rows: [UInt8], width: Int, height: Int, colour: PNGColour, bitDepth: Int = 8,
                           palette: [UInt8] = []) throws -> Data {
        let samples = switch colour { case .grey, .palette: 1; case .greyAlpha: 2; case .rgb: 3; case .rgba: 4 }
        let rowBytes = (width * samples * bitDepth + 7) / 8
        guard width > 0, height > 0, rows.count == rowBytes * height else {
            throw DataError.invalidParameter(name: "PNG", detail: "\(rows.count) bytes for \(height) rows of \(rowBytes)")
        }
        return try encoded("PNG") { out, size, message, capacity in
            takeoff_png_encode(rows, Int32(width), Int32(height), colour.rawValue, Int32(bitDepth), palette, Int32(palette.count / 3),
                               out, size, message, capacity)
        }
    }

    /// 8-bit pixels with `channels` interleaved samples (1 grey, 3 RGB, 4 CMYK) as a JPEG file of `quality` (1–100).
    public static func jpeg(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95) throws -> Data {
        guard width > 0, height > 0, [1, 3, 4].contains(channels), pixels.count == width * height * channels else {
            throw DataError.invalidParameter(name: "JPEG", detail: "\(pixels.count) bytes for \(width)×\(height)×\(channels)")
        }
        return try encoded("JPEG") { out, size, message, capacity in
            takeoff_jpeg_encode(pixels, Int32(width), Int32(height), Int32(channels), Int32(max(1, min(100, quality))), out, size, message, capacity)
        }
    }

    private static func encoded(_ what: String, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
                                                         UnsafeMutablePointer<CChar>, Int) -> Int32) throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { m in body(&out, &size, m.baseAddress!, m.count) }
        guard status == 0, let out else {
            throw DataError.invalidParameter(name: what, detail: "encoding failed: " + String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { takeoff_image_free(out) }
        return Data(bytes: out, count: size)
    }

    /// Images of `data` (scaled to [0, 1], shaped [C, side, side]) laid out in a grid of `columns`, a one-pixel
    /// gap between them, as a PNG scaled up by `zoom`: what `takeoff data info` shows of image data. An index
    /// of -1 leaves its cell blank (a class with fewer images than a row).
    public static func previewGrid(_ data: Dataset, indices: [Int], columns: Int, zoom: Int = 2) throws -> Data {
        guard let shape = data.imageShape, shape.count == 3, !indices.isEmpty else {
            throw DataError.invalidParameter(name: "preview", detail: "\(data.name) holds no images to preview")
        }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let rows = (indices.count + columns - 1) / columns
        let cell = (w + 1) * zoom, line = (h + 1) * zoom
        let (width, height) = (columns * cell + zoom, rows * line + zoom)
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for (k, i) in indices.enumerated() where i >= 0 {
            let (x0, y0) = (zoom + (k % columns) * cell, zoom + (k / columns) * line)
            let image = data.features.pointer + i * data.featureCount
            for y in 0..<h * zoom {
                for x in 0..<w * zoom {
                    for ch in 0..<3 {
                        let v = image[min(ch, c - 1) * h * w + (y / zoom) * w + x / zoom]
                        pixels[((y0 + y) * width + x0 + x) * 3 + ch] = UInt8(max(0, min(255, (v * 255).rounded())))
                    }
                }
            }
        }
        return try png(pixels, width: width, height: height, colour: .rgb)
    }
}
