import Foundation
import Testing
import TakeoffLab

/// `takeoff scale` end to end: a small run, its resumption, bad input and an unreachable target.
@Suite struct ScaleCommandTests {
    func takeoff(_ arguments: [String]) throws -> TakeoffRun { try runTakeoff(arguments + ["--threads", "2"]) }

    @Test func smallRunResumesAndRefusesBadInputWithoutLosingCells() throws {
        let dir = temporaryDirectory("scale")
        let grid = ["scale", "--data", "xor", "--size", "800", "--widths", "2,4,8", "--sizes", "60,150,400", "--seeds", "1",
                    "--epochs", "4", "--bootstraps", "5", "--out", dir.path]
        let first = try takeoff(grid + ["--target", "0.9999"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Back-test") && first.stdout.contains("Best width for each data size"), "\(first.stdout)")
        #expect(first.stdout.contains("no width measured can reach it") && first.stdout.contains("the closest is width"), "\(first.stdout)")
        for name in ["scale-heatmap.svg", "scale-error-vs-m.svg", "scale-error-vs-width.svg", "report.html", "results.csv", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let stored = try ResultStore(path: dir.appendingPathComponent("scale.sqlite").path).count()
        #expect(stored == 9)

        let cases: [([String], String)] = [
            (["--widths", "64"], "--widths: a joint fit of error over data and parameters needs at least 3 widths, got 1"),
            (["--widths", "8,4,8"], "--widths: width 8 is listed more than once"),
            (["--sizes", "400"], "--sizes: a joint fit of error over data and parameters needs at least 3 training sizes, got 1"),
            (["--family", "rnn"], "--family: 'rnn' is not a network family"),
        ]
        for (override, message) in cases {
            var arguments = grid
            for (flag, value) in stride(from: 0, to: override.count, by: 2).map({ (override[$0], override[$0 + 1]) }) {
                if let i = arguments.firstIndex(of: flag) { arguments[i + 1] = value } else { arguments += [flag, value] }
            }
            let r = try takeoff(arguments)
            #expect(!r.signalled && r.status != 0 && r.stderr.contains(message), "\(override): \(r.stderr)")
        }
        // Nothing lost: the same grid again trains nothing and reports every stored cell.
        let again = try takeoff(grid)
        #expect(again.status == 0 && again.stdout.contains("0 trained now, 9 from the store"), "\(again.stdout)")
        #expect(try ResultStore(path: dir.appendingPathComponent("scale.sqlite").path).count() == stored)
    }
}
