import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// ``ServeSite`` on a socket: a small HTTP/1.1 server of its own, one thread per connection, every answer
/// `Connection: close`. The site is read-only GET over a handful of routes, so the server only has to read a
/// request head, and it bounds what a client can make it do before it parses anything (``Limits``): the
/// request line and the head are size-limited as they arrive (414 and 431 at once, found by a linear scan),
/// a connection that sends no complete head within the idle timeout is closed, and past the connection cap a
/// client gets 503 and is closed; accept failing for lack of file descriptors waits and goes on. No client
/// can make it exit.
public final class TakeoffServer: @unchecked Sendable {
    public let site: ServeSite
    public let host: String
    public let port: Int
    public let limits: Limits

    /// What one client may ask of the server.
    public struct Limits: Sendable {
        /// Longest request line (method, target, version) in bytes: longer gets 414.
        public var requestLine = 8 * 1024
        /// Longest request head (request line and headers) in bytes: longer gets 431.
        public var head = 32 * 1024
        /// Seconds a connection may take to send its head, and to take the answer; then it is closed.
        public var idleSeconds = 10.0
        /// Connections served at once; the next gets 503 and is closed.
        public var connections = 256

        public init(requestLine: Int = 8 * 1024, head: Int = 32 * 1024, idleSeconds: Double = 10, connections: Int = 256) {
            (self.requestLine, self.head, self.idleSeconds, self.connections) = (requestLine, head, idleSeconds, connections)
        }
    }

    private let address: Address
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var boundPort: Int?
    private var failure: Error?
    private var stopped = false
    private var open = 0
    private var finished = false
    private var waiter: CheckedContinuation<Void, Never>?

    private enum Address {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)
    }

    /// A server for `site` on `host` (an IPv4 or IPv6 address, or `localhost`) and `port` (0: any free port).
    public init(site: ServeSite, host: String = "127.0.0.1", port: Int = 8080, limits: Limits = Limits()) throws {
        guard (0...65535).contains(port) else { throw ServeError.invalidAddress("port must be 0…65535, got \(port)") }
        self.site = site
        self.host = host
        self.port = port
        self.limits = limits
        let ip = host == "localhost" ? "127.0.0.1" : host
        if ip.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET6, ip, &a.sin6_addr) == 1 else { throw ServeError.invalidAddress("'\(host)' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)") }
            address = .v6(a)
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET, ip, &a.sin_addr) == 1 else { throw ServeError.invalidAddress("'\(host)' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)") }
            address = .v4(a)
        }
    }

    /// Whether `host` is reachable only from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Binds and starts serving on a thread of its own; returns the port it listens on. Needs no Swift
    /// concurrency (a caller whose cooperative threads are busy is still served); ``close()`` stops it.
    @discardableResult
    public func start() throws -> Int {
        let fd: Int32
        do {
            fd = try listen()
        } catch {
            locked { failure = error }
            throw error
        }
        let thread = Thread { [self] in
            acceptLoop(fd)
            let waiting: CheckedContinuation<Void, Never>? = locked {
                finished = true
                defer { waiter = nil }
                return waiter
            }
            waiting?.resume()
        }
        thread.name = "takeoff-serve-accept"
        thread.start()
        return locked { boundPort! }
    }

    /// Serves until ``stop()`` or the task is cancelled; throws when the socket cannot be bound.
    public func run() async throws {
        try start()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let already: Bool = locked {
                    if finished { return true }
                    waiter = done
                    return false
                }
                if already { done.resume() }
            }
        } onCancel: {
            close()
        }
    }

    /// Serves until stopped, blocking the calling thread (a command line's main thread); `listening` gets the
    /// port once the socket listens. Throws when the socket cannot be bound.
    public func runBlocking(listening: @escaping @Sendable (Int) -> Void) throws {
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await run() } catch { outcome.error = error }
            done.signal()
        }
        Task {
            guard let bound = try? await listeningPort() else { return }
            listening(bound)
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    /// Waits until the socket is listening and returns its port.
    public func listeningPort(timeout: TimeInterval = 10) async throws -> Int {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            let (port, failure) = locked { (boundPort, self.failure) }
            if let failure { throw failure }
            if let port { return port }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ServeError.invalidAddress("not listening after \(timeout) s")
    }

    public func stop() async { close() }

    /// Stops accepting; connections being served finish on their own threads.
    public func close() {
        let fd: Int32 = locked {
            stopped = true
            return listener
        }
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Connections being served now.
    public var openConnections: Int { locked { open } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func listen() throws -> Int32 {
        let family: Int32
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServeError.socket("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32 = switch address {
        case var .v4(a): withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case var .v6(a): withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        guard bound == 0, Glibc.listen(fd, 512) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ServeError.socket("cannot listen on \(host):\(port): \(reason)")
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let actual = withUnsafePointer(to: &storage) { p -> Int in
            Int(UInt16(bigEndian: family == AF_INET ? p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
                                                     : p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }))
        }
        let alreadyStopped: Bool = locked {
            (listener, boundPort) = (fd, actual)
            return stopped
        }
        if alreadyStopped { shutdown(fd, Int32(SHUT_RDWR)) }
        return fd
    }

    private func acceptLoop(_ fd: Int32) {
        defer { Glibc.close(fd) }
        while true {
            let client = accept(fd, nil, nil)
            // Not inherited by a process the host program starts: a child holding a copy would keep the connection
            // open after the server closes it (Glibc does not export accept4 to Swift).
            if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
            if locked({ stopped }) {
                if client >= 0 { Glibc.close(client) }
                return
            }
            guard client >= 0 else {
                // Out of descriptors or memory, or a client that left before it was accepted: none of it is the
                // server's end. Wait a little for connections to close, then accept again.
                if errno != EINTR && errno != ECONNABORTED { usleep(20_000) }
                continue
            }
            let admitted: Bool = locked {
                guard open < limits.connections else { return false }
                open += 1
                return true
            }
            guard admitted else {
                send(client, Response(status: 503, body: Data("Too many connections; try again in a moment.\n".utf8),
                                      contentType: "text/plain; charset=utf-8", extra: ["Retry-After: 1"]).bytes(head: false),
                     until: monotonicSeconds() + 0.1)
                Glibc.close(client)
                continue
            }
            let thread = Thread { [self] in
                serve(client)
                Glibc.close(client)
                locked { open -= 1 }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func setTimeouts(_ fd: Int32, seconds: Double) {
        var t = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The head of one request, or the answer to give instead (nil: close without one).
    enum Head: Equatable {
        case request(method: String, target: String)
        case refuse(Int)
        case silent
    }

    /// Reads a request head from `fd` within the limits: the bytes are scanned once, as they come.
    func readHead(_ fd: Int32) -> Head {
        let end = monotonicSeconds() + limits.idleSeconds
        var buffer = [UInt8]()
        buffer.reserveCapacity(4096)
        var chunk = [UInt8](repeating: 0, count: 4096)
        var lineEnd: Int?
        var scanned = 0
        while true {
            let left = end - monotonicSeconds()
            if left <= 0 { return buffer.isEmpty ? .silent : .refuse(408) }
            setTimeouts(fd, seconds: max(left, 0.001))
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return buffer.isEmpty || n == 0 ? .silent : .refuse(408) }
            buffer.append(contentsOf: chunk[0..<n])
            // Scan only what is new (from three bytes back, for a terminator split across reads).
            var i = max(0, scanned - 3)
            var headEnd: Int?
            while i + 1 < buffer.count {
                if buffer[i] == 0x0D && buffer[i + 1] == 0x0A {
                    if lineEnd == nil { lineEnd = i }
                    if i + 3 < buffer.count && buffer[i + 2] == 0x0D && buffer[i + 3] == 0x0A { headEnd = i; break }
                }
                i += 1
            }
            scanned = buffer.count
            if (lineEnd ?? buffer.count) > limits.requestLine { return .refuse(414) }
            if let headEnd {
                if headEnd + 4 > limits.head { return .refuse(431) }
                let line = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
                guard line.count == 3, line[2].hasPrefix("HTTP/1.") else { return .refuse(400) }
                return .request(method: String(line[0]), target: String(line[1]))
            }
            if buffer.count > limits.head { return .refuse(431) }
        }
    }

    private func serve(_ fd: Int32) {
        let response: Response
        var head = false
        switch readHead(fd) {
        case .silent: return
        case let .refuse(status):
            response = Response(status: status, body: Data("\(Response.phrase(status))\n".utf8), contentType: "text/plain; charset=utf-8")
        case let .request(method, target):
            // The raw target's path, undecoded: an encoded `..` stays what it is and matches no route.
            let path = String(target.prefix { $0 != "?" && $0 != "#" })
            let reply = site.respond(method: method, path: path)
            head = method == "HEAD"
            response = Response(status: reply.status, body: reply.body, contentType: reply.contentType)
        }
        // The answer gets the idle timeout in all, however slowly the client reads it.
        send(fd, response.bytes(head: head), until: monotonicSeconds() + limits.idleSeconds)
        // Let a client that is still sending (a refused head) finish and read the answer, instead of a reset
        // that discards it: stop writing, then read and drop what comes, for at most a second.
        shutdown(fd, Int32(SHUT_WR))
        let end = monotonicSeconds() + 1
        var sink = [UInt8](repeating: 0, count: 65536)
        var drained = 0
        while drained < 8 << 20 {
            let left = end - monotonicSeconds()
            if left <= 0 { break }
            setTimeouts(fd, seconds: min(left, 0.2))
            let n = recv(fd, &sink, sink.count, 0)
            if n <= 0 { break }
            drained += n
        }
    }

    private func send(_ fd: Int32, _ bytes: [UInt8], until end: Double) {
        var sent = 0
        while sent < bytes.count {
            let left = end - monotonicSeconds()
            if left <= 0 { return }
            setTimeouts(fd, seconds: left)
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            sent += n
        }
    }
}

private func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// An answer on the wire.
struct Response {
    var status: Int
    var body: Data
    var contentType: String
    var extra: [String] = []

    func bytes(head: Bool) -> [UInt8] {
        let lines = ["HTTP/1.1 \(status) \(Self.phrase(status))", "Content-Type: \(contentType)", "Content-Length: \(body.count)",
                     "Cache-Control: no-store", "X-Content-Type-Options: nosniff",
                     "Content-Security-Policy: default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
                     "Connection: close"] + extra
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + (head ? [] : Array(body))
    }

    static func phrase(_ status: Int) -> String {
        [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 414: "URI Too Long",
         431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"][status] ?? "Status"
    }
}

public enum ServeError: Error, CustomStringConvertible {
    case invalidAddress(String)
    case socket(String)
    public var description: String {
        switch self {
        case let .invalidAddress(d): "serve: \(d)"
        case let .socket(d): "serve: \(d)"
        }
    }
}
