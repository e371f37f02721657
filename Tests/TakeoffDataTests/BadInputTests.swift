import Foundation
import Testing
@testable import TakeoffData

/// Inputs a careless or hostile user may give: each ends in an error naming the file and what is wrong in it.
@Suite struct BadInputTests {
    /// An MNIST-layout folder: `train` and `t10k` images of `side`×`side` pixels with the given labels.
    func mnistFolder(trainSide: Int, testSide: Int, trainLabels: [UInt8], testLabels: [UInt8]) -> URL {
        let dir = temporaryDirectory()
        for (prefix, side, labels) in [("train", trainSide, trainLabels), ("t10k", testSide, testLabels)] {
            write(idx([labels.count, side, side], [UInt8](repeating: 7, count: labels.count * side * side)), "\(prefix)-images-idx3-ubyte", in: dir)
            write(idx([labels.count], labels), "\(prefix)-labels-idx1-ubyte", in: dir)
        }
        return dir
    }

    @Test func trainAndTestImagesOfDifferentSizesAreRefusedNamingBoth() {
        let dir = mnistFolder(trainSide: 4, testSide: 5, trainLabels: (0..<100).map { UInt8($0 % 2) }, testLabels: (0..<40).map { UInt8($0 % 2) })
        expectDataError("t10k-images-idx3-ubyte holds 5×5 images", "train-images-idx3-ubyte holds 4×4", "same size") {
            try DataCatalog.load(dir.path)
        }
    }

    @Test func aLabelFarAboveTheOthersIsRefusedNamingItsRecord() throws {
        var train = (0..<100).map { UInt8($0 % 2) }
        train[37] = 200
        let dir = mnistFolder(trainSide: 3, testSide: 3, trainLabels: train, testLabels: (0..<40).map { UInt8($0 % 2) })
        expectDataError("train-labels-idx1-ubyte, line 38", "record 38 has label 200", "no record has label 2") {
            try DataCatalog.load(dir.path)
        }
        // Every class from 0 up present: read as before.
        let fine = mnistFolder(trainSide: 3, testSide: 3, trainLabels: (0..<99).map { UInt8($0 % 3) }, testLabels: (0..<30).map { UInt8($0 % 3) })
        #expect(try DataCatalog.load(fine.path).train.classCount == 3)
    }

    @Test func aNamedPipeIsRefusedAsNotARegularFile() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("data.csv").path
        #expect(mkfifo(path, 0o644) == 0)
        // Opening a FIFO for reading would block until a writer came: the check must come first.
        expectDataError(path, "named pipe (FIFO)", "not a regular file") { try DataCatalog.load(path) }
    }

    @Test func fractionalNumericLabelsAreRefusedAsARegressionTarget() throws {
        let dir = temporaryDirectory()
        let rows = (0..<50).map { "\($0 % 7),\(Double($0) * 0.37)" }
        let path = write("x,y\n" + rows.joined(separator: "\n") + "\n", "r.csv", in: dir).path
        expectDataError(path, "line 3", "label '0.37' is not a whole number", "regression") { try DataCatalog.load(path) }
        // Whole numbers written with a decimal point are classes as before.
        let whole = write("x,y\n" + (0..<50).map { "\($0),\($0 % 2).0" }.joined(separator: "\n") + "\n", "w.csv", in: dir).path
        #expect(try DataCatalog.load(whole).train.classCount == 2)
    }

    @Test func aNULByteInACSVIsRefusedNamingItsLine() {
        let dir = temporaryDirectory()
        var bytes = Array("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n".utf8)
        bytes[bytes.count - 6] = 0   // in the last line's first field
        let path = write(bytes, "nul.csv", in: dir).path
        expectDataError(path, "line 5", "NUL byte") { try DataCatalog.load(path) }
    }

    @Test func aCategoricalColumnThatIsNotThereIsRefused() {
        let dir = temporaryDirectory()
        let path = write("a,b,label\n" + (0..<20).map { "\($0),\($0 * 2),\($0 % 2)" }.joined(separator: "\n") + "\n", "c.csv", in: dir).path
        expectDataError(path, "--categorical names 'nope'", "columns: a, b, label") {
            try DataCatalog.load(path, options: LoadOptions(categorical: ["nope"]))
        }
    }

    @Test func textWhoseMessagesAreAllEmptyIsRefused() {
        let dir = temporaryDirectory()
        let path = write((0..<20).map { "\($0 % 2 == 0 ? "ham" : "spam")\t" }.joined(separator: "\n") + "\n", "empty.txt", in: dir).path
        expectDataError(path, "none of its 20 messages has a word") { try DataCatalog.load(path, options: LoadOptions(format: .text)) }
    }

    @Test func aLargeCSVIsRefusedWhileItIsReadNamingTheLimit() throws {
        // 100,000 rows of 20 one-digit numbers: 4 MB of text, 8 MB of values and as much again of matrix.
        let row0 = Array(repeating: "1", count: 20).joined(separator: ",")
        let text = "h" + (1..<20).map { ",c\($0)" }.joined() + ",label\n" + (0..<100_000).map { row0 + ",\($0 % 2)" }.joined(separator: "\n") + "\n"
        let url = write(gzip(Array(text.utf8)), "big.csv.gz", in: temporaryDirectory())
        expectDataError(url.path, "65536 rows", "about", "to read", "1.0 MiB allowed") { try CSVReader(maxBytes: 1 << 20).read(url) }
        // The estimate counts the matrix three times and the text and values while parsing.
        #expect(DenseMemory.estimate(rows: 100_000, columns: 20, parsing: 4_000_000 + 8_000_000) == 3 * 8_000_000)
    }

    @Test func oneHugeLIBSVMFeatureIndexIsRefusedBeforeTheMatrixIsAllocated() {
        let lines = (0..<100).map { "\($0 % 2) 1:1 2:\($0)" } + ["1 2000000000:1"]
        let url = write(lines.joined(separator: "\n") + "\n", "wide.libsvm", in: temporaryDirectory())
        expectDataError(url.path, "101 rows", "2000000000 features", "allowed (half the memory)") { try LIBSVMReader().read(url) }
    }
}
