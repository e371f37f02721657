import Foundation

/// Writes a report's files whole or not at all: into a temporary file beside the target, renamed over it
/// once every byte is written. A full disk or a lost folder leaves the previous file as it was and an error
/// naming the file and the system's reason (e.g. "No space left on device").
public enum ReportFile {
    public static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url) }

    /// `text` as one CSV field: quoted, with its quotes doubled, where it holds a comma, a quote or a newline.
    public static func csvField(_ text: String) -> String {
        text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    public static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
        func failure(_ what: String) -> CurveError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return .unwritableOutput(path: url.deletingLastPathComponent().path, detail: "\(what) \(url.lastPathComponent): \(reason)")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create") }
        var written = 0
        let ok = data.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 else {
            let saved = errno
            close(fd)
            errno = saved
            throw failure("could not write")
        }
        guard close(fd) == 0 else { throw failure("could not write") }
        guard rename(temporary, url.path) == 0 else { throw failure("could not replace") }
    }
}
