import Foundation

/// One writing run per store: an exclusive `flock` on `STORE.lock` beside the store, held for the whole run
/// (cells, then reports). The lock file names its holder (process id, host, start time) for the run that
/// is turned away. The kernel drops the lock when its process ends, however it ends, so a store left by a
/// killed run is taken over by the next one with no cleanup; the stale file's text is simply overwritten.
public final class StoreLock {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock of the store at `storePath`, or throws ``CurveError/storeInUse(store:holder:)`` at once
    /// when another run holds it.
    public init(storePath: String) throws {
        path = storePath + ".lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let url = URL(fileURLWithPath: path)
            throw CurveError.unwritableOutput(path: url.deletingLastPathComponent().path,
                                              detail: "cannot create the store's lock file \(url.lastPathComponent): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.holder(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw CurveError.unwritableOutput(path: path, detail: "cannot lock it: \(String(cString: strerror(reason)))")
            }
            throw CurveError.storeInUse(store: storePath, holder: holder ?? "another process (it has not written its name yet)")
        }
        let started = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) on host \(ProcessInfo.processInfo.hostName), started \(started)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// What the holder wrote into the lock file, if anything.
    private static func holder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(descriptor, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    deinit {
        // The file stays: removing it would let a third run lock a new file while a second waits on the old one.
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
