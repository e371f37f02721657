import ArgumentParser
import Foundation
import TakeoffData
import TakeoffLab

/// How to read a data set: the flags shared by every command that reads one.
struct ReadingOptions: ParsableArguments {
    @Option(help: "Examples to generate for synthetic sets.") var size: Int?
    @Option(help: "File format: csv, tsv, libsvm, text or idx (default: from the extension).") var format: String?
    @Option(help: "Label column of a CSV/TSV file, by name or 0-based index (default: the last).") var labelColumn: String?
    @Option(help: "Text column of a CSV file read with --format text (default: text).") var textColumn: String?
    @Option(help: "Comma-separated CSV/TSV columns to one-hot encode even if numeric.") var categorical: String?
    @Option(help: "Side in pixels that an image folder's pictures are centre-cropped and resampled to (default: the median shorter side, at most \(ImageFolder.largestDefaultSide)).")
    var imageSize: Int?

    /// The folder an image folder's decoded pixels are cached in when a command has no output folder of its own.
    static let defaultCacheFolder = "takeoff-out"

    /// Reads `name` (built-in, file, MNIST-layout directory or image folder); the seed fixes generated sets and
    /// non-official test splits; an image folder's pixels are cached in `cacheIn`.
    func load(_ name: String, seed: UInt64 = 0, cacheIn: String = defaultCacheFolder) throws -> TrainTestSplit {
        try DataCatalog.load(name, options: loadOptions(seed: seed, cacheIn: cacheIn))
    }

    /// The reading options these flags give, with `seed`, caching an image folder's pixels in `cacheIn`.
    func loadOptions(seed: UInt64 = 0, cacheIn: String = defaultCacheFolder) throws -> LoadOptions {
        var options = LoadOptions(size: size, seed: seed, labelColumn: labelColumn, textColumn: textColumn,
                                  categorical: Set(CommaList.items(categorical ?? "")),
                                  imageSize: imageSize, cacheDirectory: URL(fileURLWithPath: cacheIn))
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
    @Option(help: "A built-in data set (see `takeoff data list`), a file, an MNIST-layout directory or a folder of pictures (one subfolder per class).") var data: String
    @OptionGroup var reading: ReadingOptions

    func load(seed: UInt64 = 0, cacheIn: String = ReadingOptions.defaultCacheFolder) throws -> TrainTestSplit {
        try reading.load(data, seed: seed, cacheIn: cacheIn)
    }
}
