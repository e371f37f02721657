import Foundation
import Testing
@testable import TakeoffData

@Suite struct IDXReaderTests {
    /// Three 2×2 images and their labels.
    func files(in dir: URL, compress: Bool = false, labels: [UInt8] = [0, 1, 2], imageCount: Int = 3) -> (URL, URL) {
        let images = idx([imageCount, 2, 2], (0..<imageCount * 4).map { UInt8($0 * 20) })
        let lab = idx([labels.count], labels)
        return (write(compress ? gzip(images) : images, "i" + (compress ? ".gz" : ""), in: dir),
                write(compress ? gzip(lab) : lab, "l" + (compress ? ".gz" : ""), in: dir))
    }

    @Test(arguments: [false, true]) func readsAndScales(compressed: Bool) throws {
        let (i, l) = files(in: temporaryDirectory(), compress: compressed)
        let d = try IDXReader.dataset(images: i, labels: l, name: "t")
        #expect(d.count == 3 && d.featureCount == 4 && d.imageShape == [1, 2, 2])
        #expect(d.labels == [0, 1, 2] && d.classNames == ["0", "1", "2"])
        #expect(abs(d.features[1, 0] - 80 / 255) < 1e-6 && abs(d.features[2, 3] - 220 / 255) < 1e-6)
    }

    @Test func wrongMagic() {
        let dir = temporaryDirectory()
        let (i, _) = files(in: dir)
        expectDataError(i.path, "magic") { try IDXReader.read(i, rank: 1) }
        let bad = write([0, 0, 9, 3] + [UInt8](repeating: 0, count: 20), "f", in: dir)
        expectDataError(bad.path, "magic 00 00 09 03") { try IDXReader.read(bad, rank: 3) }
    }

    @Test func countMismatch() {
        let (i, l) = files(in: temporaryDirectory(), labels: [0, 1, 2, 1])
        expectDataError(i.path, l.path, "3 examples", "has 4") { try IDXReader.dataset(images: i, labels: l, name: "t") }
    }

    @Test func payloadShorterThanHeaderSays() {
        let dir = temporaryDirectory()
        let f = write(Array(idx([3, 2, 2], [UInt8](repeating: 1, count: 12)).dropLast()), "short", in: dir)
        expectDataError(f.path, "12 bytes", "holds 11") { try IDXReader.read(f, rank: 3) }
    }

    @Test func truncatedGzip() {
        let dir = temporaryDirectory()
        let z = gzip(idx([3, 2, 2], [UInt8](repeating: 1, count: 12)))
        let f = write(Array(z.dropLast(5)), "t.gz", in: dir)
        expectDataError(f.path, "truncated") { try IDXReader.read(f, rank: 3) }
    }

    @Test func emptyMissingAndSingleClass() {
        let dir = temporaryDirectory()
        let e = write([UInt8](), "empty", in: dir)
        expectDataError(e.path, "empty") { try IDXReader.read(e, rank: 1) }
        expectDataError("nope", "no such file") { try IDXReader.read(dir.appendingPathComponent("nope"), rank: 1) }
        let (i, l) = files(in: dir, labels: [4, 4, 4])
        expectDataError(l.path, "'4'", "two classes") { try IDXReader.dataset(images: i, labels: l, name: "t") }
    }

    @Test func labelBeyondClassNames() {
        let (i, l) = files(in: temporaryDirectory(), labels: [0, 1, 7])
        expectDataError(l.path, "record 3", "label 7") {
            try IDXReader.dataset(images: i, labels: l, name: "t", classNames: ["a", "b", "c"])
        }
    }

    /// A small gzip that inflates to a gigabyte: once it was all inflated (a gigabyte of memory, seconds)
    /// before the header was read. Now the header is checked as soon as it arrives and inflating
    /// stops at the size it implies.
    @Test func gzipBombStopsAtTheHeader() throws {
        let dir = temporaryDirectory()
        let megabyte = gzip([UInt8](repeating: 0, count: 1 << 20))  // about 1 KB
        let zeros = Array([[UInt8]](repeating: megabyte, count: 1024).joined())  // concatenated members: 1 GiB
        let wrongMagic = write(zeros, "zeros.gz", in: dir)
        let promisesLittle = write(gzip(idx([100], [UInt8](repeating: 1, count: 100))) + zeros, "long.gz", in: dir)
        let before = peakResidentBytes(), start = Date()
        expectDataError(wrongMagic.path, "magic 00 00 00 00") { try IDXReader.read(wrongMagic, rank: 1) }
        expectDataError(promisesLittle.path, "inflates to more than 108 bytes") { try IDXReader.read(promisesLittle, rank: 1) }
        let seconds = Date().timeIntervalSince(start), grown = peakResidentBytes() - before
        #expect(seconds < 0.5, "took \(seconds) s")
        #expect(grown < 64 << 20, "peak memory grew by \(grown >> 20) MiB")
    }
}

/// The process's peak resident memory so far, in bytes.
private func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}
