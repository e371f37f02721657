import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffData

/// Random bytes, random truncations and random byte flips of valid files, fed to every reader:
/// each must return a data set or throw a ``DataError``, never trap or hang.
@Suite struct FuzzTests {
    static let valid: [String: [UInt8]] = [
        "csv": Array("a,b,\"c, d\",label\n1,x,2.5,yes\n-3,y,1e3,no\n4,x,0,yes\n".utf8),
        "libsvm": Array("+1 1:0.5 3:2 # c\n-1 2:-1\n+1 3:1e-1\n".utf8),
        "text": Array("ham\tHello there friend\nspam\tWIN cash now\nham\tok\n".utf8),
        "idx": idx([3, 2, 2], (0..<12).map { UInt8($0) }),
    ]

    func feed(_ kind: String, _ bytes: [UInt8]) {
        let data = Data(bytes)
        do {
            switch kind {
            case "csv":
                _ = try data.withUnsafeBytes { try CSVReader().parse($0.bindMemory(to: UInt8.self), delimiter: 0x2C, file: "f", name: "f") }
            case "libsvm":
                _ = try data.withUnsafeBytes { try LIBSVMReader(maxBytes: 1 << 24).parse($0.bindMemory(to: UInt8.self), file: "f", name: "f") }
            case "text":
                _ = try TextReader(dimension: 64).parse(data, file: "f", name: "f")
            case "idx":
                let images = try IDXReader.parse(data, file: "f", rank: 3)
                let labels = IDXArray(dimensions: [images.dimensions[0]], payload: Data((0..<images.dimensions[0]).map { UInt8($0 % 3) }))
                _ = try IDXReader.assemble(images: images, imagesFile: "f", labels: labels, labelsFile: "g", name: "f", classNames: nil)
            default:
                _ = try Gzip.decompress(data, file: "f")
            }
        } catch is DataError {
        } catch {
            Issue.record("\(kind): \(bytes.count) bytes threw a non-DataError \(error)")
        }
    }

    @Test(arguments: ["csv", "libsvm", "text", "idx", "gzip"]) func randomInput(kind: String) {
        var rng = RandomGenerator(seed: UInt64(kind.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
        let base = kind == "gzip" ? gzip(Self.valid["csv"]!) : Self.valid[kind]!
        // Bytes the formats care about, so random input reaches past the first check.
        let alphabet = Array("0123456789.,:-+e\t\n\r \"#abcnaif".utf8) + [0, 8, 3, 0x1f, 0x8b, 0xff]
        for trial in 0..<300 {
            var bytes: [UInt8]
            switch trial % 4 {
            case 0: bytes = (0..<rng.below(200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1: bytes = (0..<rng.below(200)).map { _ in alphabet[rng.below(alphabet.count)] }
            case 2: bytes = Array(base.prefix(rng.below(base.count + 1)))
            default:
                bytes = base
                for _ in 0..<1 + rng.below(4) { bytes[rng.below(bytes.count)] = alphabet[rng.below(alphabet.count)] }
            }
            if kind == "idx" && trial % 8 == 1 { bytes = [0, 0, 8, 3] + bytes }
            feed(kind, bytes)
        }
    }

    @Test func truncatedGzipFilesThroughEveryReader() throws {
        let dir = temporaryDirectory()
        for (kind, bytes) in Self.valid {
            let z = gzip(bytes)
            for cut in [1, 2, 10, z.count / 2, z.count - 1] {
                let url = write(Array(z.prefix(cut)), "f.\(kind).gz", in: dir)
                expectDataError(url.path) {
                    switch kind {
                    case "csv": try CSVReader().read(url)
                    case "libsvm": try LIBSVMReader().read(url)
                    case "text": try TextReader().read(url)
                    default: try IDXReader.read(url, rank: 3)
                    }
                }
            }
        }
    }
}
