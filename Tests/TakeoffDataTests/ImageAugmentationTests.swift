import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffData

@Suite struct ImageAugmentationTests {
    /// 40 two-channel 4×6 images whose pixels are all different.
    let images = Dataset(name: "i", features: Tensor((0..<40 * 48).map { Float($0 + 1) }, shape: [40, 48]),
                         labels: (0..<40).map { $0 % 2 }, classNames: ["a", "b"], imageShape: [2, 4, 6])

    func image(_ d: Dataset, _ i: Int) -> [Float] { (0..<48).map { d.features[i, $0] } }

    @Test func flipMirrorsSomeImagesAndLeavesTheRest() {
        var rng = RandomGenerator(seed: 3)
        let out = ImageAugmentation(flip: true).apply(to: images, rng: &rng)
        var mirrored = 0
        for i in 0..<40 {
            let (a, b) = (image(images, i), image(out, i))
            let flipped: [Float] = (0..<48).map { (k: Int) -> Float in
                let (row, x) = (k / 6, k % 6)
                return a[row * 6 + 5 - x]
            }
            #expect(b == a || b == flipped)
            if b == flipped { mirrored += 1 }
        }
        #expect(mirrored > 5 && mirrored < 35)
        #expect(out.labels == images.labels && out.imageShape == images.imageShape)
    }

    @Test func cropShiftsWithinTheMarginAndPadsWithZeros() {
        var rng = RandomGenerator(seed: 4)
        let out = ImageAugmentation(crop: true).apply(to: images, rng: &rng)
        #expect(ImageAugmentation.cropMargin(side: 4) == 1 && ImageAugmentation.cropMargin(side: 32) == 4)
        for i in 0..<40 {
            let (a, b) = (image(images, i), image(out, i))
            // Some shift (dy, dx) within ±1 explains every pixel of both channels.
            let explained = (-1...1).contains { dy in
                (-1...1).contains { dx in
                    (0..<48).allSatisfy { (k: Int) -> Bool in
                        let (c, y, x) = (k / 24, (k % 24) / 6, k % 6)
                        let (sy, sx) = (y + dy, x + dx)
                        let inside = sy >= 0 && sy < 4 && sx >= 0 && sx < 6
                        let expected: Float = inside ? a[c * 24 + sy * 6 + sx] : 0
                        return b[k] == expected
                    }
                }
            }
            #expect(explained, "image \(i)")
        }
    }

    @Test func sameSeedSameImagesAndNamesParse() throws {
        var r1 = RandomGenerator(seed: 9), r2 = RandomGenerator(seed: 9)
        let both = ImageAugmentation(flip: true, crop: true)
        #expect(both.apply(to: images, rng: &r1).features.scalars == both.apply(to: images, rng: &r2).features.scalars)
        #expect(try ImageAugmentation(parsing: "crop, flip") == both && both.description == "flip,crop")
        expectDataError("--augment", "'rotate'") { try ImageAugmentation(parsing: "flip,rotate") }
        expectDataError("--augment") { try ImageAugmentation(parsing: ",") }
    }
}
