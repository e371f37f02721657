import Foundation
import TakeoffData

/// Learning curves read from a CSV file in one of three layouts, told apart by the header:
/// - Takeoff's own `results.csv`: `learner`, `m`, `seed` and the metric's column (`test_accuracy` unless
///   another is named; a `status` column, where present, keeps only `ok` rows);
/// - the Learning Curve Database's `database-*.csv`: `openmlid`, `learner`, `size_train`, `outer_seed`,
///   `inner_seed`, `score_test`, one data set per `openmlid`;
/// - a plain table `learner,m,score[,seed]`, such as scikit-learn's `learning_curve` written out.
/// Scores must be numbers in [0, 1] (higher is better); a log-loss column is read as e^(−loss).
public struct CurveTable: Sendable {
    public enum Layout: String, Sendable { case takeoff, lcdb, plain }

    public var layout: Layout
    /// The column the scores were read from.
    public var metricColumn: String
    public var curves: [ObservedCurve]

    /// The data sets, in the order they first appear.
    public var datasets: [String] {
        var seen = Set<String>(), out: [String] = []
        for c in curves where seen.insert(c.dataset).inserted { out.append(c.dataset) }
        return out
    }

    /// Reads `url`; `metric` names the score column (default by layout), `dataset` keeps one data set (LCDB).
    public static func read(_ url: URL, metric: String? = nil, dataset: String? = nil) throws -> CurveTable {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw DataError.unreadable(file: file, reason: error.localizedDescription) }
        guard !data.isEmpty else { throw DataError.emptyFile(file: file) }
        return try data.withUnsafeBytes { raw -> CurveTable in
            var records = DelimitedRecords(raw.bindMemory(to: UInt8.self), delimiter: UInt8(ascii: ","), quoting: true, file: file)
            guard try records.next() != nil else { throw DataError.emptyFile(file: file) }
            let header = (0..<records.fieldCount).map { records.string($0).lowercased() }
            func column(_ name: String) -> Int? { header.firstIndex(of: name) }
            func require(_ name: String, _ layout: String) throws -> Int {
                guard let i = column(name) else { throw DataError.missingLabelColumn(file: file, column: name + " (\(layout) layout)", available: header) }
                return i
            }
            let layout: Layout
            let datasetColumn: Int?, learnerColumn: Int, sizeColumn: Int, seedColumns: [Int], scoreColumn: Int, statusColumn: Int?
            let metricName: String
            if column("openmlid") != nil {
                layout = .lcdb
                metricName = metric ?? "score_test"
                datasetColumn = try require("openmlid", "LCDB"); learnerColumn = try require("learner", "LCDB")
                sizeColumn = try require("size_train", "LCDB")
                seedColumns = [try require("outer_seed", "LCDB"), try require("inner_seed", "LCDB")]
                scoreColumn = try require(metricName, "LCDB"); statusColumn = nil
            } else if column("m") != nil, column("test_accuracy") != nil || column("status") != nil || (metric.map { column($0) != nil && $0 != "score" } ?? false) {
                layout = .takeoff
                metricName = metric ?? "test_accuracy"
                datasetColumn = nil; learnerColumn = try require("learner", "results.csv"); sizeColumn = try require("m", "results.csv")
                seedColumns = [try require("seed", "results.csv")]
                scoreColumn = try require(metricName, "results.csv"); statusColumn = column("status")
            } else {
                layout = .plain
                metricName = metric ?? "score"
                datasetColumn = nil; learnerColumn = try require("learner", "learner,m,score[,seed]")
                sizeColumn = try require("m", "learner,m,score[,seed]")
                seedColumns = column("seed").map { [$0] } ?? []
                scoreColumn = try require(metricName, "learner,m,score[,seed]"); statusColumn = nil
            }
            let isLoss = metricName.contains("log_loss") || metricName.contains("logloss")
            let needed = ([datasetColumn, learnerColumn, sizeColumn, scoreColumn, statusColumn].compactMap { $0 } + seedColumns).max()!

            struct Key: Hashable { var group: Int; var m: Int; var seed: [Int64] }
            var groups: [String: Int] = [:], order: [(dataset: String, learner: String)] = []
            var scores: [[Int: [Double]]] = []
            var firstLine: [Key: Int] = [:]
            var cachedLearner: (bytes: ArraySlice<UInt8>, name: String)?
            var cachedDataset: (bytes: ArraySlice<UInt8>, name: String)?
            var allDatasets: [String] = []
            while let line = try records.next() {
                guard records.fieldCount > needed else {
                    throw DataError.raggedRow(file: file, line: line, expected: header.count, found: records.fieldCount)
                }
                if let s = statusColumn, records.string(s) != "ok" { continue }
                let scoreField = records.field(scoreColumn)
                guard !scoreField.isEmpty else {
                    if layout == .lcdb { continue }
                    throw DataError.nonNumeric(file: file, line: line, field: metricName, value: "")
                }
                guard let raw = parseNumber(scoreField) else {
                    throw DataError.nonNumeric(file: file, line: line, field: metricName, value: records.string(scoreColumn))
                }
                guard raw.isFinite else {
                    // LCDB marks runs that failed with NaN scores: not a measurement.
                    if layout == .lcdb && raw.isNaN { continue }
                    throw DataError.nonFinite(file: file, line: line, field: metricName, value: records.string(scoreColumn))
                }
                let score = isLoss ? exp(-raw) : raw
                guard (0...1).contains(score) else {
                    throw DataError.malformed(file: file, line: line, detail: "\(metricName) is \(records.string(scoreColumn)), outside 0–1 "
                                              + "(scores are fractions, higher is better: accuracy 0.91, not 91)")
                }
                guard let size = parseNumber(records.field(sizeColumn)), size == size.rounded(), size >= 1, size < 1e15 else {
                    throw DataError.malformed(file: file, line: line, detail: "\(header[sizeColumn]) must be a positive whole number of examples, got '\(records.string(sizeColumn))'")
                }
                let learnerBytes = records.field(learnerColumn)
                guard !learnerBytes.isEmpty else { throw DataError.malformed(file: file, line: line, detail: "the learner is empty") }
                let learner: String
                if let c = cachedLearner, c.bytes.elementsEqual(learnerBytes) { learner = c.name } else {
                    learner = String(decoding: learnerBytes, as: UTF8.self); cachedLearner = (Array(learnerBytes)[...], learner)
                }
                var datasetName = ""
                if let d = datasetColumn {
                    let bytes = records.field(d)
                    if let c = cachedDataset, c.bytes.elementsEqual(bytes) { datasetName = c.name } else {
                        datasetName = String(decoding: bytes, as: UTF8.self); cachedDataset = (Array(bytes)[...], datasetName)
                    }
                    if allDatasets.last != datasetName { allDatasets.append(datasetName) }
                    if let dataset, datasetName != dataset { continue }
                }
                var seed: [Int64] = []
                for s in seedColumns {
                    guard let v = parseNumber(records.field(s)), v == v.rounded(), abs(v) < 9e18 else {
                        throw DataError.nonNumeric(file: file, line: line, field: header[s], value: records.string(s))
                    }
                    seed.append(Int64(v))
                }
                let groupKey = datasetName + "\u{1F}" + learner
                let group: Int
                if let g = groups[groupKey] { group = g } else {
                    group = order.count; groups[groupKey] = group; order.append((datasetName, learner)); scores.append([:])
                }
                let key = Key(group: group, m: Int(size), seed: seed)
                if let earlier = firstLine[key] {
                    throw DataError.malformed(file: file, line: line, detail: "repeats line \(earlier): learner \(learner), m = \(Int(size))"
                                              + (seedColumns.isEmpty ? " (add a seed column to give several measurements of one size)"
                                                 : ", the same seed" + (datasetName.isEmpty ? "" : ", data set \(datasetName)")))
                }
                firstLine[key] = line
                scores[group][Int(size), default: []].append(score)
            }
            if let dataset, order.isEmpty || layout != .lcdb {
                let known = Array(Set(allDatasets)).sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
                throw CurveError.invalidGrid("no data set '\(dataset)' in \(file)" + (layout == .lcdb
                    ? ": it has \(known.count) (\(known.prefix(12).joined(separator: ", "))\(known.count > 12 ? ", …" : ""))"
                    : " (only the LCDB layout names data sets)"))
            }
            guard !order.isEmpty else { throw DataError.malformed(file: file, line: 1, detail: "no scored rows" + (statusColumn == nil ? "" : " with status ok")) }
            let curves = order.indices.map { g in
                ObservedCurve(dataset: order[g].dataset, learner: order[g].learner, points: scores[g].map { (m: $0.key, scores: $0.value) })
            }
            let sizes = Set(curves.flatMap { $0.points.map(\.m) })
            guard sizes.count >= 2 else {
                throw DataError.malformed(file: file, line: 1, detail: "every row has m = \(sizes.first!): a learning curve needs at least two training sizes")
            }
            return CurveTable(layout: layout, metricColumn: metricName, curves: curves)
        }
    }
}
