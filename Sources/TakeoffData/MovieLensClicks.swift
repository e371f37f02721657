import Foundation

/// `movielens-clicks`: MovieLens-100k's 100,000 ratings read as a click log, the closest honest substitute
/// for an ad-click log that a package here ships (PyPI `recbole`, `dataset_example/ml-100k`). A rating of 4
/// or 5 counts as a click (55% of them: far less rare than ad clicks). Each example is categorical fields
/// of the user, the film and the moment (``fields``); the test set is the latest ratings in time, as a
/// click model is trained on the past and judged on what comes next.
public enum MovieLensClicks {
    /// The categorical fields of each example, in column order.
    public static let fields = ["user", "item", "genres", "release_year", "age", "gender", "occupation", "zip3", "weekday", "hour"]
    /// Class 0 (rating 1–3) and class 1 (rating 4–5).
    public static let classNames = ["not clicked", "clicked"]
    /// The lowest rating that counts as a click.
    public static let clickRating = 4.0

    /// The folder holding `ml-100k.inter`, `.user` and `.item`: `TAKEOFF_MOVIELENS_100K`, else where the
    /// `recbole` package was installed.
    public static func directory() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TAKEOFF_MOVIELENS_100K"] { return URL(fileURLWithPath: path) }
        if let inter = DataCatalog.installedPackageFile(package: "recbole", relative: "dataset_example/ml-100k/ml-100k.inter") {
            return inter.deletingLastPathComponent()
        }
        throw DataError.notInstalled(dataset: "movielens-clicks",
                                     install: "MovieLens-100k ships in the PyPI package recbole; install it with `pip install --no-deps recbole` (or set TAKEOFF_MOVIELENS_100K to a folder holding ml-100k.inter, ml-100k.user and ml-100k.item)")
    }

    /// The click log in `directory`: the latest `testFraction` of the ratings by time (ties by file order) as the test set.
    public static func read(directory: URL, testFraction: Double = 0.2) throws -> TrainTestSplit {
        guard testFraction > 0, testFraction < 1 else {
            throw DataError.invalidParameter(name: "held-out fraction", detail: "must be in (0, 1), got \(testFraction)")
        }
        let users = try AtomicFile(directory.appendingPathComponent("ml-100k.user"),
                                   columns: ["user_id", "age", "gender", "occupation", "zip_code"])
        let items = try AtomicFile(directory.appendingPathComponent("ml-100k.item"), columns: ["item_id", "release_year", "class"])
        let ratings = try AtomicFile(directory.appendingPathComponent("ml-100k.inter"), columns: ["user_id", "item_id", "rating", "timestamp"])
        let userRow = try users.index(by: "user_id"), itemRow = try items.index(by: "item_id")

        var builder = try CategoricalFields.Builder(names: fields, source: ratings.path)
        var labels: [Int] = [], times: [Double] = []
        for r in ratings.rows.indices {
            let line = ratings.lines[r]
            func cell(_ column: String) -> String { ratings.rows[r][ratings.column[column]!] }
            guard let u = userRow[cell("user_id")] else {
                throw DataError.malformed(file: ratings.path, line: line, detail: "field 'user_id': '\(cell("user_id"))' is not in \(users.path)")
            }
            guard let i = itemRow[cell("item_id")] else {
                throw DataError.malformed(file: ratings.path, line: line, detail: "field 'item_id': '\(cell("item_id"))' is not in \(items.path)")
            }
            let rating = try ratings.number(r, "rating"), time = try ratings.number(r, "timestamp")
            let user = users.rows[u], item = items.rows[i]
            func of(_ file: AtomicFile, _ row: [String], _ column: String) -> String { row[file.column[column]!] }
            let seconds = Int(time)
            try builder.append([cell("user_id"), cell("item_id"), of(items, item, "class"), of(items, item, "release_year"),
                                ageBand(of(users, user, "age")), of(users, user, "gender"), of(users, user, "occupation"),
                                String(of(users, user, "zip_code").prefix(3)),
                                // 1970-01-01 was a Thursday; times are UTC.
                                weekdays[((seconds / 86_400) % 7 + 7 + 3) % 7], "\(((seconds % 86_400) + 86_400) % 86_400 / 3600)"],
                               line: line)
            labels.append(rating >= clickRating ? 1 : 0)
            times.append(time)
        }
        guard !labels.isEmpty else { throw DataError.emptyFile(file: ratings.path) }
        let all = Dataset(name: "movielens-clicks", categorical: builder.fields, labels: labels, classNames: classNames)
        let order = labels.indices.sorted { (times[$0], $0) < (times[$1], $1) }
        let testCount = max(1, Int((Double(order.count) * testFraction).rounded()))
        guard testCount < order.count else {
            throw DataError.invalidParameter(name: ratings.path, detail: "\(order.count) ratings: too few to hold out the latest \(testFraction) as a test set")
        }
        let cut = order.count - testCount
        let note = "a click is a rating ≥ 4 (\(labels.filter { $0 == 1 }.count) of \(labels.count)); the test set is the latest \(testCount) ratings by time"
        return TrainTestSplit(train: all.subset(order[..<cut].sorted(), name: "movielens-clicks/train"),
                              test: all.subset(order[cut...].sorted(), name: "movielens-clicks/test"),
                              officialTest: false, preprocessing: .none, notes: [note])
    }

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// MovieLens-1M's age bands, so a user's exact age (a near-identifier) is not a field of its own.
    static func ageBand(_ age: String) -> String {
        guard let a = Int(age) else { return "unknown" }
        switch a {
        case ..<18: return "<18"
        case 18..<25: return "18-24"
        case 25..<35: return "25-34"
        case 35..<45: return "35-44"
        case 45..<50: return "45-49"
        case 50..<56: return "50-55"
        default: return "56+"
        }
    }
}

/// A RecBole atomic file: tab-separated, a header of `name:type` columns (`user_id:token`), one record a line.
struct AtomicFile {
    let path: String
    /// Each needed column's index in a record.
    let column: [String: Int]
    let rows: [[String]]
    /// The file line of each row.
    let lines: [Int]

    /// Reads `url`, requiring the named `columns`.
    init(_ url: URL, columns needed: [String]) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.unreadable(file: path, reason: "no such file") }
        let data = try readFile(url)
        var rows: [[String]] = [], lines: [Int] = [], header: [String] = []
        try data.withUnsafeBytes { raw in
            var records = DelimitedRecords(raw.bindMemory(to: UInt8.self), delimiter: 0x09, quoting: false, file: url.path)
            guard try records.next() != nil else { throw DataError.emptyFile(file: url.path) }
            header = (0..<records.fieldCount).map { String(records.string($0).prefix { $0 != ":" }) }
            while let line = try records.next() {
                guard records.fieldCount == header.count else {
                    throw DataError.raggedRow(file: url.path, line: line, expected: header.count, found: records.fieldCount)
                }
                rows.append((0..<header.count).map { records.string($0) })
                lines.append(line)
            }
        }
        var column: [String: Int] = [:]
        for name in needed {
            guard let i = header.firstIndex(of: name) else {
                throw DataError.malformed(file: path, line: 1, detail: "no column '\(name)' in the header (columns: \(header.joined(separator: ", ")))")
            }
            column[name] = i
        }
        (self.column, self.rows, self.lines) = (column, rows, lines)
    }

    /// Row of each value of the key column `name`; throws naming the line of a repeated key.
    func index(by name: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (r, row) in rows.enumerated() {
            let key = row[column[name]!]
            guard out[key] == nil else { throw DataError.malformed(file: path, line: lines[r], detail: "field '\(name)': '\(key)' appears twice") }
            out[key] = r
        }
        return out
    }

    /// The finite number in row `r`'s column `name`.
    func number(_ r: Int, _ name: String) throws -> Double {
        let text = rows[r][column[name]!]
        guard let v = Double(text) else { throw DataError.nonNumeric(file: path, line: lines[r], field: name, value: text) }
        guard v.isFinite else { throw DataError.nonFinite(file: path, line: lines[r], field: name, value: text) }
        return v
    }
}
