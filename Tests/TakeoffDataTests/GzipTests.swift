import Foundation
import Testing
@testable import TakeoffData

@Suite struct GzipTests {
    let payload: [UInt8] = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 13) }

    @Test func roundTripsSystemGzip() throws {
        let z = gzip(payload)
        #expect(Gzip.isCompressed(Data(z)))
        #expect([UInt8](try Gzip.decompress(Data(z), file: "x.gz")) == payload)
    }

    @Test func concatenatedMembers() throws {
        let z = gzip(Array(payload[..<500])) + gzip(Array(payload[500...]))
        #expect([UInt8](try Gzip.decompress(Data(z), file: "x.gz")) == payload)
    }

    @Test func everyTruncationThrowsNamingTheFile() {
        let z = gzip(payload)
        for cut in [2, 3, 10, z.count / 2, z.count - 9, z.count - 1] {
            expectDataError("cut.gz", "truncated") { try Gzip.decompress(Data(z[..<cut]), file: "cut.gz") }
        }
    }

    @Test func corruptionThrows() {
        var z = gzip(payload)
        z[z.count - 6] ^= 0xff   // CRC-32 in the trailer
        expectDataError("bad.gz", "corrupt") { try Gzip.decompress(Data(z), file: "bad.gz") }
        var h = gzip(payload)
        h[2] = 99                // compression method
        expectDataError("bad.gz", "corrupt") { try Gzip.decompress(Data(h), file: "bad.gz") }
    }

    @Test func headerStopsInflatingEarly() throws {
        let z = gzip(payload)
        var seen: [Int] = []
        expectDataError("x.gz", "more than 1000 bytes", "header") {
            try Gzip.decompress(Data(z), file: "x.gz") { bytes in seen.append(bytes.count); return bytes.count >= 4 ? 1000 : nil }
        }
        #expect(seen.count == 1 && seen[0] <= Gzip.headerChunk)
        expectDataError("x.gz", "more than 5000 bytes", "memory limit") { try Gzip.decompress(Data(z), file: "x.gz", maximumBytes: 5000) }
        #expect([UInt8](try Gzip.decompress(Data(z), file: "x.gz") { _ in payload.count }) == payload)
    }
}
