import Foundation
import Testing
import TakeoffData

/// A fresh temporary directory for one test's files.
func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-data-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `bytes` to `name` in `dir`.
@discardableResult
func write(_ bytes: [UInt8], _ name: String, in dir: URL) -> URL {
    let url = dir.appendingPathComponent(name)
    try! Data(bytes).write(to: url)
    return url
}

@discardableResult
func write(_ text: String, _ name: String, in dir: URL) -> URL { write(Array(text.utf8), name, in: dir) }

/// gzip-compresses with the system's gzip, so the reader is checked against an independent writer.
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    let dir = temporaryDirectory()
    let url = write(bytes, "x", in: dir)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/gzip")
    p.arguments = ["-n", "-f", url.path]
    try! p.run()
    p.waitUntilExit()
    return [UInt8](try! Data(contentsOf: dir.appendingPathComponent("x.gz")))
}

/// An IDX file of unsigned bytes.
func idx(_ dims: [Int], _ payload: [UInt8]) -> [UInt8] {
    var b: [UInt8] = [0, 0, 8, UInt8(dims.count)]
    for d in dims { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return b + payload
}

/// Expects `body` to throw a ``DataError`` whose message contains every string in `parts`.
func expectDataError(_ parts: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) {
    do {
        _ = try body()
        Issue.record("expected a DataError mentioning \(parts)", sourceLocation: sourceLocation)
    } catch let error as DataError {
        for p in parts {
            #expect(error.description.contains(p), "'\(error)' does not mention '\(p)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
}
