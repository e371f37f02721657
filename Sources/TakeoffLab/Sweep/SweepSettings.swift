/// The settings every kind of sweep request shares, checked one way before any data is read: a clear
/// error naming the option, nothing trained.
enum SweepSettings {
    static func check(seeds: Int, seedLimit: Int, maxCells: Int?, store: String?, target: Double?) throws {
        guard seeds >= 1, seeds <= seedLimit else { throw LabError.invalidOption(option: "seeds", detail: "must be in 1...\(seedLimit), got \(seeds)") }
        if let maxCells, maxCells < 0 { throw LabError.invalidOption(option: "max-cells", detail: "must be 0 (report only) or more, got \(maxCells)") }
        if store?.isEmpty == true { throw LabError.invalidOption(option: "store", detail: "needs a file path, got an empty one") }
        if let target, !(target > 0 && target < 1) {
            throw LabError.invalidOption(option: "target", detail: "must be an accuracy in (0, 1) or a percentage, got \(target)")
        }
    }
}
