import Foundation
import TakeoffData
import TakeoffLab

/// A fresh empty directory under the system's temporary folder.
func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-lab-\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A learner from the registry; networks get `epochs` so the tests stay fast.
func learner(_ name: String, epochs: Int = 25, C: Double? = nil) throws -> any Learner {
    var o = LearnerOptions()
    if name.hasPrefix("mlp") { o.epochs = epochs } else { o.C = C }
    return try LearnerRegistry.learner(named: name, options: o)
}

/// The xor catalog set: 1,600 training examples, 400 test.
func xorSplit(size: Int = 2_000) throws -> TrainTestSplit {
    try DataCatalog.load("xor", options: LoadOptions(size: size, seed: 0))
}

/// Results of a run with their wall-clock times left out, by cell.
func outcomes(_ results: [CellResult]) -> [CellKey: CellResult] {
    Dictionary(uniqueKeysWithValues: results.map { r in
        var r = r
        (r.fitSeconds, r.predictSeconds) = (nil, nil)
        return (r.key, r)
    })
}
