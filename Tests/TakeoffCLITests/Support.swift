import Foundation
import TakeoffLab

/// A fresh empty directory under the system's temporary folder.
func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-cli-\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Results with their wall-clock times left out, by cell.
func outcomes(_ results: [CellResult]) -> [CellKey: CellResult] {
    Dictionary(uniqueKeysWithValues: results.map { r in
        var r = r
        (r.fitSeconds, r.predictSeconds) = (nil, nil)
        return (r.key, r)
    })
}
