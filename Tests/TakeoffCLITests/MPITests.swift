import Foundation
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffLab

/// `mpirun -np 2 takeoff curve …` on this machine (oversubscribed, shared memory): the sharded sweep
/// stores the cells a single process stores, survives a kill, and refuses bad set-ups from rank 0.
@Suite(.serialized, .enabled(if: mpirun != nil, "Open MPI's mpirun is not installed (apt-get install openmpi-bin)"))
struct MPITests {
    static let grid = ["--data", "xor", "--size", "1200", "--learners", "logreg,mlp-small", "--sizes", "40,80,160,320,640",
                       "--seeds", "2", "--epochs", "40", "--threads", "1"]
    static let fingerprint = { SweepPlan.fingerprint(of: try! DataCatalog.load("xor", options: LoadOptions(size: 1200, seed: 0))) }()

    /// Two ranks given different command lines (Open MPI's MPMD form); their exit status and standard error. Killed
    /// after two minutes, so a job that waits for ever fails the test instead of hanging it.
    static func ranks(_ first: [String], _ second: [String]) throws -> (status: Int32, stderr: String) {
        let binary = try #require(takeoffBinary), launcher = try #require(mpirun)
        let p = Process()
        p.executableURL = launcher
        p.arguments = ["--oversubscribe", "--mca", "btl", "self,vader", "-np", "1", binary.path] + first + [":", "-np", "1", binary.path] + second
        p.environment = ProcessInfo.processInfo.environment.merging(["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        watchdog.cancel()
        return (p.terminationStatus, text)
    }

    func stored(_ dir: URL) throws -> [CellKey: CellResult] {
        try ResultStore(path: dir.appendingPathComponent("curve.sqlite").path).results(dataset: Self.fingerprint)
    }

    @Test func aShardedCurveStoresTheCellsOfOneProcess() throws {
        let single = temporaryDirectory("mpi-single"), sharded = temporaryDirectory("mpi-sharded")
        let one = try runTakeoff(["curve"] + Self.grid + ["--out", single.path])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runTakeoff(["curve"] + Self.grid + ["--out", sharded.path], ranks: 2)
        #expect(two.status == 0, "\(two.stderr)")
        let a = try stored(single), b = try stored(sharded)
        #expect(a.count == 20)
        #expect(outcomes(Array(a.values)) == outcomes(Array(b.values)))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: sharded.appendingPathComponent("summary.json"))) as? [String: Any]
        let run = try #require(summary?["run"] as? [String: Any])
        #expect(run["mpi_ranks"] as? Int == 2 && run["threads"] as? Int == 1 && run["complete"] as? Bool == true)
        // Only rank 0 reports: one table on standard output.
        #expect(two.stdout.components(separatedBy: "test accuracy (%)").count == 2)
    }

    /// The scaling sweep and the activation race are sweeps like a curve: sharded over the ranks, they
    /// store what one process stores.
    @Test func aShardedScaleSweepStoresTheCellsOfOneProcess() throws {
        let grid = ["scale", "--data", "xor", "--size", "1200", "--widths", "4,8,16", "--sizes", "40,80,160", "--seeds", "1",
                    "--epochs", "20", "--budget", "none", "--bootstraps", "10", "--threads", "1"]
        let single = temporaryDirectory("mpi-scale-single"), sharded = temporaryDirectory("mpi-scale-sharded")
        let one = try runTakeoff(grid + ["--out", single.path])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runTakeoff(grid + ["--out", sharded.path], ranks: 2)
        #expect(two.status == 0, "\(two.stderr)")
        func stored(_ dir: URL) throws -> [CellKey: CellResult] {
            try ResultStore(path: dir.appendingPathComponent("scale.sqlite").path).results(dataset: Self.fingerprint)
        }
        let a = try stored(single), b = try stored(sharded)
        #expect(a.count == 9)
        #expect(outcomes(Array(a.values)) == outcomes(Array(b.values)))
        // Only rank 0 reports: the report's first line once.
        let first = try #require(one.stdout.split(separator: "\n").first.map(String.init))
        #expect(two.stdout.components(separatedBy: first).count == 2, "\(two.stdout)")
    }

    @Test func aShardedActivationRaceStoresTheRunsOfOneProcess() throws {
        let race = ["activations", "--data", "xor", "--size", "400", "--activations", "sigmoid,relu", "--depth", "3", "--width", "16",
                    "--epochs", "3", "--seeds", "2", "--threads", "1"]
        let single = temporaryDirectory("mpi-race-single"), sharded = temporaryDirectory("mpi-race-sharded")
        let one = try runTakeoff(race + ["--out", single.path])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runTakeoff(race + ["--out", sharded.path], ranks: 2)
        #expect(two.status == 0, "\(two.stderr)")
        let fingerprint = SweepPlan.fingerprint(of: try DataCatalog.load("xor", options: LoadOptions(size: 400, seed: 0)))
        func runs(_ dir: URL) throws -> [CellKey: ActivationRace.Run] {
            try ResultStore(path: dir.appendingPathComponent("activations.sqlite").path).results(dataset: fingerprint)
                .compactMapValues { $0.trace.flatMap { try? JSONDecoder().decode(ActivationRace.Run.self, from: Data($0.utf8)) } }
        }
        let a = try runs(single), b = try runs(sharded)
        #expect(a.count == 4 && b.count == 4)
        for (key, run) in a {
            #expect(b[key]?.stepLosses == run.stepLosses && b[key]?.testAccuracy == run.testAccuracy, "\(key.learner) seed \(key.seed)")
        }
        // Only rank 0 reports.
        #expect(two.stdout.components(separatedBy: "wrote ").count == 2, "\(two.stdout)")
    }

    @Test func killingTheJobLosesOnlyTheCellsInFlight() throws {
        let dir = temporaryDirectory("mpi-killed")
        // Slower cells than the other tests' (150 epochs), so the kill lands mid-run despite mpirun's buffered output.
        let grid = Self.grid.map { $0 == "40" ? "150" : $0 }
        let first = try runTakeoff(["curve"] + grid + ["--out", dir.path], ranks: 2, killAfter: 5)
        #expect(first.killed && first.status != 0)
        let afterKill = try stored(dir)
        #expect(afterKill.count >= 4 && afterKill.count < 20, "\(afterKill.count) cells stored when killed")
        // A rerun in one plain process finishes the grid; what was stored stays as it was.
        let resumed = try runTakeoff(["curve"] + grid + ["--out", dir.path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try stored(dir)
        #expect(after.count == 20)
        for (key, r) in afterKill { #expect(after[key] == r) }
    }

    @Test func badSetUpsAreAnErrorFromRankZeroWithoutAHang() throws {
        let dir = temporaryDirectory("mpi-bad")
        // More ranks than cells.
        let many = try runTakeoff(["curve", "--data", "xor", "--size", "400", "--learners", "logreg", "--sizes", "100", "--seeds", "1",
                                   "--threads", "1", "--out", dir.path], ranks: 2)
        #expect(many.status != 0 && many.stderr.contains("2 MPI ranks for a grid of 1 cells"), "\(many.stderr)")
        // A store rank 0 cannot write.
        let store = try runTakeoff(["curve"] + Self.grid + ["--out", dir.path, "--store", "/proc/takeoff-no-store/curve.sqlite"], ranks: 2)
        #expect(store.status != 0 && store.stderr.contains("/proc/takeoff-no-store/curve.sqlite"), "\(store.stderr)")
        #expect(store.cellLines == 0, "cells trained: \(store.stderr)")
        // A rank that cannot read the data (rank 1 is given a file that does not exist).
        let common = ["--learners", "logreg", "--sizes", "100,200", "--seeds", "1", "--threads", "1", "--out", dir.path]
        let (status, text) = try Self.ranks(["curve", "--data", "xor", "--size", "600"] + common,
                                            ["curve", "--data", dir.appendingPathComponent("missing.csv").path] + common)
        #expect(status != 0 && text.contains("MPI rank 1 cannot take part") && text.contains("missing.csv"), "\(text)")
        #expect(try ResultStore(path: dir.appendingPathComponent("curve.sqlite").path).count() == 0)
    }

    /// `mpirun -np 2 takeoff train`: each rank takes half of every batch and the summed gradient gives both the
    /// step one process takes, so the weights after three epochs match one process's up to summation order
    /// (without dropout: each rank draws the masks of its own half of the batch).
    @Test func dataParallelTrainingMatchesOneProcess() throws {
        let dir = temporaryDirectory("mpi-train")
        let args = ["train", "--data", "xor", "--size", "2000", "--learner", "mlp-medium", "--dropout", "0", "--epochs", "3", "--threads", "1"]
        let one = try runTakeoff(args + ["--save", dir.appendingPathComponent("one.safetensors").path])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runTakeoff(args + ["--save", dir.appendingPathComponent("two.safetensors").path], ranks: 2)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stdout.components(separatedBy: "test accuracy").count == 2, "rank 0 alone reports: \(two.stdout)")
        let (a, _) = try Safetensors.read(from: dir.appendingPathComponent("one.safetensors"))
        let (b, _) = try Safetensors.read(from: dir.appendingPathComponent("two.safetensors"))
        #expect(Set(a.keys) == Set(b.keys) && a.count > 4)
        for (name, x) in a {
            let y = try #require(b[name])
            let worst = zip(x.scalars, y.scalars).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            #expect(worst < 1e-4, "\(name): relative difference \(worst)")
        }
        // A learner that is not a network cannot train data-parallel: an error, nothing trained.
        let classic = try runTakeoff(["train", "--data", "xor", "--size", "400", "--learner", "logreg", "--threads", "1"], ranks: 2)
        #expect(classic.status != 0 && classic.stderr.contains("logreg cannot train data-parallel"), "\(classic.stderr)")
    }

    /// Ranks given different commands stop at once with an error: none waits for ever in a collective, none stores or
    /// trains on settings the others do not share.
    @Test func ranksGivenDifferentCommandsStopWithAnError() throws {
        let train = ["train", "--data", "xor", "--size", "2000", "--learner", "mlp-small", "--threads", "1"]
        let start = Date()
        let missing = try Self.ranks(train, ["train", "--data", "/nonexistent/takeoff.csv", "--learner", "mlp-small", "--threads", "1"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/takeoff.csv"), "\(missing.stderr)")
        for other in [train + ["--epochs", "3"], Array(train.dropLast(4)) + ["--learner", "mlp-medium", "--threads", "1"]] {
            let run = try Self.ranks(train, other)
            #expect(run.status != 0 && run.stderr.contains("other training settings"), "\(other): \(run.stderr)")
        }
        #expect(Date().timeIntervalSince(start) < 100, "took \(Date().timeIntervalSince(start)) s")
        let dir = temporaryDirectory("mpi-order")
        let curve = ["curve", "--data", "xor", "--size", "400", "--sizes", "50,100", "--seeds", "1", "--threads", "1", "--out", dir.path]
        let swapped = try Self.ranks(curve + ["--learners", "mlp-small,logreg"], curve + ["--learners", "logreg,mlp-small"])
        #expect(swapped.status != 0 && swapped.stderr.contains("MPI rank 1 built other work"), "\(swapped.stderr)")
        #expect(((try? ResultStore(path: dir.appendingPathComponent("curve.sqlite").path).count()) ?? 0) == 0)
    }

    @Test func singleProcessCommandsRefuseSeveralRanksOnce() throws {
        for arguments in [["data", "info", "xor", "--size", "200"], ["serve", "--port", "0"]] {
            let run = try runTakeoff(arguments, ranks: 2)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.components(separatedBy: "runs as one process").count == 2, "\(arguments): \(run.stderr)")
            #expect(!run.stdout.contains("takeoff serve: http"), "a server started")
        }
    }
}
