import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffNN
@testable import TakeoffLab

/// Budgets that hold inside a cell, one writer per store, memory checked before a network is built.
@Suite struct ReliabilityTests {
    @Test func aCellThatRunsPastTheBudgetIsStoppedAndNotStored() throws {
        let split = try xorSplit(size: 200)
        var options = LearnerOptions()
        options.epochs = LearnerOptions.maxEpochs
        let plan = try SweepPlan(learners: [LearnerRegistry.learner(named: "mlp-small", options: options)], sizes: [20], seeds: [0], split: split)
        let store = try ResultStore(path: temporaryDirectory("cut").appendingPathComponent("s.sqlite").path)
        let runner = SweepRunner(plan: plan, split: split, store: store)
        runner.budget = 1.5
        let start = Benchmarks.now()
        let outcome = try runner.run()
        let seconds = Benchmarks.now() - start
        // The budget, its overrun margin (a second), and a step or a validation pass to notice.
        #expect(seconds < 1.5 + SweepRunner.overrun(budget: 1.5) + 2, "took \(seconds) s")
        #expect(outcome.results.map(\.status) == [.cutBudget] && !outcome.complete)
        #expect(outcome.results[0].error?.contains("past the") == true)
        #expect(try store.count() == 0)
    }

    @Test func aCutCellIsTrainedByARunWithTime() throws {
        let split = try xorSplit(size: 400)
        let plan = try SweepPlan(learners: [learner("logreg")], sizes: [200], seeds: [0], split: split)
        let evaluator = CellEvaluator(plan: plan, split: split)
        let cut = evaluator.evaluate(CellJob(key: plan.cells[0], learner: 0, secondsAllowed: 0))
        #expect(cut.status == .cutBudget && cut.accuracy == nil)
        let whole = evaluator.evaluate(CellJob(key: plan.cells[0], learner: 0, secondsAllowed: 600))
        #expect(whole.status == .ok && whole.accuracy != nil)
    }

    @Test func aSecondRunOnAHeldStoreStopsNamingTheFirst() throws {
        let path = temporaryDirectory("lock").appendingPathComponent("curve.sqlite").path
        var first: StoreLock? = try StoreLock(storePath: path)
        do {
            _ = try StoreLock(storePath: path)
            Issue.record("a second lock on a held store was granted")
        } catch let error as CurveError {
            let text = error.description
            #expect(text.contains("pid \(getpid())") && text.contains(ProcessInfo.processInfo.hostName) && text.contains("started 20"), "\(text)")
            #expect(text.contains("--out"))
        }
        first = nil
        _ = first
        #expect(throws: Never.self) { _ = try StoreLock(storePath: path) }
    }

    @Test func aStoreHeldByAKilledProcessIsTakenOver() throws {
        let path = temporaryDirectory("killed").appendingPathComponent("curve.sqlite").path
        // Another process takes the lock (flock(1) from util-linux, as a run would) and is killed.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", "--close", path + ".lock", "sleep", "60"]
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        var held = false
        for _ in 0..<200 where !held {
            do { _ = try StoreLock(storePath: path); usleep(10_000) } catch { held = true }
        }
        #expect(held, "the other process never took the lock")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        // The lock comes free with no cleanup (the kernel drops it with its process).
        var taken = false
        for _ in 0..<500 where !taken {
            taken = (try? StoreLock(storePath: path)) != nil
            if !taken { usleep(10_000) }
        }
        #expect(taken)
    }

    @Test func scaleRefusesAWidthThatCannotFitInMemoryBeforeBuildingIt() throws {
        var request = ScaleRequest(data: "xor", compute: try Compute(threads: 1))
        request.widths = [4, 8, 100_000_000]
        request.sizes = [20, 40, 80]
        #expect {
            _ = try ScaleExperiment(request, split: try xorSplit(size: 200))
        } throws: { error in
            let text = "\(error)"
            return text.contains("widths") && text.contains("100000000") && text.contains("allowed (half the memory)")
        }
    }
}

@Suite struct ScaleSizeTests {
    @Test func sizesTooSmallForAnyLawAreRefused() throws {
        var request = ScaleRequest(data: "xor", compute: try Compute(threads: 1))
        request.widths = [2, 4, 8]
        request.sizes = [1, 2, 3]
        #expect {
            _ = try ScaleExperiment(request, split: try xorSplit(size: 200))
        } throws: { error in
            "\(error)".contains("sizes") && "\(error)".contains("1, 2, 3 are too few examples for 2 classes") && "\(error)".contains("at least 10")
        }
    }

    @Test func threadCountsFarPastTheCoresAreRefused() {
        #expect(throws: LabError.self) { _ = try Compute(threads: 100_000) }
        #expect(throws: Never.self) { _ = try Compute(threads: ProcessInfo.processInfo.activeProcessorCount) }
    }

    @Test func aBudgetOfZeroSaysSoInsteadOfNotADuration() {
        #expect { _ = try TimeBudget(parsing: "0s") } throws: { "\($0)".contains("leaves no time") && !"\($0)".contains("not a duration") }
        #expect { _ = try TimeBudget(parsing: "soon") } throws: { "\($0)".contains("not a duration") }
    }
}

@Suite struct ReportFileTests {
    /// Whether this process may mount a tmpfs (root with the capability to mount; not so in most containers).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        let probe = temporaryDirectory("mount-probe")
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]) else { return false }
        return run("/bin/umount", [probe.path])
    }()

    /// Runs a system command; whether it succeeded.
    static func run(_ path: String, _ arguments: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test(.enabled(if: canMountTmpfs, "a full disk is a 64 KiB tmpfs, which only root with the mount capability can make"))
    func aFullDiskLeavesThePreviousFileAndSaysWhy() throws {
        let dir = temporaryDirectory("full")
        try #require(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path]))
        defer { _ = Self.run("/bin/umount", [dir.path]) }
        let url = dir.appendingPathComponent("report.html")
        try ReportFile.write("the previous report", to: url)
        #expect {
            try ReportFile.write(Data(repeating: 0x41, count: 1 << 20), to: url)
        } throws: { error in
            "\(error)".contains("No space left on device") && "\(error)".contains("report.html")
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "the previous report")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.html"])
    }
}
