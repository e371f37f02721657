import Foundation
import Testing
import TakeoffData

/// `--data DIR` on a folder of pictures, end to end: `data info` with its preview and cache, a small curve, a bad file.
@Suite struct ImageFolderCommandTests {
    func takeoff(_ arguments: [String]) throws -> TakeoffRun { try runTakeoff(arguments + ["--threads", "2"]) }

    /// Two classes of 12 RGB 10×10 PNGs: class a bright on the left, class b on the right.
    func folder() throws -> URL {
        let root = temporaryDirectory("images")
        for (c, name) in ["a", "b"].enumerated() {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
            for i in 0..<12 {
                let pixels: [UInt8] = (0..<300).map { k in
                    let x = (k / 3) % 10
                    return UInt8((x < 5) == (c == 0) ? 200 + (i * 3 + k) % 50 : (i * 7 + k) % 40)
                }
                try ImageEncoder.png(pixels, width: 10, height: 10, colour: .rgb).write(to: root.appendingPathComponent("\(name)/\(i).png"))
            }
        }
        try Data("notes".utf8).write(to: root.appendingPathComponent("a/README"))
        return root
    }

    @Test func dataInfoAndACurveOnAFolderOfPictures() throws {
        let root = try folder(), out = temporaryDirectory("images-out")
        let info = try takeoff(["data", "info", root.path, "--out", out.path, "--preview", "0"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("image 3×10×10") && info.stdout.contains("skipped 1 files not named") && info.stdout.contains("preview:"), "\(info.stdout)")
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(written.contains("preview.png") && written.contains { $0.hasPrefix("image-cache-") }, "\(written)")
        let curve = try takeoff(["curve", "--data", root.path, "--image-size", "4", "--learners", "logreg", "--sizes", "10", "--seeds", "1",
                                 "--budget", "none", "--out", temporaryDirectory("images-curve").path])
        #expect(curve.status == 0 && curve.stderr.contains("note: images 4×4, RGB"), "\(curve.stderr)")
    }

    @Test func aBadPictureStopsTheRunNamingIt() throws {
        let root = try folder()
        let bad = root.appendingPathComponent("b/5.png")
        try Data(try Data(contentsOf: bad).prefix(40)).write(to: bad)
        let r = try takeoff(["data", "info", root.path, "--out", temporaryDirectory("images-bad").path])
        #expect(!r.signalled && r.status != 0 && r.stderr.contains(bad.path) && r.stderr.contains("truncated"), "\(r.stderr)")
    }
}
