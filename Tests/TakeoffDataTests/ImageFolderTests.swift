import Foundation
import Testing
@testable import TakeoffData

/// Image folders built at test time: synthetic pixels, and a few Fashion-MNIST images written as PNG.
@Suite struct ImageFolderTests {
    /// Deterministic pixels: a smooth pattern with some texture.
    func pixels(_ width: Int, _ height: Int, channels: Int, seed: Int = 0) -> [UInt8] {
        (0..<width * height * channels).map { i in
            let (p, c) = (i / channels, i % channels)
            let (x, y) = (p % width, p / width)
            return UInt8((x * 7 + y * 5 + c * 60 + seed * 31 + (x * y) % 13) % 256)
        }
    }

    func grey(_ bytes: [UInt8], _ side: Int) throws -> Data { try ImageEncoder.png(bytes, width: side, height: side, colour: .grey) }

    /// Writes `data` to `relative` below `root`, creating folders.
    @discardableResult
    func put(_ data: Data, _ relative: String, in root: URL) -> URL {
        let url = root.appendingPathComponent(relative)
        try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! data.write(to: url)
        return url
    }

    /// Two classes of `perClass` grey `side`×`side` PNGs (under `prefix`, e.g. `train/`).
    func greyFolder(_ root: URL, perClass: Int = 3, side: Int = 8, prefix: String = "") throws {
        for (c, name) in ["a", "b"].enumerated() {
            for i in 0..<perClass { put(try grey(pixels(side, side, channels: 1, seed: c * 100 + i), side), "\(prefix)\(name)/\(i).png", in: root) }
        }
    }

    @Test func pngRoundTripIsExact() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        let images = try ImageFolder.read(root, side: nil, cacheDirectory: nil)
        #expect(images.content.side == 8 && images.content.channels == 1 && images.decodedNow == 6)
        let d = ImageFolder.dataset(images, name: "t")
        #expect(d.imageShape == [1, 8, 8] && d.classNames == ["a", "b"])
        // Ordered by file name, then class: 0.png of a, 0.png of b, 1.png of a, …
        #expect(d.labels == [0, 1, 0, 1, 0, 1])
        let expected = pixels(8, 8, channels: 1, seed: 100 + 1)
        for j in 0..<64 { #expect(d.features[3, j] == Float(expected[j]) * (1 / 255)) }
    }

    @Test func fashionMNISTAsPNGGivesTheIDXNumbers() throws {
        guard let split = try? DataCatalog.fashionMNIST() else { return }  // dataset-fashion-mnist not installed
        let root = temporaryDirectory()
        for (part, data) in [("train", split.train), ("test", split.test)] {
            for i in 0..<30 {
                let bytes = (0..<784).map { UInt8((data.features[i, $0] * 255).rounded()) }
                put(try grey(bytes, 28), "\(part)/\(data.labels[i])/\(String(format: "%05d", i)).png", in: root)
            }
        }
        let read = try ImageFolder.load(root, options: LoadOptions())
        #expect(read.officialTest)
        for (got, original) in [(read.train, split.train), (read.test, split.test)] {
            let classes = got.classNames.map { Int($0)! }
            #expect(got.labels.map { classes[$0] } == Array(original.labels.prefix(30)))
            #expect(got.imageShape == [1, 28, 28])
            for i in 0..<30 { for j in 0..<784 where got.features[i, j] != original.features[i, j] { Issue.record("image \(i) pixel \(j)") } }
        }
    }

    @Test func jpegIsCloseToItsSource() throws {
        let root = temporaryDirectory()
        let source: [UInt8] = (0..<32 * 32 * 3).map { (i: Int) -> UInt8 in
            let (p, c) = (i / 3, i % 3)
            return UInt8((p % 32) * 4 + (p / 32) * 2 + c * 20)
        }
        for name in ["a", "b"] { put(try ImageEncoder.jpeg(source, width: 32, height: 32, channels: 3, quality: 95), "\(name)/x.jpg", in: root) }
        let images = try ImageFolder.read(root, side: nil, cacheDirectory: nil)
        #expect(images.content.channels == 3 && images.content.side == 32)
        let errors = zip(images.content.pixels.prefix(source.count), source).map { abs(Int($0) - Int($1)) }
        #expect(Double(errors.reduce(0, +)) / Double(errors.count) < 2)
        #expect(errors.max()! <= 16)
    }

    @Test func everyPNGFormIsNormalisedTo8BitGreyOrRGB() throws {
        let (w, h) = (4, 2)
        let g = [UInt8](pixels(w, h, channels: 1))
        let rgb = pixels(w, h, channels: 3)
        func decode(_ data: Data, channels: Int) throws -> (ImageHeader, [UInt8]) {
            let header = try ImageDecoder.header(of: data, file: "x")
            return (header, try ImageDecoder.decode(data, header: header, channels: channels, file: "x"))
        }
        // 8-bit grey, and grey replicated as RGB.
        let (gh, gp) = try decode(try ImageEncoder.png(g, width: w, height: h, colour: .grey), channels: 1)
        #expect(gh.isGrey && gp == g)
        #expect(try decode(try ImageEncoder.png(g, width: w, height: h, colour: .grey), channels: 3).1 == g.flatMap { [$0, $0, $0] })
        // RGB.
        let (rh, rp) = try decode(try ImageEncoder.png(rgb, width: w, height: h, colour: .rgb), channels: 3)
        #expect(!rh.isGrey && rp == rgb)
        // 16-bit grey: v * 257 scales back to v.
        let sixteen: [UInt8] = g.flatMap { [$0, $0] }
        #expect(try decode(try ImageEncoder.png(sixteen, width: w, height: h, colour: .grey, bitDepth: 16), channels: 1).1 == g)
        // Alpha dropped, grey and RGB.
        let greyAlpha: [UInt8] = g.flatMap { [$0, 77] }
        #expect(try decode(try ImageEncoder.png(greyAlpha, width: w, height: h, colour: .greyAlpha), channels: 1).1 == g)
        let rgba: [UInt8] = (0..<w * h).flatMap { (p: Int) -> [UInt8] in Array(rgb[p * 3..<p * 3 + 3]) + [200] }
        #expect(try decode(try ImageEncoder.png(rgba, width: w, height: h, colour: .rgba), channels: 3).1 == rgb)
        // A 4-bit palette: indices packed two to a byte.
        let palette: [UInt8] = [0, 0, 0, 255, 0, 0, 0, 255, 0, 10, 20, 30]
        let indices = (0..<w * h).map { $0 % 4 }
        let packed = stride(from: 0, to: indices.count, by: 2).map { UInt8(indices[$0] << 4 | indices[$0 + 1]) }
        let (ph, pp) = try decode(try ImageEncoder.png(packed, width: w, height: h, colour: .palette, bitDepth: 4, palette: palette), channels: 3)
        #expect(!ph.isGrey && pp == indices.flatMap { Array(palette[$0 * 3..<$0 * 3 + 3]) })
    }

    @Test func greyAndColourTogetherReadAsRGB() throws {
        let root = temporaryDirectory()
        put(try grey(pixels(6, 6, channels: 1), 6), "a/g.png", in: root)
        put(try ImageEncoder.png(pixels(6, 6, channels: 3), width: 6, height: 6, colour: .rgb), "b/c.png", in: root)
        let d = ImageFolder.dataset(try ImageFolder.read(root, side: nil, cacheDirectory: nil), name: "t")
        #expect(d.imageShape == [3, 6, 6])
        // The grey image (a, label 0; "c.png" < "g.png" puts it second) has three equal planes.
        let row = d.labels.firstIndex(of: 0)!
        for j in 0..<36 { #expect(d.features[row, j] == d.features[row, 36 + j] && d.features[row, j] == d.features[row, 72 + j]) }
    }

    @Test func resizingCropsTheCentreAndAverages() throws {
        // A 12×8 image whose centred 8×8 square (from x = 2) is the ramp 120, 130, …, 190 across. Halving weighs
        // 4 source columns 1:3:3:1 (a triangle two source pixels wide), so inside the ramp is exact: 145, 165.
        let wide: [UInt8] = (0..<96).map { (i: Int) -> UInt8 in
            let x = i % 12
            return x >= 2 && x < 10 ? UInt8(100 + x * 10) : 0
        }
        let out = ImageResize.centreSquare(wide, width: 12, height: 8, channels: 1, side: 4)
        #expect(out.count == 16)
        #expect(Array(out.prefix(4)) == [127, 145, 165, 183])  // the edges weigh 3:3:1 of what there is
        #expect(Array(out.suffix(4)) == [127, 145, 165, 183])
        // Same size passes through; a constant image stays constant at any size.
        let p = pixels(5, 5, channels: 3)
        #expect(ImageResize.centreSquare(p, width: 5, height: 5, channels: 3, side: 5) == p)
        #expect(ImageResize.centreSquare([UInt8](repeating: 90, count: 49), width: 7, height: 7, channels: 1, side: 3).allSatisfy { $0 == 90 })
        #expect(ImageResize.centreSquare([UInt8](repeating: 90, count: 9), width: 3, height: 3, channels: 1, side: 7).allSatisfy { $0 == 90 })
    }

    @Test func defaultSideIsTheMedianShorterSideCapped() {
        #expect(ImageFolder.defaultSide([(28, 28), (30, 20), (100, 50)]) == 28)
        #expect(ImageFolder.defaultSide([(500, 375), (640, 480), (300, 200)]) == 64)
    }

    @Test func trainAndTestFolders() throws {
        let root = temporaryDirectory()
        try greyFolder(root, perClass: 3, prefix: "train/")
        try greyFolder(root, perClass: 2, prefix: "test/")
        put(Data("x".utf8), "README.md", in: root)
        let split = try ImageFolder.load(root, options: LoadOptions())
        #expect(split.officialTest && split.train.count == 6 && split.test.count == 4)
        #expect(split.notes.contains("skipped 1 files outside class folders: README.md"), "\(split.notes)")
        #expect(split.train.classCounts == [3, 3] && split.test.classCounts == [2, 2])
        put(try grey(pixels(8, 8, channels: 1), 8), "test/zebra/0.png", in: root)
        expectDataError("test/zebra", "no training images") { try ImageFolder.load(root, options: LoadOptions()) }
    }

    @Test func withoutTestFolderAStratifiedSeededSplit() throws {
        let root = temporaryDirectory()
        try greyFolder(root, perClass: 10, side: 4)
        let a = try ImageFolder.load(root, options: LoadOptions(seed: 1, testFraction: 0.2))
        #expect(!a.officialTest && a.test.classCounts == [2, 2] && a.train.classCounts == [8, 8])
        let again = try ImageFolder.load(root, options: LoadOptions(seed: 1, testFraction: 0.2))
        #expect(a.test.fingerprint == again.test.fingerprint)
        let other = try ImageFolder.load(root, options: LoadOptions(seed: 2, testFraction: 0.2))
        #expect(a.test.fingerprint != other.test.fingerprint)
        // Through the catalog: a directory of class folders is an image folder, and --image-size applies to it.
        let viaCatalog = try DataCatalog.load(root.path, options: LoadOptions(seed: 1, imageSize: 2))
        #expect(viaCatalog.train.imageShape == [1, 2, 2])
        expectDataError("--size", "image folder") { try DataCatalog.load(root.path, options: LoadOptions(size: 5)) }
    }

    @Test func theCacheIsReusedAndRebuiltWhenAFileChanges() throws {
        let root = temporaryDirectory(), out = temporaryDirectory()
        try greyFolder(root)
        let first = try ImageFolder.read(root, side: 4, cacheDirectory: out)
        #expect(first.decodedNow == 6)
        let cacheFiles = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("image-cache-") }
        #expect(cacheFiles.count == 1)
        let second = try ImageFolder.read(root, side: 4, cacheDirectory: out)
        #expect(second.decodedNow == 0 && second.content.pixels == first.content.pixels)
        // Another size is another cache.
        #expect(try ImageFolder.read(root, side: 8, cacheDirectory: out).decodedNow == 6)
        // A changed file (new content, size and time) is decoded again with the rest.
        put(try grey([UInt8](repeating: 255, count: 64), 8), "a/1.png", in: root)
        let changed = try ImageFolder.read(root, side: 4, cacheDirectory: out)
        #expect(changed.decodedNow == 6 && changed.content.pixels != first.content.pixels)
        #expect(try ImageFolder.read(root, side: 4, cacheDirectory: out).decodedNow == 0)
        // A damaged cache file is rebuilt, not trusted.
        let cache = ImageCache.file(in: out, root: root, requestedSide: 4)
        var bytes = try Data(contentsOf: cache)
        bytes[bytes.count - 20] ^= 0xFF
        try bytes.write(to: cache)
        let repaired = try ImageFolder.read(root, side: 4, cacheDirectory: out)
        #expect(repaired.decodedNow == 6 && repaired.content.pixels == changed.content.pixels)
        try Data(bytes.prefix(40)).write(to: cache)
        #expect(try ImageFolder.read(root, side: 4, cacheDirectory: out).decodedNow == 6)
    }

    // MARK: Bad input

    @Test func truncatedJPEGNamesTheFile() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        let jpeg = try ImageEncoder.jpeg(pixels(16, 16, channels: 3), width: 16, height: 16, channels: 3)
        let bad = put(jpeg.prefix(jpeg.count / 2), "a/cut.jpg", in: root)
        expectDataError(bad.path, "corrupt") { try ImageFolder.read(root, side: nil, cacheDirectory: nil) }
    }

    @Test func pngWithABadCRCNamesTheFile() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        var png = try grey(pixels(8, 8, channels: 1), 8)
        png[29] ^= 0xFF  // the IHDR chunk's CRC (8 signature + 4 length + 4 type + 13 data)
        let bad = put(png, "b/crc.png", in: root)
        expectDataError(bad.path, "CRC") { try ImageFolder.read(root, side: nil, cacheDirectory: nil) }
    }

    @Test func aFileNamedAsAnImageThatIsNotOneStopsTheRead() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        let bad = put(Data("not a picture".utf8), "a/notes.png", in: root)
        expectDataError(bad.path, "neither a PNG nor a JPEG") { try ImageFolder.read(root, side: nil, cacheDirectory: nil) }
    }

    @Test func otherFilesAreSkippedWithAWarning() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        put(Data("x".utf8), "a/README", in: root)
        put(Data("x".utf8), "a/.DS_Store", in: root)
        put(Data("x".utf8), "LICENSE.txt", in: root)
        let images = try ImageFolder.read(root, side: nil, cacheDirectory: nil)
        #expect(images.listing.entries.count == 6)
        let warnings = images.listing.warnings.joined(separator: "\n")
        #expect(warnings.contains("a/README") && warnings.contains("a/.DS_Store") && warnings.contains("LICENSE.txt"))
    }

    @Test func aHeaderClaimingAHugeImageIsRefusedBeforeAllocating() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        // A PNG whose IHDR says 100000 × 100000 grey pixels (valid CRC), and no image data.
        var ihdr: [UInt8] = Array("IHDR".utf8)
        for v in [100_000, 100_000] { ihdr += [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        ihdr += [8, 0, 0, 0, 0]
        let crc = crc32(ihdr)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr
            + [UInt8(crc >> 24 & 255), UInt8(crc >> 16 & 255), UInt8(crc >> 8 & 255), UInt8(crc & 255)]
        let bad = put(Data(png), "a/huge.png", in: root)
        expectDataError(bad.path, "100000 x 100000", "16384") { try ImageFolder.read(root, side: nil, cacheDirectory: nil) }
    }

    @Test func cmykJPEGIsRefusedByName() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        let bad = put(try ImageEncoder.jpeg(pixels(8, 8, channels: 4), width: 8, height: 8, channels: 4), "b/print.jpg", in: root)
        expectDataError(bad.path, "CMYK") { try ImageFolder.read(root, side: nil, cacheDirectory: nil) }
    }

    @Test func emptyClassFoldersAreSkippedAndOneClassIsRefused() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let listing = try ImageFolder.list(root)
        #expect(listing.classNames == ["a", "b"] && listing.warnings.joined().contains("empty/"))
        let single = temporaryDirectory()
        put(try grey(pixels(4, 4, channels: 1), 4), "only/0.png", in: single)
        expectDataError(single.path, "only") { try ImageFolder.list(single) }
        let none = temporaryDirectory()
        try FileManager.default.createDirectory(at: none.appendingPathComponent("a"), withIntermediateDirectories: true)
        expectDataError(none.path, "no class folder holds") { try ImageFolder.list(none) }
        // Pictures straight in the folder, no class folders: said so, through the catalog too.
        let flat = temporaryDirectory()
        put(try grey(pixels(4, 4, channels: 1), 4), "0.png", in: flat)
        expectDataError(flat.path, "1 files lie in the folder itself") { try DataCatalog.load(flat.path) }
    }

    @Test func linksThatLoopAreSkipped() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/again").path, withDestinationPath: root.appendingPathComponent("a").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("b/self").path, withDestinationPath: root.appendingPathComponent("b/self").path)
        let listing = try ImageFolder.list(root)
        #expect(listing.entries.count == 6)
        let warnings = listing.warnings.joined(separator: "\n")
        #expect(warnings.contains("a/again") && warnings.contains("b/self"))
    }

    /// A link into another class's folder, to the top folder or from train/ into test/ would give a picture two labels
    /// or put it on both sides of the split: every folder is read once.
    @Test func linksAcrossClassesAndPartsReadEachPictureOnce() throws {
        func link(_ at: String, _ to: String, _ root: URL) throws {
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent(at).path, withDestinationPath: root.appendingPathComponent(to).path)
        }
        let pool = temporaryDirectory()
        try greyFolder(pool)
        try link("a/up", "", pool)
        try link("a/other", "b", pool)
        try link("c", "a", pool)
        let listing = try ImageFolder.list(pool)
        #expect(listing.entries.count == 6 && listing.classNames == ["a", "b"], "\(listing.entries.map(\.relativePath))")
        let warnings = listing.warnings.joined(separator: "\n")
        #expect(warnings.contains("a/up") && warnings.contains("a/other") && warnings.contains("c"), "\(warnings)")
        let parts = temporaryDirectory()
        try greyFolder(parts, perClass: 3, prefix: "train/")
        try greyFolder(parts, perClass: 2, prefix: "test/")
        try link("train/a/test-a", "test/a", parts)
        let split = try ImageFolder.load(parts, options: LoadOptions())
        #expect(split.train.count == 6 && split.test.count == 4)
    }

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their permissions, so chmod 000 cannot make one unreadable"))
    func unreadableFileNamesTheFile() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        let bad = root.appendingPathComponent("a/1.png")
        chmod(bad.path, 0)
        defer { chmod(bad.path, 0o644) }
        expectDataError(bad.path, "cannot read") { try ImageFolder.read(root, side: nil, cacheDirectory: nil) }
    }

    @Test func imageSizeOutOfRangeIsRefused() throws {
        let root = temporaryDirectory()
        try greyFolder(root)
        expectDataError("--image-size", "got 0") { try ImageFolder.read(root, side: 0, cacheDirectory: nil) }
    }
}

/// The CRC-32 of PNG chunks (and gzip).
private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}

/// Byte flips and truncations of valid PNGs and JPEGs: each must decode or throw a ``DataError``, never trap.
@Suite struct ImageDecoderFuzzTests {
    @Test func damagedImagesDecodeOrThrow() throws {
        let pixels: [UInt8] = (0..<12 * 10 * 3).map { UInt8(($0 * 37) % 256) }
        let valid = [try ImageEncoder.png(pixels, width: 12, height: 10, colour: .rgb),
                     try ImageEncoder.png(Array(pixels.prefix(120)), width: 12, height: 10, colour: .grey),
                     try ImageEncoder.jpeg(pixels, width: 12, height: 10, channels: 3, quality: 80),
                     try ImageEncoder.jpeg(Array(pixels.prefix(120)), width: 12, height: 10, channels: 1, quality: 80)]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var decoded = 0, refused = 0
        for file in valid {
            for trial in 0..<300 {
                var bytes = Array(file)
                if trial % 3 == 0 {
                    bytes = Array(bytes.prefix(next(bytes.count)))
                } else {
                    for _ in 0...next(4) { bytes[next(bytes.count)] = UInt8(next(256)) }
                }
                do {
                    let data = Data(bytes)
                    let header = try ImageDecoder.header(of: data, file: "f")
                    _ = try ImageDecoder.decode(data, header: header, channels: header.isGrey ? 1 : 3, file: "f")
                    _ = try ImageDecoder.decode(data, header: header, channels: 3, file: "f")
                    decoded += 1
                } catch is DataError {
                    refused += 1
                }
            }
        }
        #expect(decoded + refused == 1_200 && refused > 100)
    }
}
