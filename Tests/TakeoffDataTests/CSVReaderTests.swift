import Foundation
import Testing
@testable import TakeoffData

@Suite struct CSVReaderTests {
    func read(_ text: String, name: String = "t.csv", _ reader: CSVReader = CSVReader()) throws -> (CSVReader.Result, URL) {
        let url = write(text, name, in: temporaryDirectory())
        return (try reader.read(url), url)
    }

    @Test func numericAndOneHotColumns() throws {
        let (r, _) = try read("""
            age,color,"size, cm",label
            30,red,1.5,yes
            41, blue ,2e1,no
            27,red,-3,yes

            """)
        let d = r.dataset
        #expect(r.featureNames == ["age", "color=blue", "color=red", "size, cm"])
        #expect(r.oneHotColumns.count == 1 && r.oneHotColumns[0].column == "color" && r.oneHotColumns[0].categories == ["blue", "red"])
        #expect(d.features.scalars == [30, 0, 1, 1.5, 41, 1, 0, 20, 27, 0, 1, -3])
        #expect(d.classNames == ["no", "yes"] && d.labels == [1, 0, 1])
    }

    @Test func labelByNameOrIndexAndNumericClassOrder() throws {
        let text = "y,a,b\n10,1,2\n9,3,4\n10,5,6\n"
        let (byName, _) = try read(text, CSVReader(labelColumn: "y"))
        let (byIndex, _) = try read(text, CSVReader(labelColumn: "0"))
        #expect(byName.dataset.classNames == ["9", "10"] && byName.dataset.labels == [1, 0, 1])
        #expect(byName.dataset.fingerprint == byIndex.dataset.fingerprint)
        #expect(byName.dataset.features.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func tsvAndForcedCategorical() throws {
        let (r, _) = try read("zip\tx\tc\n75001\t1\ta\n10115\t2\tb\n", name: "t.tsv", CSVReader(categorical: ["zip"]))
        #expect(r.featureNames == ["zip=10115", "zip=75001", "x"])
    }

    @Test func quotedFieldsWithDelimitersNewlinesAndQuotes() throws {
        let (r, _) = try read("note,x,y\n\"a, \"\"b\"\"\nc\",1,p\nplain,2,q\n")
        #expect(r.featureNames == ["note=a, \"b\"\nc", "note=plain", "x"])
    }

    @Test func nonNumericCellNamesLineAndField() throws {
        let url = write("a,b,label\n1,2,x\n3,oops,y\n", "bad.csv", in: temporaryDirectory())
        expectDataError(url.path, "line 3", "field 'b'", "'oops'") { try CSVReader().read(url) }
    }

    @Test func raggedRow() throws {
        let url = write("a,b,label\n1,2,x\n3,y\n", "ragged.csv", in: temporaryDirectory())
        expectDataError(url.path, "line 3", "2 fields", "header has 3") { try CSVReader().read(url) }
    }

    @Test(arguments: ["nan", "NaN", "inf", "-Infinity", "1e39"]) func nonFiniteValues(value: String) throws {
        let url = write("a,b,label\n1,2,x\n3,\(value),y\n", "nan.csv", in: temporaryDirectory())
        expectDataError(url.path, "line 3", "field 'b'", "not finite") { try CSVReader().read(url) }
    }

    @Test func emptyAndHeaderOnly() throws {
        let dir = temporaryDirectory()
        for (name, text) in [("empty.csv", ""), ("blank.csv", "\n\n"), ("header.csv", "a,b,label\n")] {
            let url = write(text, name, in: dir)
            expectDataError(url.path, "empty") { try CSVReader().read(url) }
        }
    }

    @Test func missingLabelColumn() throws {
        let url = write("a,b,label\n1,2,x\n3,4,y\n", "t.csv", in: temporaryDirectory())
        expectDataError(url.path, "no label column 'class'", "a, b, label") { try CSVReader(labelColumn: "class").read(url) }
        expectDataError(url.path, "'7'") { try CSVReader(labelColumn: "7").read(url) }
    }

    @Test func singleClass() throws {
        let url = write("a,label\n1,x\n2,x\n", "one.csv", in: temporaryDirectory())
        expectDataError(url.path, "'x'", "two classes") { try CSVReader().read(url) }
    }

    @Test func unclosedQuote() throws {
        let url = write("a,label\n1,x\n\"2,y\n", "q.csv", in: temporaryDirectory())
        expectDataError(url.path, "line 3", "quoted field") { try CSVReader().read(url) }
    }

    @Test func catalogReportsOneHotColumnsAndSplits() throws {
        let rows = (0..<50).map { "\($0),\($0 % 2 == 0 ? "even" : "odd"),\($0 % 3)" }
        let url = write("n,parity,label\n" + rows.joined(separator: "\n"), "t.csv", in: temporaryDirectory())
        let s = try DataCatalog.load(url.path)
        #expect(s.train.count + s.test.count == 50 && !s.officialTest)
        #expect(s.notes.count == 1 && s.notes[0].contains("'parity'"))
        #expect(s.preprocessing == .standardize)
    }

    /// A trailing delimiter on every line makes an unnamed, empty last column; the error says so.
    @Test func trailingDelimiterNamesTheUnnamedLabelColumn() throws {
        let url = write("a,b,label,\n1,2,x,\n3,4,y,\n", "trailing.csv", in: temporaryDirectory())
        expectDataError(url.path, "line 2", "column 3", "no name in the header", "end with a delimiter") { try CSVReader().read(url) }
    }

    /// One-hot columns can make the dense matrix huge (an ID column: one feature per row); refused before allocating.
    @Test func tooLargeToDensify() throws {
        let rows = (0..<200).map { "id\($0),\($0 % 2)" }.joined(separator: "\n")
        let url = write("id,label\n" + rows + "\n", "ids.csv", in: temporaryDirectory())
        expectDataError(url.path, "200 rows", "200 features") { try CSVReader(maxBytes: 100_000).read(url) }
        #expect(try CSVReader(maxBytes: DenseMemory.copies * 200 * 200 * 4).read(url).dataset.featureCount == 200)
    }
}
