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

    @Test func aLabelFarAboveTheOthersIsRefusedNamingItsRecord() {
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
}
