import Foundation
import Testing
@testable import TakeoffData

@Suite struct CatalogTests {
    static let fashionInstalled = IDXReader.locate("train-images-idx3-ubyte", in: DataCatalog.fashionMNISTDirectory) != nil

    @Test(.enabled(if: fashionInstalled, "dataset-fashion-mnist is not installed"))
    func fashionMNISTCounts() throws {
        let s = try DataCatalog.load("fashion-mnist")
        #expect(s.officialTest)
        #expect(s.train.count == 60_000 && s.test.count == 10_000)
        #expect(s.train.classCounts == [Int](repeating: 6_000, count: 10))
        #expect(s.test.classCounts == [Int](repeating: 1_000, count: 10))
        #expect(s.train.imageShape == [1, 28, 28] && s.train.classNames[9] == "Ankle boot")
        let (lo, hi) = s.test.features.scalars.reduce((Float.infinity, -Float.infinity)) { (min($0.0, $1), max($0.1, $1)) }
        #expect(lo == 0 && hi == 1)
    }

    @Test func missingFashionMNISTSaysHowToInstall() {
        expectDataError("/nonexistent-takeoff-dir", "apt-get install dataset-fashion-mnist") {
            try DataCatalog.fashionMNIST(directory: URL(fileURLWithPath: "/nonexistent-takeoff-dir"))
        }
    }

    @Test func unknownName() {
        expectDataError("no-such-set", "fashion-mnist") { try DataCatalog.load("no-such-set") }
    }

    /// One example per class leaves nothing to hold out: an empty test set (which crashed network
    /// scoring and reported 0% accuracy on 0 examples) is refused, naming the file.
    @Test func fileTooSmallForATestSplit() {
        let url = write("a,b,label\n1,2,x\n3,4,y\n", "tiny.csv", in: temporaryDirectory())
        expectDataError(url.path, "2 examples", "at least 2 examples") { try DataCatalog.load(url.path) }
        let ok = write("a,b,label\n1,2,x\n3,4,y\n5,6,x\n", "small.csv", in: temporaryDirectory())
        #expect(throws: Never.self) { try DataCatalog.load(ok.path) }
    }

    /// A reading option the data ignores is an error naming the option, not silently dropped.
    @Test func optionsThatDoNotApply() {
        let csv = write("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", "t.csv", in: temporaryDirectory())
        expectDataError("--size", "t.csv (csv)") { try DataCatalog.load(csv.path, options: LoadOptions(size: 10)) }
        expectDataError("--text-column", "t.csv (csv)") { try DataCatalog.load(csv.path, options: LoadOptions(textColumn: "b")) }
        expectDataError("--label-column", "spirals") { try DataCatalog.load("spirals", options: LoadOptions(labelColumn: "x")) }
        expectDataError("--format", "xor") { try DataCatalog.load("xor", options: LoadOptions(format: .csv)) }
        expectDataError("--size", "fashion-mnist") { try DataCatalog.load("fashion-mnist", options: LoadOptions(size: 10)) }
        let svm = write("1 1:1\n2 2:1\n1 1:1\n2 2:1\n", "t.svm", in: temporaryDirectory())
        expectDataError("--categorical", "t.svm (libsvm)") { try DataCatalog.load(svm.path, options: LoadOptions(categorical: ["a"])) }
        #expect(throws: Never.self) { try DataCatalog.load(csv.path, options: LoadOptions(labelColumn: "label", categorical: ["b"])) }
        #expect(throws: Never.self) { try DataCatalog.load("xor", options: LoadOptions(size: 40)) }
    }
}
