import Foundation
import TakeoffEngine

/// Random changes a network's training images get anew each epoch (`--augment flip,crop`), so a small
/// training set shows more than its own pixels. Test and validation images are never changed.
public struct ImageAugmentation: Sendable, Hashable, CustomStringConvertible {
    /// Each image mirrored left to right with probability ½.
    public var flip = false
    /// Each image shifted by up to ``cropMargin(side:)`` pixels each way (padded with zeros and cut back to its
    /// size): a random crop of the padded image.
    public var crop = false

    /// The names `--augment` takes, in order.
    public static let names = ["flip", "crop"]

    /// Parses a comma-separated list of ``names``; throws naming an unknown one.
    public init(parsing text: String) throws {
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            switch name {
            case "flip": flip = true
            case "crop": crop = true
            default:
                throw DataError.invalidParameter(name: "--augment", detail: "'\(name)' is not an augmentation (\(Self.names.joined(separator: ", ")))")
            }
        }
        guard flip || crop else { throw DataError.invalidParameter(name: "--augment", detail: "names none of \(Self.names.joined(separator: ", "))") }
    }

    public init(flip: Bool = false, crop: Bool = false) { (self.flip, self.crop) = (flip, crop) }

    /// `flip,crop`, as the learner's configuration stores it.
    public var description: String { zip(Self.names, [flip, crop]).filter(\.1).map(\.0).joined(separator: ",") }

    /// The most a crop shifts an image of `side` pixels: an eighth of it, at least 1.
    public static func cropMargin(side: Int) -> Int { Swift.max(1, side / 8) }

    /// `data` (images [C, H, W]) with each image changed at random as this says; the same `rng` state gives the same images.
    public func apply(to data: Dataset, rng: inout RandomGenerator) -> Dataset {
        guard let shape = data.imageShape, shape.count == 3 else { return data }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let d = data.featureCount
        // One draw per image, made before the parallel loop so the result does not depend on the thread count.
        let margin = (Self.cropMargin(side: h), Self.cropMargin(side: w))
        let draws = (0..<data.count).map { _ in
            (flip: flip && rng.below(2) == 1,
             dy: crop ? rng.below(2 * margin.0 + 1) - margin.0 : 0, dx: crop ? rng.below(2 * margin.1 + 1) - margin.1 : 0)
        }
        var out = data
        out.features = Tensor(uninitializedShape: [data.count, d])
        let (src, dst) = (data.features.pointer, out.features.pointer)
        Parallel.ranges(data.count, cost: d) { lo, hi in
            for i in lo..<hi {
                let (mirror, dy, dx) = draws[i]
                for ch in 0..<c {
                    let from = src + i * d + ch * h * w, to = dst + i * d + ch * h * w
                    for y in 0..<h {
                        let sy = y + dy
                        for x in 0..<w {
                            let sx = (mirror ? w - 1 - x : x) + dx
                            to[y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? from[sy * w + sx] : 0
                        }
                    }
                }
            }
        }
        return out
    }
}
