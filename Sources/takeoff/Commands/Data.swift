import ArgumentParser
import Foundation
import TakeoffData
import TakeoffLab
import TakeoffEngine

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "List the built-in data sets and inspect one.",
        subcommands: [List.self, Info.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The built-in data sets.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            let width = DataCatalog.entries.map(\.name.count).max() ?? 0
            for e in DataCatalog.entries {
                print(e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + e.summary)
            }
            print("""

                Any file works too: takeoff data info PATH [--format csv|tsv|libsvm|text|idx] (or an MNIST-layout directory),
                and any folder of PNG and JPEG pictures with one subfolder per class (or train/ and test/ laid out that way).
                TAKEOFF_FASHION_MNIST, TAKEOFF_SMS_SPAM and TAKEOFF_MOVIELENS_100K point the built-in sets at other copies.
                """)
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts per split and class, feature shape and a preview.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A built-in name (see `takeoff data list`), a file, an MNIST-layout directory or a folder of pictures.") var name: String
        @OptionGroup var reading: ReadingOptions
        @Option(help: "Seed for generated sets and non-official test splits.") var seed: UInt64 = 0
        @Option(help: "Images to preview as text.") var preview: Int = 3
        @Option(help: "Directory to save the previewed images as PGM files.") var pgm: String?
        @Option(help: "Folder for preview.png (a grid of each class's first images) and an image folder's pixel cache.")
        var out: String = "takeoff-out/data"

        func run() throws {
            try global.apply()
            if let pgm { try OutputFolder.prepare(pgm, option: "pgm") }
            let start = Date()
            let split = try reading.load(name, seed: seed, cacheIn: out)
            let seconds = Date().timeIntervalSince(start)
            let train = split.train, test = split.test
            let described = train.categorical.map { "\($0.fieldCount) categorical fields (\($0.names.joined(separator: ", ")))" } ?? "\(train.featureCount) features"
            print("\(name): \(train.classCount) classes, \(described)"
                  + (train.imageShape.map { " (image \($0.map(String.init).joined(separator: "×")))" } ?? "")
                  + String(format: ", read in %.2f s", seconds))
            print("train: \(grouped(train.count)) examples   test: \(grouped(test.count)) examples (\(split.officialTest ? "official" : train.categorical != nil ? "fixed" : "seeded stratified") test split)")
            print("fingerprints: train \(train.fingerprint), test \(test.fingerprint)")
            print("preprocessing (fitted on each training subset): \(split.preprocessing.rawValue)")
            for note in split.notes { print("note: \(note)") }
            let width = max(5, train.classNames.map(\.count).max() ?? 0)
            print("\n" + "class".padding(toLength: width, withPad: " ", startingAt: 0) + "      train       test")
            for (c, n) in train.classNames.enumerated() {
                print(n.padding(toLength: width, withPad: " ", startingAt: 0)
                      + leftPad(grouped(train.classCounts[c]), 11) + leftPad(grouped(test.classCounts[c]), 11))
            }
            if train.imageShape != nil {
                let url = try OutputFolder.prepare(out, option: "out").appendingPathComponent("preview.png")
                let perClass = 8
                let shown = train.classNames.indices.prefix(20).flatMap { c in
                    Array(train.labels.indices.lazy.filter { train.labels[$0] == c }.prefix(perClass))
                        + Array(repeating: -1, count: max(0, perClass - train.classCounts[c]))
                }
                try ImageEncoder.previewGrid(train, indices: shown, columns: perClass).write(to: url)
                print("\npreview: \(url.path) (the first \(perClass) training images of each class, a row per class"
                      + (train.classCount > 20 ? ", the first 20 classes)" : ")"))
            }
            if let shape = train.imageShape, shape.count == 3, preview > 0 {
                try showImages(train, shape: shape)
            } else if let fields = train.categorical, preview > 0 {
                print("\nfirst rows (label: field=value …; \(fields.values.map { grouped($0.count) }.joined(separator: ", ")) distinct values):")
                for i in 0..<min(preview, train.count) {
                    print("  \(train.classNames[train.labels[i]]): " + (0..<fields.fieldCount).map { "\(fields.names[$0])=\(fields.value(row: i, field: $0))" }.joined(separator: " "))
                }
            } else if preview > 0 {
                print("\nfirst rows (label: features\(train.featureCount > 8 ? ", first 8 of \(train.featureCount)" : "")):")
                for i in 0..<min(preview, train.count) {
                    let values = (0..<train.featureCount).map { train.features[i, $0] }
                    let shown = values.prefix(8).map { String(format: "%.3g", $0) }.joined(separator: " ")
                    let nonzero = train.featureCount > 8 ? "  (\(values.filter { $0 != 0 }.count) nonzero)" : ""
                    print("  \(train.classNames[train.labels[i]]): \(shown)\(nonzero)")
                }
            }
        }

        func showImages(_ data: Dataset, shape: [Int]) throws {
            let (h, w) = (shape[1], shape[2])
            let ramp = Array(" .:-=+*#%@")
            for i in 0..<min(preview, data.count) {
                print("\n#\(i): \(data.classNames[data.labels[i]])")
                let row = data.features.pointer + i * data.featureCount
                for y in 0..<h {
                    print(String((0..<w).map { x in ramp[min(ramp.count - 1, Int(row[y * w + x] * Float(ramp.count)))] }))
                }
                if let pgm {
                    let dir = URL(fileURLWithPath: pgm)
                    var bytes = Array("P5\n\(w) \(h)\n255\n".utf8)
                    bytes += (0..<h * w).map { UInt8(max(0, min(255, (row[$0] * 255).rounded()))) }
                    let url = dir.appendingPathComponent("\(i).pgm")
                    try Data(bytes).write(to: url)
                    print("saved \(url.path)")
                }
            }
        }
    }
}

/// 60000 → "60,000".
func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 && ch != "-" { out.append(",") }
        out.append(ch)
    }
    return out
}

func leftPad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }

/// `takeoff bench data`: the time to read all of Fashion-MNIST (gunzip + decode + scale).
struct BenchData: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "Seconds to read all of Fashion-MNIST (gunzip, decode, scale to [0, 1]).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Timed reads (after one warm-up read).") var repeats: Int = 5
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try global.apply()
        let r = try DataReadBench(repeats: repeats).run()
        if json {
            print(jsonString(r.json))
        } else {
            print(String(format: "fashion-mnist: %d images read in %.3f s (min of %d), median %.3f s, %d threads",
                         r.examples, r.fastest, repeats, r.median, r.threads))
        }
    }
}
