import Foundation
import Testing
import TakeoffData

@Suite struct ClickDataTests {
    /// A three-file MovieLens-style folder (RecBole atomic files) with `ratings` lines after the header.
    func movieLensFolder(ratings: [String], users: [String]? = nil) -> URL {
        let dir = temporaryDirectory()
        write("user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
              + (users ?? ["1\t24\tM\ttechnician\t85711", "2\t53\tF\tother\t94043", "3\t17\tM\tstudent\tT8H1N"]).joined(separator: "\n") + "\n",
              "ml-100k.user", in: dir)
        write("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation Children's Comedy\n2\tGoldenEye\t1995\tAction Adventure Thriller\n",
              "ml-100k.item", in: dir)
        write("user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + ratings.joined(separator: "\n") + "\n", "ml-100k.inter", in: dir)
        return dir
    }

    @Test func readsRatingsAsClicksWithTheLatestAsTest() throws {
        // Times run backwards, so the latest two are the first two lines (i = 0, 1).
        let ratings = (0..<10).map { i in "\(i % 3 + 1)\t\(i % 2 + 1)\t\(5 - i % 5)\t\(881_250_949 + (9 - i) * 3600)" }
        let split = try MovieLensClicks.read(directory: movieLensFolder(ratings: ratings), testFraction: 0.2)
        #expect(split.train.count == 8 && split.test.count == 2)
        #expect(split.train.classNames == ["not clicked", "clicked"])
        #expect(split.test.labels == [1, 1] && split.train.labels == [0, 0, 0, 1, 1, 0, 0, 0])
        let fields = try #require(split.test.categorical)
        #expect(fields.names == MovieLensClicks.fields)
        #expect(fields.value(row: 1, field: 0) == "2" && fields.value(row: 1, field: 1) == "2")
        #expect(fields.value(row: 0, field: 2) == "Animation Children's Comedy" && fields.value(row: 1, field: 2) == "Action Adventure Thriller")
        let train = try #require(split.train.categorical)
        let ages = Set((0..<train.rowCount).map { train.value(row: $0, field: 4) })
        #expect(ages.isSubset(of: ["18-24", "50-55", "<18"]))
        #expect(Set((0..<train.rowCount).map { train.value(row: $0, field: 7) }).isSubset(of: ["857", "940", "T8H"]))
        // Weekday and hour as Foundation's calendar reads the first training row's time (i = 2), in UTC.
        let date = Date(timeIntervalSince1970: 881_250_949 + 7 * 3600)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][calendar.component(.weekday, from: date) - 1]
        #expect(train.value(row: 0, field: 8) == weekday)
        #expect(train.value(row: 0, field: 9) == "\(calendar.component(.hour, from: date))")
        #expect(split.train.featureCount == 0)
    }

    @Test func badRatingsFilesNameTheFileLineAndField() throws {
        do {
            _ = try MovieLensClicks.read(directory: movieLensFolder(ratings: ["1\t1\t4\t881250949", "9\t1\t4\t881250950"]))
            Issue.record("an unknown user was accepted")
        } catch let e as DataError {
            #expect("\(e)".contains("ml-100k.inter, line 3") && "\(e)".contains("user_id") && "\(e)".contains("'9'"))
        }
        do {
            _ = try MovieLensClicks.read(directory: movieLensFolder(ratings: ["1\t1\tfour\t881250949", "2\t1\t4\t881250950"]))
            Issue.record("a rating that is not a number was accepted")
        } catch let e as DataError {
            #expect(e == .nonNumeric(file: e.file, line: 2, field: "rating", value: "four"))
        }
        do {
            _ = try MovieLensClicks.read(directory: movieLensFolder(ratings: ["1\t1\t4"]))
            Issue.record("a short line was accepted")
        } catch let e as DataError {
            #expect("\(e)".contains("line 2") && "\(e)".contains("3 fields"))
        }
        #expect(throws: DataError.self) { try MovieLensClicks.read(directory: temporaryDirectory()) }
    }

    static let movieLensInstalled = (try? MovieLensClicks.directory())
        .map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("ml-100k.inter").path) } ?? false

    @Test(.enabled(if: movieLensInstalled, "pip package recbole (its ml-100k) is not installed"))
    func theBuiltInSet() throws {
        let split = try DataCatalog.load("movielens-clicks")
        #expect(split.train.count == 80_000 && split.test.count == 20_000)
        #expect(split.train.classCounts[1] + split.test.classCounts[1] == 55_375)
        #expect(split.train.categorical?.fieldCount == 10)
    }

    @Test func categoricalFieldsSubsetHashAndFingerprint() throws {
        let fields = try CategoricalFields(names: ["user", "item"], records: [["a", "x"], ["b", "x"], ["a", "y"]])
        #expect(fields.values == [["a", "b"], ["x", "y"]] && fields.codes == [0, 0, 1, 0, 0, 1])
        let data = Dataset(name: "clicks", categorical: fields, labels: [1, 0, 1], classNames: ["no", "yes"])
        let picked = data.subset([2, 0])
        #expect(picked.categorical?.codes == [0, 1, 0, 0] && picked.labels == [1, 1] && picked.featureCount == 0)
        let hasher = try FieldHasher(dimension: 1 << 20)
        let rows = fields.hashed(into: hasher)
        #expect(rows.rowCount == 3 && rows.nonZeroCount == 6)
        #expect(rows == hasher.encode([["a", "x"], ["b", "x"], ["a", "y"]], fields: ["user", "item"]))
        // The same values give the same fingerprint; another value another.
        let again = Dataset(name: "clicks", categorical: try CategoricalFields(names: ["user", "item"], records: [["a", "x"], ["b", "x"], ["a", "y"]]),
                            labels: [1, 0, 1], classNames: ["no", "yes"])
        let other = Dataset(name: "clicks", categorical: try CategoricalFields(names: ["user", "item"], records: [["a", "x"], ["c", "x"], ["a", "y"]]),
                            labels: [1, 0, 1], classNames: ["no", "yes"])
        #expect(data.fingerprint == again.fingerprint && data.fingerprint != other.fingerprint)
        #expect(throws: DataError.self) { try CategoricalFields(names: ["user", "item"], records: [["a"]]) }
        #expect(throws: DataError.self) { try CategoricalFields(names: ["user", "user"], records: []) }
    }

    /// Two million distinct users: the data holds them, but what a learner builds from them is the buckets.
    @Test func aFieldWithMillionsOfValuesHashesIntoItsBuckets() throws {
        var builder = try CategoricalFields.Builder(names: ["user", "item"], source: "test")
        for i in 0..<2_000_000 { try builder.append(["u\(i)", "i\(i % 50)"], line: i + 1) }
        let fields = builder.fields
        #expect(fields.values[0].count == 2_000_000)
        let rows = fields.hashed(into: try FieldHasher(dimension: 1 << 18))
        #expect(rows.columnCount == 1 << 18 && rows.nonZeroCount <= 4_000_000)
        #expect(Set(rows.columns).count <= 1 << 18)
    }
}

extension DataError {
    /// The file a case names, for comparisons in tests.
    var file: String {
        switch self {
        case let .nonNumeric(f, _, _, _), let .malformed(f, _, _), let .raggedRow(f, _, _, _), let .unreadable(f, _): f
        default: ""
        }
    }
}
