import Dispatch
import Foundation
import TakeoffEngine

/// A folder of PNG and JPEG pictures as a data set: one subfolder per class (the class is the folder's name,
/// classes in sorted order), or `train/` and `test/` each laid out that way for an official test set.
///
/// Files whose names do not end in `.png`, `.jpg` or `.jpeg` (a README, `.DS_Store`), hidden files,
/// broken links and links that loop back to a folder already read are skipped with a warning, as are class
/// folders with no images. A file named as an image that cannot be decoded, or whose header declares more
/// than ``ImageDecoder/maxSide`` pixels a side, stops the read with an error naming it: it was meant to be
/// data, and leaving it out would change the data set silently.
///
/// Every image is centre-cropped to a square and resampled to one side (``ImageResize``); there is one
/// channel when every image is grey, else three (grey replicated). Pixels are scaled to [0, 1] as IDX
/// pixels are. Examples are ordered by file name, then class, so a folder written with zero-padded
/// indices keeps its original order.
public enum ImageFolder {
    /// The file extensions read as images (lowercased).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// The largest side chosen when none is given.
    public static let largestDefaultSide = 64

    /// Which part of the data an image belongs to.
    public enum Part: Sendable, Equatable { case train, test, pool }

    /// One image file.
    public struct Entry: Sendable, Equatable {
        /// The path below the folder, e.g. `train/cat/001.png`.
        public var relativePath: String
        /// The index of its class in ``Listing/classNames``.
        public var label: Int
        /// Whether it is under `train/`, `test/`, or in a folder without them (the pool a test set is drawn from).
        public var part: Part
        /// The file's size and modification time (nanoseconds since 1970), which key the cache.
        public var bytes: Int
        public var modified: Int64
    }

    /// What a folder holds, before any image is decoded.
    public struct Listing: Sendable {
        /// The folder.
        public var root: URL
        /// The class folders' names, sorted; labels index them.
        public var classNames: [String]
        /// The images, ordered by file name, then class.
        public var entries: [Entry]
        /// Whether the folder has `train/` and `test/`.
        public var officialTest: Bool
        /// What was skipped and why, one line per reason.
        public var warnings: [String]
    }

    /// A folder's images decoded to one size.
    public struct Images: Sendable {
        /// What was read.
        public var listing: Listing
        /// The pixels, in the listing's order.
        public var content: DecodedImages
        /// Whether the side was chosen from the data (no size was asked for).
        public var sideChosen: Bool
        /// How many images were decoded in this read: 0 when the cache served them.
        public var decodedNow: Int
    }

    /// Whether `directory` is read as an image folder: it holds no IDX files (`…-idx3-ubyte`, the MNIST layout).
    public static func isImageFolder(_ directory: URL) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return false }
        return !names.contains { $0.contains("-idx") && $0.contains("-ubyte") }
    }

    // MARK: Listing

    /// The classes and image files of the folder at `root`; throws when it has no usable layout.
    public static func list(_ root: URL) throws -> Listing {
        var warnings = Warnings(), layoutOnly = Warnings()  // the top level is listed again with its class folders
        let top = try subfolders(of: root, relative: "", warnings: &layoutOnly)
        let names = Set(top.map(\.name))
        if names.contains("train") || names.contains("test") {
            guard names.contains("train"), names.contains("test") else {
                throw DataError.badImageFolder(folder: root.path, detail: "has \(names.contains("train") ? "train/" : "test/") but not "
                                               + "\(names.contains("train") ? "test/" : "train/"); give both (each with one folder per class) or only class folders")
            }
            let parts = try classFolders(root, under: ["train", "test"], warnings: &warnings)
            let (train, test) = (parts[0], parts[1])
            let classNames = train.keys.sorted()
            if let unknown = test.keys.sorted().first(where: { train[$0] == nil }) {
                throw DataError.badImageFolder(folder: root.appendingPathComponent("test/\(unknown)").path,
                                               detail: "class '\(unknown)' has test images but no training images in train/\(unknown)")
            }
            let entries = ordered(classNames.enumerated().flatMap { label, name in
                train[name]!.map { Entry(relativePath: $0.path, label: label, part: .train, bytes: $0.bytes, modified: $0.modified) }
                    + (test[name] ?? []).map { Entry(relativePath: $0.path, label: label, part: .test, bytes: $0.bytes, modified: $0.modified) }
            })
            for other in names.subtracting(["train", "test"]).sorted() { warnings.add("folders beside train/ and test/", other + "/") }
            for reason in layoutOnly.reasons { for path in layoutOnly.found[reason]! { warnings.add(reason, path) } }
            try requireTwoClasses(classNames, root: root)
            return Listing(root: root, classNames: classNames, entries: entries, officialTest: true, warnings: warnings.lines)
        }
        let byClass = try classFolders(root, under: [""], warnings: &warnings)[0]
        let classNames = byClass.keys.sorted()
        try requireTwoClasses(classNames, root: root, loose: warnings.found["files outside class folders"]?.count ?? 0)
        let entries = ordered(classNames.enumerated().flatMap { label, name in
            byClass[name]!.map { Entry(relativePath: $0.path, label: label, part: .pool, bytes: $0.bytes, modified: $0.modified) }
        })
        return Listing(root: root, classNames: classNames, entries: entries, officialTest: false, warnings: warnings.lines)
    }

    /// Throws unless there are two classes or more; `loose` counts the files found outside class folders.
    static func requireTwoClasses(_ classNames: [String], root: URL, loose: Int = 0) throws {
        if classNames.isEmpty {
            throw DataError.badImageFolder(folder: root.path, detail: "no class folder holds a PNG or JPEG image"
                                           + (loose > 0 ? " (\(loose) files lie in the folder itself, outside any class folder)" : "")
                                           + "; lay it out as one folder per class (DIR/cat/1.png, DIR/dog/2.jpg), or train/ and test/ each laid out that way")
        }
        if classNames.count == 1 { throw DataError.singleClass(file: root.path, label: classNames[0]) }
    }

    /// Entries by file name, then class, then path: independent of how the file system lists them.
    static func ordered(_ entries: [Entry]) -> [Entry] {
        // Names as bytes, taken once: comparing strings (and splitting paths) per comparison dominated listing 70,000 files.
        let keys = entries.map { e in (name: Array(e.relativePath.utf8.split(separator: UInt8(ascii: "/")).last ?? []), path: Array(e.relativePath.utf8)) }
        let order = entries.indices.sorted { i, j in
            if keys[i].name != keys[j].name { return keys[i].name.lexicographicallyPrecedes(keys[j].name) }
            if entries[i].label != entries[j].label { return entries[i].label < entries[j].label }
            return keys[i].path.lexicographicallyPrecedes(keys[j].path)
        }
        return order.map { entries[$0] }
    }

    /// The path of `relative` below the folder at `root` (string joining: URL operations cost more than the stat for each file).
    static func path(_ root: String, _ relative: String) -> String { relative.isEmpty ? root : root + "/" + relative }

    /// A file found under a class folder.
    struct Found { var path: String; var bytes: Int; var modified: Int64 }

    /// The class folders below each of `under` (relative to `root`) with their images; classes without images are left
    /// out. Every folder is read once, however many links lead to it: a link into another class's folder (or from
    /// train/ into test/) would otherwise give the same picture two labels, or put it on both sides of the split.
    static func classFolders(_ root: URL, under: [String], warnings: inout Warnings) throws -> [[String: [Found]]] {
        let folders = try under.map { try subfolders(of: root, relative: $0, warnings: &warnings) }
        var visited = Set(folders.joined().map(\.identity))
        for relative in [""] + under { if case let .directory(id) = status(path(root.path, relative)) { visited.insert(id) } }
        var classIdentities: Set<FileIdentity> = []
        return try folders.map { classFolders in
            var classes: [String: [Found]] = [:]
            for folder in classFolders {
                guard classIdentities.insert(folder.identity).inserted else { warnings.add("class folders that are links to another one", folder.relative); continue }
                var images: [Found] = []
                try walk(root, relative: folder.relative, visited: &visited, into: &images, warnings: &warnings)
                if images.isEmpty { warnings.add("class folders with no images (not classes)", folder.relative + "/") } else { classes[folder.name] = images }
            }
            return classes
        }
    }

    /// The subfolders of `relative` under `root`; files there are skipped with a warning.
    static func subfolders(of root: URL, relative: String, warnings: inout Warnings) throws -> [(name: String, relative: String, identity: FileIdentity)] {
        let base = root.path, folder = path(base, relative)
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw DataError.unreadable(file: folder, reason: "cannot list the folder")
        }
        var folders: [(String, String, FileIdentity)] = []
        for name in names.sorted() {
            let child = relative.isEmpty ? name : relative + "/" + name
            if name.hasPrefix(".") { warnings.add("hidden files", child); continue }
            switch status(path(base, child)) {
            case let .directory(id): folders.append((name, child, id))
            case .file: warnings.add("files outside class folders", child)
            case let .unusable(why): warnings.add(why, child)
            }
        }
        return folders
    }

    /// Adds the images below `relative` (recursively, following links once) to `images`.
    static func walk(_ root: URL, relative: String, visited: inout Set<FileIdentity>, into images: inout [Found], warnings: inout Warnings) throws {
        let base = root.path, folder = path(base, relative)
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw DataError.unreadable(file: folder, reason: "cannot list the folder")
        }
        for name in names.sorted() {
            let child = relative + "/" + name
            if name.hasPrefix(".") { warnings.add("hidden files", child); continue }
            switch status(path(base, child)) {
            case let .directory(id):
                guard visited.insert(id).inserted else { warnings.add("links looping back to a folder already read", child); continue }
                try walk(root, relative: child, visited: &visited, into: &images, warnings: &warnings)
            case let .file(bytes, modified):
                guard extensions.contains((name as NSString).pathExtension.lowercased()) else {
                    warnings.add("files not named .png, .jpg or .jpeg", child)
                    continue
                }
                images.append(Found(path: child, bytes: bytes, modified: modified))
            case let .unusable(why): warnings.add(why, child)
            }
        }
    }

    /// A directory's device and inode, to notice a link back to a folder already read.
    struct FileIdentity: Hashable { var device: UInt64; var inode: UInt64 }

    enum Status { case directory(FileIdentity), file(bytes: Int, modified: Int64), unusable(String) }

    /// What `path` is, links followed.
    static func status(_ path: String) -> Status {
        var s = stat()
        guard stat(path, &s) == 0 else {
            return .unusable(errno == ELOOP ? "links that loop" : errno == ENOENT ? "broken links" : "entries that cannot be examined (\(String(cString: strerror(errno))))")
        }
        switch s.st_mode & S_IFMT {
        case S_IFDIR: return .directory(FileIdentity(device: UInt64(s.st_dev), inode: UInt64(s.st_ino)))
        case S_IFREG: return .file(bytes: Int(s.st_size), modified: Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec))
        default: return .unusable("entries that are neither files nor folders")
        }
    }

    /// Skipped entries grouped by reason, a few named per reason.
    struct Warnings {
        var reasons: [String] = []
        var found: [String: [String]] = [:]
        mutating func add(_ reason: String, _ path: String) {
            if found[reason] == nil { reasons.append(reason) }
            found[reason, default: []].append(path)
        }
        var lines: [String] {
            reasons.map { r in
                let paths = found[r]!
                return "skipped \(paths.count) \(r): " + paths.prefix(3).joined(separator: ", ") + (paths.count > 3 ? ", …" : "")
            }
        }
    }

    // MARK: Decoding

    /// The side chosen when none is given: the median of the images' shorter sides, at most ``largestDefaultSide``.
    public static func defaultSide(_ sizes: [(width: Int, height: Int)]) -> Int {
        let sides = sizes.map { min($0.width, $0.height) }.sorted()
        guard !sides.isEmpty else { return 1 }
        return min(largestDefaultSide, sides[sides.count / 2])
    }

    /// The folder's images decoded, centre-cropped and resampled to `side` (nil: ``defaultSide(_:)``).
    /// With `cacheDirectory` the pixels are kept in an ``ImageCache`` file there and read back on the next
    /// call with the same files, decoding nothing. Decodes in parallel over the process's threads.
    public static func read(_ root: URL, side requested: Int?, cacheDirectory: URL?) throws -> Images {
        if let requested, !(1...ImageDecoder.maxSide).contains(requested) {
            throw DataError.invalidParameter(name: "--image-size", detail: "must be in 1...\(ImageDecoder.maxSide), got \(requested)")
        }
        let listing = try list(root)
        let n = listing.entries.count
        let key = ImageCache.key(listing.entries, requestedSide: requested)
        let cacheFile = cacheDirectory.map { ImageCache.file(in: $0, root: root, requestedSide: requested) }
        if let cacheFile, let cached = ImageCache.read(cacheFile, key: key, count: n) {
            return Images(listing: listing, content: cached, sideChosen: requested == nil, decodedNow: 0)
        }
        let base = root.path
        let files = listing.entries.map { path(base, $0.relativePath) }
        let headers = try parallelMap(n) { i in try ImageDecoder.header(of: readFile(files[i]), file: files[i]) }
        let sizes = headers.map { (width: $0.width, height: $0.height) }
        let side = requested ?? defaultSide(sizes)
        let channels = headers.allSatisfy(\.isGrey) ? 1 : 3
        try DenseMemory.check(file: root.path, rows: n, columns: channels * side * side, parsing: n * channels * side * side, limit: MemoryLimit.bytes)
        let stride = channels * side * side
        var pixels = [UInt8](repeating: 0, count: n * stride)
        try pixels.withUnsafeMutableBufferPointer { out in
            let box = UncheckedSendable(out)
            _ = try parallelMap(n) { i in
                let decoded = try ImageDecoder.decode(readFile(files[i]), header: headers[i], channels: channels, file: files[i])
                let square = ImageResize.centreSquare(decoded, width: headers[i].width, height: headers[i].height, channels: channels, side: side)
                _ = UnsafeMutableBufferPointer(rebasing: box.value[i * stride..<(i + 1) * stride]).update(fromContentsOf: square)
            }
        }
        let images = DecodedImages(channels: channels, side: side, sizes: sizes, pixels: pixels)
        if let cacheFile {
            try? FileManager.default.createDirectory(at: cacheFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? ImageCache.write(images, to: cacheFile, key: key)  // a cache that cannot be written only costs the next run a decode
        }
        return Images(listing: listing, content: images, sideChosen: requested == nil, decodedNow: n)
    }

    /// The bytes of the file at `path`; throws ``DataError/unreadable(file:reason:)`` with the system's reason.
    static func readFile(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DataError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var s = stat()
        guard fstat(fd, &s) == 0 else { throw DataError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        var data = Data(count: Int(s.st_size))
        let got = data.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < raw.count {
                let r = Foundation.read(fd, raw.baseAddress! + done, raw.count - done)
                if r < 0 { return -1 }
                if r == 0 { break }
                done += r
            }
            return done
        }
        guard got >= 0 else { throw DataError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        if got < data.count { data.count = got }
        return data
    }

    /// `body(0..<n)` over the process's threads in small chunks (images differ in cost); the error of the
    /// first failing index is thrown, so the same bad folder always gives the same message.
    static func parallelMap<T: Sendable>(_ n: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let results = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: n)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let box = UncheckedSendable(results)
        let chunks = min(n, Parallel.threadCount * 16)
        if chunks > 0 {
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in n * c / chunks..<n * (c + 1) / chunks { box.value[i] = Result { try body(i) } }
            }
        }
        return try results.map { try $0!.get() }
    }

    // MARK: As a data set

    /// The folder at `root` as a training pool and a test set: `train/` and `test/` when it has them, else a
    /// stratified test split of `options.testFraction` seeded by `options.seed`. Reads at `options.imageSize`
    /// and caches in `options.cacheDirectory` (see ``read(_:side:cacheDirectory:)``).
    public static func load(_ root: URL, options: LoadOptions) throws -> TrainTestSplit {
        let images = try read(root, side: options.imageSize, cacheDirectory: options.cacheDirectory)
        return try split(images, options: options)
    }

    /// `images` as a data set: pixels scaled to [0, 1], shaped [channels, side, side].
    public static func dataset(_ images: Images, part: Part? = nil, name: String) -> Dataset {
        let p = images.content, stride = p.channels * p.side * p.side
        let rows = images.listing.entries.indices.filter { part == nil || images.listing.entries[$0].part == part }
        let x = Tensor(uninitializedShape: [rows.count, stride])
        let out = x.pointer
        p.pixels.withUnsafeBufferPointer { src in
            let plane = p.side * p.side
            Parallel.ranges(rows.count, cost: stride) { lo, hi in
                for r in lo..<hi {
                    let from = rows[r] * stride, to = r * stride
                    // Interleaved bytes to channel planes, scaled as IDX pixels are.
                    for j in 0..<plane { for c in 0..<p.channels { out[to + c * plane + j] = Float(src[from + j * p.channels + c]) * (1 / 255) } }
                }
            }
        }
        return Dataset(name: name, features: x, labels: rows.map { images.listing.entries[$0].label },
                       classNames: images.listing.classNames, imageShape: [p.channels, p.side, p.side])
    }

    /// What a user should know about how the folder was read: the size and why, channels, skipped files.
    public static func notes(_ images: Images) -> [String] {
        let p = images.content
        var counts: [String: Int] = [:]
        for s in p.sizes { counts["\(s.width)×\(s.height)", default: 0] += 1 }
        let common = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let seen = common.prefix(4).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            + (common.count > 4 ? ", … (\(common.count) sizes)" : "")
        return ["images \(p.side)×\(p.side), \(p.channels == 1 ? "grey (every image is grey)" : "RGB")"
                + (images.sideChosen ? " (the median shorter side, at most \(largestDefaultSide); --image-size sets it)" : "")
                + "; centre-cropped to squares and resampled; sizes seen: \(seen)"]
            + images.listing.warnings
    }

    static func split(_ images: Images, options: LoadOptions) throws -> TrainTestSplit {
        let name = images.listing.root.lastPathComponent
        let notes = notes(images)
        if images.listing.officialTest {
            return TrainTestSplit(train: dataset(images, part: .train, name: name + "/train"), test: dataset(images, part: .test, name: name + "/test"),
                                  officialTest: true, notes: notes)
        }
        return try DataCatalog.heldOut(dataset(images, name: name), options, preprocessing: .none, notes: notes, source: images.listing.root.path)
    }
}
