import Foundation
import Testing
@testable import TakeoffServe

/// A connected TCP socket to 127.0.0.1:`port`, with `timeout` seconds for each send and receive.
private func connectTo(_ port: Int, timeout: Int = 20) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    var t = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    return fd
}

/// Sends `request` (stopping quietly where the server stops reading) and reads the answer to the end.
private func exchange(_ fd: Int32, _ request: [UInt8]) -> String {
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        sent += n
    }
    return readAll(fd)
}

private func readAll(_ fd: Int32) -> String {
    var response = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        response += buffer[0..<n]
    }
    return String(decoding: response, as: UTF8.self)
}

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
        var fd = try connectTo(port)
        let header = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n"
        let refused = exchange(fd, Array(header.utf8))
        close(fd)
        #expect(refused.hasPrefix("HTTP/1.1 431"), "\(refused.prefix(60))")
        #expect(Date().timeIntervalSince(start) < 2, "431 took \(Date().timeIntervalSince(start)) s")
        start = Date()
        fd = try connectTo(port)
        let long = exchange(fd, Array("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        close(fd)
        #expect(long.hasPrefix("HTTP/1.1 414"), "\(long.prefix(60))")
        #expect(Date().timeIntervalSince(start) < 2)
        fd = try connectTo(port)
        #expect(exchange(fd, Array("GET /api/sweeps HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 200"))
        close(fd)
    }

    @Test func idleConnectionsAreClosedAndConnectionsPastTheCapAreTurnedAway() throws {
        let (server, port) = try start(.init(idleSeconds: 2, connections: 4))
        defer { server.close() }
        // Four half-open clients that never send a byte fill the server.
        let idle = try (0..<4).map { _ in try connectTo(port) }
        #expect(eventually { server.openConnections == 4 }, "\(server.openConnections) connections open")
        let extra = try connectTo(port)
        let turnedAway = readAll(extra)
        close(extra)
        #expect(turnedAway.hasPrefix("HTTP/1.1 503"), "\(turnedAway.prefix(60))")
        // After the idle timeout the server has closed them (each reads the end of the stream) and answers again.
        let start = Date()
        for fd in idle {
            #expect(readAll(fd).isEmpty)
            close(fd)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(eventually { server.openConnections == 0 })
        let fd = try connectTo(port)
        #expect(exchange(fd, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 200"))
        close(fd)
    }

    @Test func aClientThatSendsSlowlyIsCutOffAtTheIdleTimeout() throws {
        let (server, port) = try start(.init(idleSeconds: 1))
        defer { server.close() }
        let fd = try connectTo(port)
        let start = Date()
        for byte in Array("GET / HT".utf8) {
            _ = withUnsafeBytes(of: byte) { send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            usleep(300_000)
        }
        let answer = readAll(fd)
        close(fd)
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(60))")
        #expect(Date().timeIntervalSince(start) < 6)
    }
}
