import Foundation
import SocketClient
import Testing

/// Starts `takeoff serve arguments --port 0` (under `launcher`, a command and its arguments, where given) and returns
/// the process and the port its banner names. The server runs in a process of its own, as a user runs it: inside the
/// test process its tasks would share Swift's cooperative threads (two on a 2-core machine) with tests that compute
/// for minutes, and starve.
func startServe(_ arguments: [String], under launcher: [String] = []) throws -> (Process, Int) {
    guard let binary = takeoffBinary else { throw MissingBinary() }
    let serve = Process()
    let command = launcher + [binary.path, "serve"] + arguments + ["--port", "0"]
    serve.executableURL = URL(fileURLWithPath: command[0])
    serve.arguments = Array(command.dropFirst())
    let out = Pipe()
    serve.standardOutput = out
    serve.standardError = FileHandle.nullDevice
    try serve.run()
    let banner = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    guard let port = banner.range(of: "127.0.0.1:").flatMap({ Int(banner[$0.upperBound...].prefix { $0.isNumber }) }) else {
        kill(serve.processIdentifier, SIGKILL)
        throw BrowserError(description: "takeoff serve printed no port: '\(banner)'")
    }
    return (serve, port)
}

@Suite(.serialized) struct ServeSocketTests {
    @Test(.enabled(if: takeoffBinary != nil, "takeoff is not built next to the test bundle"))
    func traversalAndLongURLsAre404AndFiftyClientsAreAnswered() throws {
        let dir = temporaryDirectory("serve-socket")
        let curve = try runTakeoff(["curve", "--data", "spirals", "--learners", "logreg", "--sizes", "100,200", "--seeds", "1",
                                    "--threads", "1", "--out", dir.appendingPathComponent("curve").path])
        #expect(curve.status == 0, "\(curve.stderr)")
        let (serve, port) = try startServe(["--out", dir.path])
        defer { kill(serve.processIdentifier, SIGKILL) }
        let index = try SocketClient.get(port: port, target: "/")
        #expect(index.hasPrefix("HTTP/1.1 200"), "\(index.prefix(80))")
        for target in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/sweeps/..%2f..%2fetc%2fpasswd", "/\(dir.path)/curve/curve.sqlite",
                       "/" + String(repeating: "%2e%2e/", count: 2000) + "etc/passwd"] {
            let response = try SocketClient.get(port: port, target: target)
            #expect(response.hasPrefix("HTTP/1.1 404") || response.hasPrefix("HTTP/1.1 414") || response.isEmpty, "\(target.prefix(60)): \(response.prefix(40))")
            #expect(!response.contains("root:"))
        }
        let long = try SocketClient.get(port: port, target: "/" + String(repeating: "a", count: 200_000))
        #expect(long.isEmpty || long.hasPrefix("HTTP/1.1 4"), "\(long.prefix(40))")
        // The server still answers after all that, and answers fifty clients at once.
        #expect(try SocketClient.get(port: port, target: "/api/sweeps").hasPrefix("HTTP/1.1 200"))
        let answered = Tally(), group = DispatchGroup()
        for i in 0..<50 {
            group.enter()
            Thread {
                let response = (try? SocketClient.get(port: port, target: i % 2 == 0 ? "/" : "/api/sweeps")) ?? ""
                answered.add(response.hasPrefix("HTTP/1.1 200"))
                group.leave()
            }.start()
        }
        group.wait()
        #expect(answered.count == 50, "\(answered.count) of 50 concurrent requests answered 200")
    }
}

/// How many of the concurrent requests were answered.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var count = 0
    func add(_ ok: Bool) { lock.lock(); if ok { count += 1 }; lock.unlock() }
}

@Suite(.serialized) struct ServeExhaustionTests {
    /// With few file descriptors, idle clients exhaust them: the server waits for them to time out and
    /// answers again, instead of exiting on `accept`'s EMFILE.
    @Test(.enabled(if: takeoffBinary != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "needs takeoff and prlimit"))
    func runningOutOfDescriptorsIsWaitedOut() throws {
        let (serve, port) = try startServe(["--out", temporaryDirectory("emfile").path], under: ["/usr/bin/prlimit", "--nofile=64"])
        defer { kill(serve.processIdentifier, SIGKILL) }
        var idle: [Int32] = []
        for _ in 0..<100 {
            if let fd = try? SocketClient.connect(port: port) { idle.append(fd) }
        }
        usleep(500_000)
        #expect(serve.isRunning, "the server exited with \(serve.terminationStatus)")
        for fd in idle { close(fd) }
        // The idle timeout (10 s) frees the descriptors of those it accepted; then it answers again.
        var answered = false
        for _ in 0..<30 where !answered {
            answered = (try? SocketClient.get(port: port, target: "/api/sweeps"))?.hasPrefix("HTTP/1.1 200") == true
            if !answered { sleep(1) }
        }
        #expect(answered && serve.isRunning)
    }
}
