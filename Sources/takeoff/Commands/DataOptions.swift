import ArgumentParser
import TakeoffData

/// How to find and read a data set, shared by every command that takes `--data`.
struct DataOptions: ParsableArguments {
    @Option(help: "A built-in data set (see `takeoff data list`), a file or an MNIST-layout directory.") var data: String
    @Option(help: "Examples to generate for synthetic sets.") var size: Int?
    @Option(help: "File format: csv, tsv, libsvm, text or idx (default: from the extension).") var format: String?
    @Option(help: "Label column of a CSV/TSV file, by name or 0-based index (default: the last).") var labelColumn: String?
    @Option(help: "Text column of a CSV file read with --format text (default: text).") var textColumn: String?
    @Option(help: "Comma-separated CSV/TSV columns to one-hot encode even if numeric.") var categorical: String?

    /// Reads the data; the seed fixes generated sets and non-official test splits.
    func load(seed: UInt64 = 0) throws -> TrainTestSplit {
        var options = LoadOptions(size: size, seed: seed, labelColumn: labelColumn, textColumn: textColumn,
                                  categorical: Set((categorical ?? "").split(separator: ",").map(String.init)))
        if let format {
            guard let f = FileFormat(rawValue: format) else {
                throw ValidationError("--format must be one of \(FileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.format = f
        }
        return try DataCatalog.load(data, options: options)
    }
}
