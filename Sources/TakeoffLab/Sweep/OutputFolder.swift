import Foundation

/// The folder a command writes its report into.
public enum OutputFolder {
    /// Creates the folder `path` (given by the setting `option`) if needed and proves a file can be written there.
    @discardableResult
    public static func prepare(_ path: String, option: String) throws -> URL {
        guard !path.isEmpty else { throw LabError.invalidOption(option: option, detail: "needs a folder path, got an empty one") }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CurveError.unwritableOutput(path: url.path, detail: "it is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            let probe = url.appendingPathComponent(".takeoff-write-check-\(getpid())")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw CurveError.unwritableOutput(path: url.path, detail: (error as NSError).localizedDescription)
        }
        return url
    }
}
