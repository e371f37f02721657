import Foundation

/// A raw TCP client for the live view's tests: it sends exactly the bytes given, as a hostile or broken client
/// would (URLSession normalises `..` away, retries and pools connections).
public enum SocketClient {
    /// A socket connected to 127.0.0.1:`port`, with `timeout` seconds for each send and receive.
    public static func connect(port: Int, timeout: Int = 20) throws -> Int32 {
        // Close-on-exec, so that a browser another test starts holds no copy that would keep it open.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        var t = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends `request` (stopping quietly where the server stops reading) and reads the answer to the end.
    public static func exchange(_ fd: Int32, _ request: [UInt8]) -> String {
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return readAll(fd)
    }

    /// Everything the server sends until it closes the connection (or the receive timeout passes).
    public static func readAll(_ fd: Int32) -> String {
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// `GET target` on a connection of its own, closed after the answer; empty when the server closes without one.
    public static func get(port: Int, target: String, timeout: Int = 60) throws -> String {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        return exchange(fd, Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
    }
}
