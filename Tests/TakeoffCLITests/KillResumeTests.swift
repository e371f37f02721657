import Foundation
import Testing
import TakeoffData
@testable import TakeoffLab

/// Runs the real `takeoff curve` in a child process, kills it with SIGKILL mid-sweep and runs it again.
@Suite struct KillResumeTests {
    static let grid = ["--data", "xor", "--size", "1200", "--learners", "logreg,mlp-small", "--sizes", "40,80,160,320,640",
                       "--seeds", "2", "--epochs", "40"]

    func takeoff(_ arguments: [String], killAfter: Int? = nil) throws -> (killed: Bool, status: Int32, stderr: String) {
        let r = try runTakeoff(arguments, killAfter: killAfter)
        return (r.killed, r.status, r.stderr)
    }

    @Test func sigkillThenRerunEqualsAnUninterruptedRun() throws {
        let killedDir = temporaryDirectory("killed"), cleanDir = temporaryDirectory("clean")
        let first = try takeoff(["curve"] + Self.grid + ["--out", killedDir.path], killAfter: 4)
        #expect(first.killed)
        let fingerprint = SweepPlan.fingerprint(of: try DataCatalog.load("xor", options: LoadOptions(size: 1200, seed: 0)))
        let afterKill = try ResultStore(path: killedDir.appendingPathComponent("curve.sqlite").path).results(dataset: fingerprint)
        #expect(afterKill.count >= 4 && afterKill.count < 20, "\(afterKill.count) cells stored when killed")

        let resumed = try takeoff(["curve"] + Self.grid + ["--out", killedDir.path])
        #expect(resumed.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: killedDir.appendingPathComponent("summary.json"))) as? [String: Any]
        let run = try #require(summary?["run"] as? [String: Any])
        #expect(run["reused"] as? Int == afterKill.count)
        #expect(run["ran"] as? Int == 20 - afterKill.count)

        #expect(try takeoff(["curve"] + Self.grid + ["--out", cleanDir.path]).status == 0)
        let a = try ResultStore(path: killedDir.appendingPathComponent("curve.sqlite").path).results(dataset: fingerprint)
        let b = try ResultStore(path: cleanDir.appendingPathComponent("curve.sqlite").path).results(dataset: fingerprint)
        #expect(a.count == 20)
        #expect(outcomes(Array(a.values)) == outcomes(Array(b.values)))
        // Results kept from before the kill are untouched by the rerun.
        for (key, r) in afterKill { #expect(a[key] == r) }
    }

    @Test func badInputFailsBeforeTraining() throws {
        let dir = temporaryDirectory("bad")
        let old = dir.appendingPathComponent("old.sqlite").path
        try ResultStore(path: old).queue.write { try $0.execute(sql: "PRAGMA user_version = 99") }
        for (args, message) in [(["--learners", "logreg,nope"], "unknown learner 'nope'"),
                                (["--sizes", "100,999999"], "m = 999999 exceeds the training pool of 3200"),
                                (["--budget", "soon"], "--budget: 'soon' is not a duration"),
                                (["--out", "/proc/takeoff-cannot-write-here"], "cannot write to the output folder"),
                                (["--store", old], "incompatible version")] {
            let r = try takeoff(["curve", "--data", "xor"] + args + (args.contains("--out") ? [] : ["--out", dir.path]))
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("[1]"), "\(args): a cell trained")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("curve.sqlite").path))
    }
}

/// `takeoff activations` killed mid-race and run again continues from its store.
@Suite struct ActivationKillResumeTests {
    @Test func aKilledRaceContinuesFromItsStore() throws {
        let dir = temporaryDirectory("race-killed")
        let race = ["activations", "--data", "xor", "--size", "1200", "--activations", "sigmoid,tanh,relu", "--depth", "3", "--width", "32",
                    "--epochs", "30", "--seeds", "2", "--threads", "1", "--out", dir.path]
        let fingerprint = SweepPlan.fingerprint(of: try DataCatalog.load("xor", options: LoadOptions(size: 1200, seed: 0)))
        func stored() throws -> [CellKey: CellResult] {
            try ResultStore(path: dir.appendingPathComponent("activations.sqlite").path).results(dataset: fingerprint)
        }
        let first = try runTakeoff(race, killAfter: 2)
        #expect(first.killed)
        let afterKill = try stored()
        #expect(afterKill.count >= 2 && afterKill.count < 6, "\(afterKill.count) runs stored when killed")
        let resumed = try runTakeoff(race)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // Only the missing runs trained: one numbered line each.
        #expect(resumed.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 6 - afterKill.count, "\(resumed.stderr)")
        let after = try stored()
        #expect(after.count == 6)
        for (key, r) in afterKill { #expect(after[key] == r) }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.json").path))
    }
}
