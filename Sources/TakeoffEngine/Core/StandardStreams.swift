#if canImport(Glibc)
import Glibc
#endif

/// Writes to the process's standard error and output that never stop the program: a closed stream, a full disk or
/// a reader that went away loses the text, not the run (Foundation's `FileHandle.write` traps on those).
public enum StandardStreams {
    /// Writes `text` to standard error.
    public static func error(_ text: String) { write(text, to: 2) }

    /// Writes `text` to standard output (unbuffered, beside `print`'s buffer: for a line another process waits for).
    public static func output(_ text: String) { write(text, to: 1) }

    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + sent, $0.count - sent) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            sent += n
        }
    }
}
