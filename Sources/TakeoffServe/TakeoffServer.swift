import FlyingFox
import FlyingSocks
import Foundation

/// ``ServeSite`` on a socket, through FlyingFox (an HTTP/1.1 server on Swift concurrency and plain sockets,
/// chosen over the SwiftNIO-based Hummingbird for its build cost: see BENCHMARKS.md).
public final class TakeoffServer: Sendable {
    public let site: ServeSite
    public let host: String
    public let port: Int
    let server: HTTPServer

    /// A server for `site` on `host` (an IPv4 or IPv6 address, or `localhost`) and `port` (0: any free port).
    public init(site: ServeSite, host: String = "127.0.0.1", port: Int = 8080) throws {
        guard (0...65535).contains(port) else { throw ServeError.invalidAddress("port must be 0…65535, got \(port)") }
        self.site = site
        self.host = host
        self.port = port
        let address: any SocketAddress
        do {
            let ip = host == "localhost" ? "127.0.0.1" : host
            address = ip.contains(":") ? try sockaddr_in6.inet6(ip6: ip, port: UInt16(port)) : try sockaddr_in.inet(ip4: ip, port: UInt16(port))
        } catch {
            throw ServeError.invalidAddress("'\(host)' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)")
        }
        server = HTTPServer(config: .init(address: address, timeout: 30, logger: .disabled), handler: SiteHandler(site: site))
    }

    /// Whether `host` is reachable only from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Serves until the task is cancelled or the socket fails.
    public func run() async throws {
        try await server.run()
    }

    /// Waits until the socket is listening and returns its port.
    public func listeningPort(timeout: TimeInterval = 10) async throws -> Int {
        try await server.waitUntilListening(timeout: timeout)
        switch await server.listeningAddress {
        case let .ip4(_, port)?, let .ip6(_, port)?: return Int(port)
        default: return port
        }
    }

    public func stop() async { await server.stop() }
}

public enum ServeError: Error, CustomStringConvertible {
    case invalidAddress(String)
    public var description: String {
        switch self {
        case let .invalidAddress(d): "serve: \(d)"
        }
    }
}

struct SiteHandler: HTTPHandler {
    let site: ServeSite

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        // The raw target, not FlyingFox's decoded and standardised `path`: an encoded `..` stays what it is and
        // matches no route. Reading the store happens off the server's own tasks.
        let path = request.target.path(percentEncoded: true)
        let method = request.method.rawValue
        let site = self.site
        let reply = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: site.respond(method: method, path: path)) }
        }
        var headers: HTTPHeaders = [
            .contentType: reply.contentType,
            HTTPHeader("Cache-Control"): "no-store",
            HTTPHeader("X-Content-Type-Options"): "nosniff",
            HTTPHeader("Content-Security-Policy"): "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        ]
        if method == "HEAD" { headers[.contentLength] = String(reply.body.count) }
        return HTTPResponse(statusCode: HTTPStatusCode(reply.status, phrase: Self.phrase(reply.status)), headers: headers,
                            body: method == "HEAD" ? Data() : reply.body)
    }

    static func phrase(_ status: Int) -> String {
        [200: "OK", 404: "Not Found", 405: "Method Not Allowed", 414: "URI Too Long", 500: "Internal Server Error"][status] ?? "Status"
    }
}
