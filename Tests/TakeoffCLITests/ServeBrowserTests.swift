import Foundation
import Testing

/// Debian's `chromium` (or `TAKEOFF_CHROMIUM`), where installed.
let chromium: String? = ([ProcessInfo.processInfo.environment["TAKEOFF_CHROMIUM"]].compactMap { $0 }
    + ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]).first { FileManager.default.isExecutableFile(atPath: $0) }

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: fd 3 in, fd 4 out,
/// messages ending in NUL), so the test reads the DOM of one page while it stays open.
final class Browser {
    let pid: pid_t
    let toBrowser: FileHandle, fromBrowser: FileHandle
    var buffer = Data(), nextID = 0
    var session: String?

    init(path: String, url: String, profile: URL) throws {
        var toPipe: [Int32] = [0, 0], fromPipe: [Int32] = [0, 0]
        guard pipe(&toPipe) == 0, pipe(&fromPipe) == 0 else { throw POSIXError(.EMFILE) }
        // Out of the way of 3 and 4, which the child's ends are moved to.
        let (childIn, childOut) = (fcntl(toPipe[0], F_DUPFD, 100), fcntl(fromPipe[1], F_DUPFD, 100))
        Glibc.close(toPipe[0]); Glibc.close(fromPipe[1])
        for fd in [toPipe[1], fromPipe[0]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childIn, 3)
        posix_spawn_file_actions_adddup2(&actions, childOut, 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
                         "--window-size=1400,2000", "--user-data-dir=\(profile.path)", url]
        let argv = arguments.map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + env).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, env)
        Glibc.close(childIn); Glibc.close(childOut)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .ENOENT) }
        self.pid = pid
        toBrowser = FileHandle(fileDescriptor: toPipe[1], closeOnDealloc: true)
        fromBrowser = FileHandle(fileDescriptor: fromPipe[0], closeOnDealloc: true)
    }

    /// Sends one command (to the page's session once attached) and returns its result, skipping events.
    func call(_ method: String, _ params: [String: Any] = [:], onPage: Bool = true) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if onPage, let session { message["sessionId"] = session }
        toBrowser.write(try JSONSerialization.data(withJSONObject: message) + Data([0]))
        while true {
            while let end = buffer.firstIndex(of: 0) {
                let line = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                guard let reply = try JSONSerialization.jsonObject(with: line) as? [String: Any], reply["id"] as? Int == nextID else { continue }
                if let error = reply["error"] { throw BrowserError(description: "\(method): \(error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            let chunk = fromBrowser.availableData
            if chunk.isEmpty { throw BrowserError(description: "chromium closed its pipe during \(method)") }
            buffer += chunk
        }
    }

    /// Attaches to the page chromium opened.
    func attach() throws {
        for _ in 0..<100 {
            let targets = try call("Target.getTargets", onPage: false)["targetInfos"] as? [[String: Any]] ?? []
            if let page = targets.first(where: { $0["type"] as? String == "page" }), let id = page["targetId"] as? String {
                session = try call("Target.attachToTarget", ["targetId": id, "flatten": true], onPage: false)["sessionId"] as? String
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw BrowserError(description: "chromium opened no page")
    }

    /// The value of a JavaScript expression in the page.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return (result["result"] as? [String: Any])?["value"]
    }

    func screenshot(to url: URL) throws {
        let data = try call("Page.captureScreenshot", ["format": "png"])["data"] as? String ?? ""
        try Data(base64Encoded: data)?.write(to: url)
    }

    func close() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        for _ in 0..<50 where waitpid(pid, &status, WNOHANG) == 0 { Thread.sleep(forTimeInterval: 0.1) }
    }
}

struct BrowserError: Error, CustomStringConvertible { var description: String }

/// GET `path` on 127.0.0.1:`port`; the body, or nil when the server does not answer.
func httpGet(port: Int, _ path: String) -> Data? {
    let done = DispatchSemaphore(value: 0)
    final class Box: @unchecked Sendable { var data: Data? }
    let box = Box()
    let task = URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { data, response, _ in
        if (response as? HTTPURLResponse)?.statusCode == 200 { box.data = data }
        done.signal()
    }
    task.resume()
    _ = done.wait(timeout: .now() + 10)
    return box.data
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite(.serialized) struct ServeBrowserTests {
    /// A user's view: a curve runs in one process, `takeoff serve` in another, and the sweep page, opened once in
    /// headless Chromium, shows the new cells in its figure as they land, without a reload.
    @Test(.enabled(if: chromium != nil, "chromium is not installed (apt-get install chromium): the browser test needs it"),
          .enabled(if: takeoffBinary != nil, "takeoff is not built next to the test bundle"))
    func theSweepPageFillsInWhileTheCurveRuns() throws {
        let dir = temporaryDirectory("serve-browser")
        let binary = takeoffBinary!
        let grid = ["curve", "--data", "spirals", "--learners", "logreg,mlp-small", "--seeds", "2", "--threads", "1", "--epochs", "75",
                    "--out", dir.appendingPathComponent("curve").path]
        // Slow enough cells (75 epochs; at small m each of 3 folds and the refit train them) for several polls; two cells first, so the sweep exists and the page is open
        // before the rest of the run starts: on a loaded
        // machine chromium can take longer to start than the whole curve.
        let head = try runTakeoff(grid + ["--max-cells", "2"])
        #expect(head.status == 0, "\(head.stderr)")
        let curve = Process()
        curve.executableURL = binary
        curve.arguments = grid
        curve.standardError = FileHandle.nullDevice
        curve.standardOutput = FileHandle.nullDevice
        let (serve, port) = try startServe(["--out", dir.path])
        defer { kill(serve.processIdentifier, SIGKILL) }
        // The sweep appears with its first cells.
        var sweepID: String?
        for _ in 0..<300 where sweepID == nil {
            if let data = httpGet(port: port, "/api/sweeps"), let list = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let sweep = (list["sweeps"] as? [[String: Any]])?.first, (sweep["cells_stored"] as? Int ?? 0) >= 1 {
                sweepID = sweep["id"] as? String
            } else {
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        let id = try #require(sweepID, "the running sweep never appeared in /api/sweeps")

        let browser = try Browser(path: chromium!, url: "http://127.0.0.1:\(port)/sweeps/\(id)", profile: dir.appendingPathComponent("profile"))
        defer { browser.close() }
        try browser.attach()
        let probe = """
            (function () {
              var s = document.getElementById('status'), live = document.getElementById('live');
              if (!s || !live) return null;
              if (window.takeoffMarker === undefined) window.takeoffMarker = Date.now();
              return JSON.stringify({ stored: Number(s.dataset.cellsStored), points: document.querySelectorAll('#report svg circle title').length,
                                      updates: Number(live.dataset.updates || 0), state: s.dataset.state, marker: window.takeoffMarker });
            })()
            """
        func read() throws -> [String: Any]? {
            guard let text = try browser.evaluate(probe) as? String else { return nil }
            return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        }
        var first: [String: Any]?
        for _ in 0..<100 where first == nil {
            first = try read()
            if first == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        let start = try #require(first, "the sweep page never loaded")
        let artefacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artefacts, withIntermediateDirectories: true)
        try browser.screenshot(to: artefacts.appendingPathComponent("serve-sweep-first.png"))
        try curve.run()
        defer { if curve.isRunning { kill(curve.processIdentifier, SIGKILL) } }

        // Watch the same page until the run ends (and one more poll after it).
        var last = start, seenStored = [start["stored"] as? Int ?? 0]
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 1)
            guard let now = try read() else { continue }
            last = now
            if let stored = now["stored"] as? Int, stored != seenStored.last { seenStored.append(stored) }
            if !curve.isRunning && now["state"] as? String == "finished" { break }
        }
        try browser.screenshot(to: artefacts.appendingPathComponent("serve-sweep-final.png"))
        #expect(last["marker"] as? Double == start["marker"] as? Double, "the page was reloaded")
        #expect((last["updates"] as? Int ?? 0) >= 2, "the page updated \(last["updates"] ?? 0) times")
        #expect(seenStored.count >= 3, "stored cells seen by the page: \(seenStored)")
        #expect((last["points"] as? Int ?? 0) > (start["points"] as? Int ?? 0), "the figure did not gain points: \(start) → \(last)")
        #expect(last["state"] as? String == "finished")
        #expect(last["stored"] as? Int == 32)
    }
}
