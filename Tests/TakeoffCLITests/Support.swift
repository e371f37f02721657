import Foundation
import TakeoffLab

/// A fresh empty directory under the system's temporary folder.
func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-cli-\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Results with their wall-clock times left out, by cell.
func outcomes(_ results: [CellResult]) -> [CellKey: CellResult] {
    Dictionary(uniqueKeysWithValues: results.map { r in
        var r = r
        (r.fitSeconds, r.predictSeconds) = (nil, nil)
        return (r.key, r)
    })
}

/// The `takeoff` executable SwiftPM builds next to the test bundle.
let takeoffBinary: URL? = {
    let dirs = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
                Bundle.main.bundleURL.deletingLastPathComponent()]
    return dirs.map { $0.appendingPathComponent("takeoff") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Open MPI's launcher, where installed.
let mpirun: URL? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].map(URL.init(fileURLWithPath:))
    .first { FileManager.default.isExecutableFile(atPath: $0.path) }

/// What a `takeoff` process did.
struct TakeoffRun {
    var status: Int32
    /// Whether a signal ended it (a crash, or the kill asked for).
    var signalled: Bool
    /// Whether the test killed it.
    var killed: Bool
    var stderr: String
    var stdout: String
    var cellLines: Int { stderr.split(separator: "\n").filter { $0.hasPrefix("[") }.count }
}

struct MissingBinary: Error, CustomStringConvertible {
    var description: String { "takeoff is not built next to the test bundle (\(CommandLine.arguments[0]))" }
}

/// Runs `takeoff arguments` (under `mpirun -np ranks`, oversubscribed, shared memory, as root allowed, when
/// `ranks` is given), reading standard error as it comes; with `killAfter`, sends `signal` once that many
/// cells have been reported (under `mpirun`, to every rank and then to `mpirun`: the whole job, as a crash would).
func runTakeoff(_ arguments: [String], ranks: Int? = nil, environment: [String: String] = [:], killAfter: Int? = nil,
                signal: Int32 = SIGKILL) throws -> TakeoffRun {
    guard let binary = takeoffBinary else { throw MissingBinary() }
    let p = Process()
    if let ranks {
        p.executableURL = mpirun
        p.arguments = ["-np", "\(ranks)", "--oversubscribe", "--mca", "btl", "self,vader", binary.path] + arguments
    } else {
        p.executableURL = binary
        p.arguments = arguments
    }
    p.environment = ProcessInfo.processInfo.environment.merging(
        ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"].merging(environment) { $1 }) { $1 }
    let err = Pipe(), out = Pipe()
    p.standardError = err
    p.standardOutput = out
    try p.run()
    var text = "", killed = false
    while true {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        text += String(decoding: chunk, as: UTF8.self)
        if let killAfter, !killed, text.split(separator: "\n").filter({ $0.hasPrefix("[") }).count >= killAfter {
            if ranks != nil {
                // The ranks are mpirun's children; a signal to mpirun alone may be blocked, inherited from the test's thread.
                let children = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/task/\(p.processIdentifier)/children", encoding: .utf8)) ?? ""
                for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, signal) }
            }
            kill(p.processIdentifier, signal)
            killed = true
        }
    }
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return TakeoffRun(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal, killed: killed, stderr: text, stdout: stdout)
}
