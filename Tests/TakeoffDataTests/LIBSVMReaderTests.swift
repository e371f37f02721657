import Foundation
import Testing
@testable import TakeoffData

@Suite struct LIBSVMReaderTests {
    @Test func densifies() throws {
        let url = write("+1 1:0.5 3:2 # comment\n-1 qid:7 2:-1\n\n+1 3:1e-1\n", "t.svm", in: temporaryDirectory())
        let d = try LIBSVMReader().read(url)
        #expect(d.featureCount == 3 && d.count == 3)
        #expect(d.features.scalars == [0.5, 0, 2, 0, -1, 0, 0, 0, 0.1])
        #expect(d.classNames == ["-1", "+1"] && d.labels == [1, 0, 1])
        #expect(try LIBSVMReader(featureCount: 5).read(url).featureCount == 5)
    }

    @Test func indexOutOfRange() throws {
        let dir = temporaryDirectory()
        let zero = write("1 1:1\n2 0:1\n", "zero.svm", in: dir)
        expectDataError(zero.path, "line 2", "index 0", "outside 1...") { try LIBSVMReader().read(zero) }
        let big = write("1 1:1\n2 9:1\n", "big.svm", in: dir)
        expectDataError(big.path, "line 2", "index 9", "1...4") { try LIBSVMReader(featureCount: 4).read(big) }
        let huge = write("1 1:1\n2 99999999999999999999:1\n", "huge.svm", in: dir)
        expectDataError(huge.path, "line 2", "not an integer") { try LIBSVMReader().read(huge) }
    }

    @Test func badValues() throws {
        let dir = temporaryDirectory()
        let nan = write("1 1:1\n2 2:nan\n", "nan.svm", in: dir)
        expectDataError(nan.path, "line 2", "feature 2", "not finite") { try LIBSVMReader().read(nan) }
        let word = write("1 1:1\n2 2:abc\n", "word.svm", in: dir)
        expectDataError(word.path, "line 2", "feature 2", "'abc'") { try LIBSVMReader().read(word) }
        let pair = write("1 1:1\n2 7\n", "pair.svm", in: dir)
        expectDataError(pair.path, "line 2", "index:value") { try LIBSVMReader().read(pair) }
        let nolabel = write("1:1 2:2\n", "nolabel.svm", in: dir)
        expectDataError(nolabel.path, "line 1", "instead of a label") { try LIBSVMReader().read(nolabel) }
    }

    @Test func tooLargeToDensify() throws {
        let url = write("1 1:1\n2 100000:1\n", "wide.svm", in: temporaryDirectory())
        expectDataError(url.path, "2 rows", "100000 features", "0.8 MiB as a dense matrix", "about 2.3 MiB to read", "0.5 MiB allowed") { try LIBSVMReader(maxBytes: 1 << 19).read(url) }
    }

    @Test func emptyAndSingleClass() throws {
        let dir = temporaryDirectory()
        let empty = write("# only a comment\n", "empty.svm", in: dir)
        expectDataError(empty.path, "empty") { try LIBSVMReader().read(empty) }
        let one = write("1 1:1\n1 2:1\n", "one.svm", in: dir)
        expectDataError(one.path, "'1'", "two classes") { try LIBSVMReader().read(one) }
    }

    /// A byte-order mark is not part of the first label (it made a third class, "\u{FEFF}1").
    @Test func byteOrderMark() throws {
        let url = write([0xEF, 0xBB, 0xBF] + Array("1 1:1\n2 2:1\n1 1:1\n".utf8), "bom.svm", in: temporaryDirectory())
        let d = try LIBSVMReader().read(url)
        #expect(d.classNames == ["1", "2"] && d.labels == [0, 1, 0])
    }

    /// A feature given twice on one line is ambiguous (the last value silently won).
    @Test func repeatedIndex() throws {
        let url = write("1 1:1\n\n2 2:1 1:3 2:5\n", "dup.svm", in: temporaryDirectory())
        expectDataError(url.path, "line 3", "feature index 2 appears twice") { try LIBSVMReader().read(url) }
    }
}
