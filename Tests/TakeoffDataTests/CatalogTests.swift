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
}
