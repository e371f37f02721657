import ArgumentParser
import TakeoffData
import TakeoffLab

/// How to read a data set: the flags shared by every command that reads one.
struct ReadingOptions: ParsableArguments {
    @Option(help: "Examples to generate for synthetic sets.") var size: Int?
    @Option(help: "File format: csv, tsv, libsvm, text or idx (default: from the extension).") var format: String?
    @Option(help: "Label column of a CSV/TSV file, by name or 0-based index (default: the last).") var labelColumn: String?
    @Option(help: "Text column of a CSV file read with --format text (default: text).") var textColumn: String?
    @Option(help: "Comma-separated CSV/TSV columns to one-hot encode even if numeric.") var categorical: String?

    /// Reads `name` (built-in, file or MNIST-layout directory); the seed fixes generated sets and
    /// non-official test splits.
    func load(_ name: String, seed: UInt64 = 0) throws -> TrainTestSplit {
        try DataCatalog.load(name, options: loadOptions(seed: seed))
    }

    /// The reading options these flags give, with `seed`.
    func loadOptions(seed: UInt64 = 0) throws -> LoadOptions {
        var options = LoadOptions(size: size, seed: seed, labelColumn: labelColumn, textColumn: textColumn,
                                  categorical: Set(CommaList.items(categorical ?? "")))
        if let format {
            guard let f = FileFormat(rawValue: format) else {
                throw ValidationError("--format must be one of \(FileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.format = f
        }
        return options
    }
}

/// `--data NAME` with its reading flags.
struct DataOptions: ParsableArguments {
    @Option(help: "A built-in data set (see `takeoff data list`), a file or an MNIST-layout directory.") var data: String
    @OptionGroup var reading: ReadingOptions

    func load(seed: UInt64 = 0) throws -> TrainTestSplit { try reading.load(data, seed: seed) }
}
