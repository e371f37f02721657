import Foundation
import SocketClient
import Testing
@testable import TakeoffServe

/// The server on its own threads in this process, started without Swift concurrency (the test process's
/// cooperative threads are busy with other suites), with tight limits so the test runs in seconds.
@Suite(.serialized) struct ServerLimitsTests {
    func start(_ limits: TakeoffServer.Limits) throws -> (TakeoffServer, Int) {
        let server = try TakeoffServer(site: ServeSite(folders: [], stores: []), host: "127.0.0.1", port: 0, limits: limits)
        return (server, try server.start())
    }

    /// Waits up to `seconds` for `condition` (threads on a loaded machine take their time to run).
    func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func anOversizedHeadOrURLIsRefusedAtOnceWithoutParsing() throws {
        let (server, port) = try start(.init(idleSeconds: 5))
        defer { server.close() }
        // A megabyte of header: it once took minutes of one core (the head was rescanned as it grew).
        var start = Date()
        var fd = try SocketClient.connect(port: port)
        let header = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n"
        let refused = SocketClient.exchange(fd, Array(header.utf8))
        close(fd)
        #expect(refused.hasPrefix("HTTP/1.1 431"), "\(refused.prefix(60))")
        #expect(Date().timeIntervalSince(start) < 2, "431 took \(Date().timeIntervalSince(start)) s")
        start = Date()
        fd = try SocketClient.connect(port: port)
        let long = SocketClient.exchange(fd, Array("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        close(fd)
        #expect(long.hasPrefix("HTTP/1.1 414"), "\(long.prefix(60))")
        #expect(Date().timeIntervalSince(start) < 2)
        fd = try SocketClient.connect(port: port)
        #expect(SocketClient.exchange(fd, Array("GET /api/sweeps HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 200"))
        close(fd)
    }

    @Test func idleConnectionsAreClosedAndConnectionsPastTheCapAreTurnedAway() throws {
        let (server, port) = try start(.init(idleSeconds: 2, connections: 4))
        defer { server.close() }
        // Four half-open clients that never send a byte fill the server.
        let idle = try (0..<4).map { _ in try SocketClient.connect(port: port) }
        #expect(eventually { server.openConnections == 4 }, "\(server.openConnections) connections open")
        let extra = try SocketClient.connect(port: port)
        let turnedAway = SocketClient.readAll(extra)
        close(extra)
        #expect(turnedAway.hasPrefix("HTTP/1.1 503"), "\(turnedAway.prefix(60))")
        // After the idle timeout the server has closed them (each reads the end of the stream) and answers again.
        let start = Date()
        for fd in idle {
            #expect(SocketClient.readAll(fd).isEmpty)
            close(fd)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(eventually { server.openConnections == 0 })
        let fd = try SocketClient.connect(port: port)
        #expect(SocketClient.exchange(fd, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 200"))
        close(fd)
    }

    @Test func aChildProcessOfTheHostDoesNotKeepAClosedConnectionOpen() throws {
        let (server, port) = try start(.init(idleSeconds: 1))
        defer { server.close() }
        let fd = try SocketClient.connect(port: port)
        defer { close(fd) }
        #expect(eventually { server.openConnections == 1 })
        // A child started as a test's browser is: with every descriptor the host has open and not close-on-exec.
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("8"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&child, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer { kill(child, SIGKILL); waitpid(child, nil, 0) }
        let start = Date()
        #expect(SocketClient.readAll(fd).isEmpty)
        #expect(Date().timeIntervalSince(start) < 6, "the idle connection stayed open \(Date().timeIntervalSince(start)) s")
    }

    @Test func aClientThatKeepsTricklingAfterItsAnswerIsLetGo() throws {
        let (server, port) = try start(.init(idleSeconds: 5))
        defer { server.close() }
        let fd = try SocketClient.connect(port: port)
        defer { close(fd) }
        #expect(eventually { server.openConnections == 1 })
        let head = Array("GET /api/sweeps HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        // A byte every 0.1 s after the head, for 4 s: the server stops reading it after a second and closes.
        let start = Date()
        var closedAfter: Double?
        while Date().timeIntervalSince(start) < 4 {
            _ = withUnsafeBytes(of: UInt8(0x61)) { send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            if closedAfter == nil && server.openConnections == 0 { closedAfter = Date().timeIntervalSince(start) }
            usleep(100_000)
        }
        #expect(closedAfter.map { $0 < 3 } == true, "the connection was still open after \(Date().timeIntervalSince(start)) s")
    }

    @Test func aClientThatSendsSlowlyIsCutOffAtTheIdleTimeout() throws {
        let (server, port) = try start(.init(idleSeconds: 1))
        defer { server.close() }
        let fd = try SocketClient.connect(port: port)
        let start = Date()
        for byte in Array("GET / HT".utf8) {
            _ = withUnsafeBytes(of: byte) { send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            usleep(300_000)
        }
        let answer = SocketClient.readAll(fd)
        close(fd)
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(60))")
        #expect(Date().timeIntervalSince(start) < 6)
    }
}
