import Foundation

/// Centre-cropping an image to a square and resampling it to a side, as image folders are read.
public enum ImageResize {
    /// The centred square of `width` × `height`: its side and top-left corner.
    public static func centreSquare(width: Int, height: Int) -> (side: Int, x: Int, y: Int) {
        let side = min(width, height)
        return (side, (width - side) / 2, (height - side) / 2)
    }

    /// `pixels` (`width` × `height`, `channels` interleaved bytes per pixel, rows top to bottom) cut to their
    /// centred square and resampled to `side` × `side`. The filter is a triangle (bilinear) widened by the
    /// scale when shrinking, so every source pixel counts in proportion to its overlap (antialiased, as
    /// Pillow's `BILINEAR`); a square already of `side` passes through byte for byte.
    public static func centreSquare(_ pixels: [UInt8], width: Int, height: Int, channels: Int, side: Int) -> [UInt8] {
        precondition(pixels.count == width * height * channels && side > 0, "ImageResize: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
        let square = centreSquare(width: width, height: height)
        let s = square.side, c = channels
        if s == side {
            if s == width && s == height { return pixels }
            var out = [UInt8](repeating: 0, count: s * s * c)
            for y in 0..<s {
                let from = ((square.y + y) * width + square.x) * c
                out.replaceSubrange(y * s * c..<(y + 1) * s * c, with: pixels[from..<from + s * c])
            }
            return out
        }
        let across = Taps(from: s, to: side)
        // Rows of the square resampled across: s rows × side columns.
        var wide = [Float](repeating: 0, count: s * side * c)
        for y in 0..<s {
            let row = ((square.y + y) * width + square.x) * c
            for x in 0..<side {
                let (first, weights) = (across.first[x], across.weights[x])
                for k in 0..<c {
                    var sum: Float = 0
                    for (i, w) in weights.enumerated() { sum += w * Float(pixels[row + (first + i) * c + k]) }
                    wide[(y * side + x) * c + k] = sum
                }
            }
        }
        // Then down: side × side.
        var out = [UInt8](repeating: 0, count: side * side * c)
        for y in 0..<side {
            let (first, weights) = (across.first[y], across.weights[y])
            for x in 0..<side * c {
                var sum: Float = 0
                for (i, w) in weights.enumerated() { sum += w * wide[(first + i) * side * c + x] }
                out[y * side * c + x] = UInt8(max(0, min(255, sum.rounded())))
            }
        }
        return out
    }

    /// For each output position, the first input position it reads and the normalised weights of the inputs
    /// from there on: a triangle filter of half-width max(1, input/output) in input pixels.
    struct Taps {
        var first: [Int] = []
        var weights: [[Float]] = []

        init(from input: Int, to output: Int) {
            let scale = Double(input) / Double(output)
            let width = max(scale, 1)
            for o in 0..<output {
                let centre = (Double(o) + 0.5) * scale
                let lo = max(0, Int((centre - width + 0.5).rounded(.down)))
                let hi = min(input, Int((centre + width + 0.5).rounded(.down)))
                var w = (lo..<hi).map { i in max(0, 1 - abs((Double(i) + 0.5 - centre) / width)) }
                let total = w.reduce(0, +)
                if total > 0 { w = w.map { $0 / total } }
                first.append(lo)
                weights.append(w.map(Float.init))
            }
        }
    }
}
