import Foundation

/// A built-in data set: where it comes from and how it is read.
public struct CatalogEntry: Sendable {
    /// The name used on the command line, e.g. `fashion-mnist`.
    public let name: String
    /// One line describing it.
    public let summary: String
    /// Reads or generates the train pool and test set.
    public let load: @Sendable (LoadOptions) throws -> TrainTestSplit
}

/// Knobs for loading: generated sets use `size` and `seed`; files use `format` and `labelColumn`.
public struct LoadOptions: Sendable {
    /// Examples to generate (train pool + test) for synthetic sets; nil means the set's default.
    public var size: Int?
    /// Seed for generated data and for a non-official test split.
    public var seed: UInt64
    /// The file format; nil detects it from the extension.
    public var format: FileFormat?
    /// The label column of a CSV/TSV file, by name or 0-based index; nil means the last column.
    public var labelColumn: String?
    /// The fraction held out as the test set when the data has no official one.
    public var testFraction: Double

    public init(size: Int? = nil, seed: UInt64 = 0, format: FileFormat? = nil, labelColumn: String? = nil, testFraction: Double = 0.2) {
        self.size = size
        self.seed = seed
        self.format = format
        self.labelColumn = labelColumn
        self.testFraction = testFraction
    }
}

/// The file formats Takeoff reads.
public enum FileFormat: String, Sendable, CaseIterable {
    case csv, tsv, libsvm, text, idx
}

/// The built-in data sets, and files by path.
public enum DataCatalog {
    /// Fashion-MNIST's class names, in label order.
    public static let fashionMNISTClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Where Debian's `dataset-fashion-mnist` puts the files; `TAKEOFF_FASHION_MNIST` overrides it.
    public static var fashionMNISTDirectory: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["TAKEOFF_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist")
    }

    /// Fashion-MNIST's official train and test sets from `directory`, pixels scaled to [0, 1].
    public static func fashionMNIST(directory: URL = fashionMNISTDirectory) throws -> TrainTestSplit {
        guard IDXReader.locate("train-images-idx3-ubyte", in: directory) != nil else {
            throw DataError.notInstalled(dataset: "fashion-mnist",
                                         install: "no files in \(directory.path); install them with `sudo apt-get install dataset-fashion-mnist` (or set TAKEOFF_FASHION_MNIST to a directory in the MNIST layout)")
        }
        return try IDXReader.mnistLayout(directory, name: "fashion-mnist", classNames: fashionMNISTClasses)
    }

    /// Every built-in entry.
    public static let entries: [CatalogEntry] = [
        CatalogEntry(name: "fashion-mnist",
                     summary: "Zalando's 28×28 grey clothing images, 10 classes, 60,000 train + 10,000 official test (Debian dataset-fashion-mnist)") { _ in
            try fashionMNIST()
        },
    ]

    /// The entry called `name`, if any.
    public static func entry(_ name: String) -> CatalogEntry? { entries.first { $0.name == name } }

    /// A built-in data set by name, or a file or MNIST-layout directory by path.
    public static func load(_ nameOrPath: String, options: LoadOptions = LoadOptions()) throws -> TrainTestSplit {
        if let e = entry(nameOrPath) { return try e.load(options) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) else {
            throw DataError.unknownDataset(name: nameOrPath, known: entries.map(\.name))
        }
        let url = URL(fileURLWithPath: nameOrPath)
        if isDirectory.boolValue {
            return try IDXReader.mnistLayout(url, name: url.lastPathComponent)
        }
        throw DataError.unknownFormat(file: nameOrPath)
    }
}
