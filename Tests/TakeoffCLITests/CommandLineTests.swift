import Foundation
import Testing
import TakeoffData

/// Bad command lines and input files: each must end with an error that names the option or file,
/// never with a trap (these each trapped or crashed before being fixed).
@Suite struct CommandLineTests {
    /// Runs the `takeoff` built next to the test bundle with 2 threads: (exit status, whether a signal ended it, standard error).
    func takeoff(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, crashed: Bool, stderr: String) {
        let r = try runTakeoff(arguments + ["--threads", "2"], environment: environment)
        return (r.status, r.signalled, r.stderr)
    }

    @Test func badInputIsAnErrorNotATrap() throws {
        let dir = temporaryDirectory("cli")
        let tiny = dir.appendingPathComponent("tiny.csv")
        try Data("a,b,label\n1,2,x\n3,4,y\n".utf8).write(to: tiny)
        let cases: [([String], String)] = [
            (["train", "--data", tiny.path, "--learner", "mlp-small", "--epochs", "1"], "no class with two or more"),
            (["curve", "--data", "xor", "--size", "400", "--seeds", "100000000000", "--out", dir.path], "--seeds: must be in 1...10000"),
            (["activations", "--data", "xor", "--size", "400", "--depth", "100000000000", "--out", dir.path], "--width: a network of 100000000000 hidden layers"),
            (["activations", "--data", "xor", "--size", "400", "--lr", "nan", "--out", dir.path], "--lr: must be a positive number"),
            (["bench", "mlp-step", "--batch", "0"], "--batch: must be at least 1"),
            (["bench", "elementwise", "--count=-5"], "--count: must be at least 1"),
            (["bench", "gemm", "--sizes", "99999999"], "--sizes: 99999999×99999999"),
            (["train", "--data", "xor", "--size", "400", "--learner", "logreg", "--save", dir.path], "--save: \(dir.path) is a directory"),
            (["curve", "--data", "xor", "--size", "400", "--out", ""], "--out: needs a folder path"),
            // An option the learner does not take is an error, not silently ignored.
            (["train", "--data", "xor", "--size", "400", "--learner", "mlp-small", "--tolerance", "1e-3"], "--tolerance does not apply to mlp-small"),
            (["curve", "--data", "xor", "--size", "400", "--learners", "logreg,svm", "--out", dir.path], "unknown learner 'svm'"),
            (["curve", "--data", "xor", "--size", "400", "--budget", "soon", "--out", dir.path], "--budget: 'soon'"),
            (["curve", "--data", "xor", "--size", "400", "--sizes", "100,99999", "--out", dir.path], "--sizes: m = 99999 exceeds the training pool"),
        ]
        for (arguments, message) in cases {
            let r = try takeoff(arguments)
            #expect(!r.crashed && r.status != 0, "\(arguments): status \(r.status)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            // A value refused while the command runs points at that command's help, not `takeoff <subcommand>`.
            #expect(!r.stderr.contains("<subcommand>"), "\(arguments): \(r.stderr)")
        }
    }

    /// Counts too large for the products they feed, and forecast sizes past what an Int holds, are refused by flag;
    /// a forecaster check with nothing to check is an error, not a table of NaN or a row of zeros.
    @Test func hugeCountsAndEmptyForecastChecksAreErrors() throws {
        let dir = temporaryDirectory("huge")
        let curves = dir.appendingPathComponent("curves.csv")
        var table = "learner,m,score,seed\n"
        for (learner, top) in [("logreg", 0.85), ("mlp", 0.9)] {
            for m in [100, 200, 400, 800, 1600] { table += "\(learner),\(m),\(top - 1.5 * pow(Double(m), -0.4)),0\n" }
        }
        try Data(table.utf8).write(to: curves)
        let huge = "\(Int.max)"
        let xor = ["--data", "xor", "--size", "400"]
        let cases: [([String], String)] = [
            (["train"] + xor + ["--learner", "mlp-small", "--epochs", huge], "--epochs \(huge): must be at most 1000000"),
            (["train"] + xor + ["--learner", "mlp-small", "--batch-size", huge], "--batch-size \(huge): must be at most 10000000"),
            (["curve"] + xor + ["--learners", "mlp-small", "--epochs", huge, "--out", dir.path], "--epochs \(huge): must be at most"),
            (["bench", "train", "--presets", "mlp-small", "--steps", "100000000000000000"], "--steps: must be at most 469"),
            (["fit", curves.path, "--at", "1e30", "--out", dir.path], "--at: '1e30' is beyond m = 1,000,000,000,000,000"),
            (["fit", curves.path, "--at", "1e308x", "--out", dir.path], "--at: '1e308x' of the largest size measured (1,600)"),
            (["fit", curves.path, "--at", "1000000000000000000000x", "--out", dir.path], "--at: '1000000000000000000000x'"),
            (["fit", curves.path, "--backtest", "4"], "--backtest 4: none of the 2 curves"),
            (["fit", curves.path, "--backtest", "1e30"], "--backtest 1e30: none of the 2 curves"),
            (["fit", curves.path, "--calibrate", "odd"], "--calibrate odd: no curve's data set id is odd"),
            (["fit", curves.path, "--calibrate", "all"], "--calibrate: 2 curves give"),
        ]
        for (arguments, message) in cases {
            // fit takes no --threads.
            let r = arguments[0] == "fit" ? try runTakeoff(arguments) : try runTakeoff(arguments + ["--threads", "2"])
            #expect(!r.signalled && r.status != 0, "\(arguments): status \(r.status)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }

    /// Every command that takes learner options lists each once in its help, from the one flag group.
    /// Progress and notes go to standard error; a full or closed one loses them, not the run.
    @Test(.enabled(if: takeoffBinary != nil && FileManager.default.fileExists(atPath: "/dev/full")))
    func aFullStandardErrorDoesNotStopARun() throws {
        let binary = try #require(takeoffBinary)
        let dir = temporaryDirectory("full-stderr")
        let p = Process()
        p.executableURL = binary
        p.arguments = ["curve", "--data", "xor", "--size", "400", "--sizes", "50,100", "--seeds", "1", "--learners", "logreg", "--threads", "1",
                       "--out", dir.path]
        p.standardError = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.html").path))
        // The results themselves, on standard output, are another matter: lost output is an error.
        let q = Process()
        q.executableURL = binary
        q.arguments = p.arguments! + ["--json"]
        q.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let err = Pipe()
        q.standardError = err
        try q.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        q.waitUntilExit()
        #expect(q.terminationStatus == 1 && text.contains("the output could not be written"), "\(text)")
    }

    @Test(.enabled(if: takeoffBinary != nil))
    func tooManyThreadsFromTheEnvironmentNameTheVariable() throws {
        let run = try runTakeoff(["curve", "--data", "xor", "--size", "400", "--sizes", "50,100", "--seeds", "1", "--learners", "logreg",
                                  "--out", temporaryDirectory("env-threads").path], environment: ["OPENBLAS_NUM_THREADS": "5000"])
        #expect(run.status != 0 && !run.signalled && run.stderr.contains("OPENBLAS_NUM_THREADS=5000"), "\(run.stderr)")
    }

    @Test func helpListsEachLearnerOptionOnce() throws {
        for command in [["train"], ["curve"], ["scale"], ["bench", "classic"]] {
            let help = try runTakeoff(command + ["--help"]).stdout
            let lines = help.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            for option in LearnerOption.allCases {
                let count = lines.filter { $0.hasPrefix(option.flag + " <") }.count
                #expect(count == 1, "\(command.joined(separator: " ")) --help lists \(option.flag) \(count) times")
            }
        }
    }

    /// Each learner option given out of range (or not a value of its type) is refused by its flag, before any data is read.
    @Test func eachLearnerOptionRefusesABadValueByFlag() throws {
        let bad: [LearnerOption: String] = [.C: "0", .gamma: "-1", .kernel: "sigmoid", .degree: "0", .loss: "log", .tolerance: "inf",
                                            .maxIterations: "-3", .cacheMB: "0", .activation: "swish", .epochs: "0", .batchSize: "0",
                                            .learningRate: "nan", .dropout: "1", .augment: "rotate", .precision: "bf17"]
        #expect(Set(bad.keys) == Set(LearnerOption.allCases))
        for (option, value) in bad {
            let r = try takeoff(["train", "--data", "no-such-data", "--learner", "logreg", option.flag, value])
            #expect(!r.crashed && r.status != 0 && r.stderr.contains("Error: \(option.flag) "), "\(option.flag) \(value): \(r.stderr)")
            #expect(!r.stderr.contains("no-such-data"), "\(option.flag) \(value) was read after the data: \(r.stderr)")
        }
        // And one a learner does not take names the learner, in every command that takes learner options.
        let notTaken = try takeoff(["bench", "classic", "--learner", "logreg", "--kernel", "linear", "--train-size", "10"])
        #expect(notTaken.status != 0 && notTaken.stderr.contains("--kernel does not apply to logreg"), "\(notTaken.stderr)")
        let polynomial = try takeoff(["train", "--data", "xor", "--size", "400", "--learner", "rbf-svm", "--kernel", "polynomial", "--degree", "2",
                                      "--C", "1", "--json"])
        #expect(polynomial.status == 0, "\(polynomial.stderr)")
    }

    /// The README's save-then-evaluate lines, with a network that has dropout layers (their checkpoints
    /// once failed to load), on a small subset.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist"), "Fashion-MNIST is not installed"))
    func aSavedNetworkWithDropoutEvaluates() throws {
        let model = temporaryDirectory("save").appendingPathComponent("mlp-large.safetensors").path
        let trained = try takeoff(["train", "--data", "fashion-mnist", "--learner", "mlp-large", "--train-size", "200", "--epochs", "1", "--save", model])
        #expect(trained.status == 0, "\(trained.stderr)")
        let evaluated = try takeoff(["evaluate", "--model", model, "--data", "fashion-mnist"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
    }

    /// A GPU that fails mid-run (the emulator fails every kernel launch from the 40th on): `train` ends with the
    /// driver's message instead of a trap; a curve reports the network's cells as gpu-failed without storing them,
    /// goes on with the CPU learner and exits with an error, and a rerun trains just those cells.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TAKEOFF_CUDA_LIBRARY_PATH"]?.contains("cuda-emulator") == true,
                   "not on the CUDA emulator (scripts/cuda-emulator): no GPU failure to inject"))
    func cudaFailureIsAnErrorNotATrap() throws {
        let failing = ["FAKECUDA_FAIL_LAUNCH": "40"]
        let trained = try takeoff(["train", "--data", "xor", "--size", "400", "--learner", "mlp-small", "--epochs", "3",
                                   "--device", "cuda"], environment: failing)
        #expect(!trained.crashed && trained.status != 0, "status \(trained.status): \(trained.stderr)")
        #expect(trained.stderr.contains("cuLaunchKernel") && trained.stderr.contains("Nothing has run on the GPU since"), "\(trained.stderr)")
        let dir = temporaryDirectory("gpu-failure")
        let arguments = ["curve", "--data", "xor", "--size", "400", "--learners", "logreg,mlp-small", "--sizes", "100,200",
                         "--seeds", "1", "--device", "cuda", "--out", dir.path]
        func rows() throws -> [Substring] {
            try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        }
        let failed = try takeoff(arguments, environment: failing)
        #expect(!failed.crashed && failed.status != 0 && failed.stderr.contains("cuLaunchKernel"), "\(failed.stderr)")
        let afterFailure = try rows()
        // The CPU learner's cells, before and after the GPU failed, are unaffected.
        #expect(afterFailure.filter { $0.hasPrefix("logreg,") && $0.contains(",ok,") }.count == 2, "\(afterFailure)")
        #expect(afterFailure.filter { $0.hasPrefix("mlp-small,") && $0.contains(",gpu-failed,") && $0.contains("cuLaunchKernel") }.count == 2,
                "\(afterFailure)")
        let rerun = try takeoff(arguments)
        let afterRerun = try rows()
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(afterRerun.filter { $0.contains(",ok,") }.count == 4, "\(afterRerun)")
    }
}
