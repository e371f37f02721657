import Foundation
import GRDB
import TakeoffEngine
import TakeoffData

/// What a curve run tells its store about itself, so that a reader (`takeoff serve`) can show the sweep while
/// it runs: the data and grid it sweeps, when it started and last reported, its cells by status and the
/// planner's prediction of the time left. One row per grid in the `sweeps` table; a rerun of the same grid
/// continues the same row.
public struct SweepRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Cells are being trained (or the process died without saying otherwise; see ``SweepRecord/pid``).
        case running
        /// Every cell of the grid is stored.
        case finished
        /// The run ended with cells left (budget, cell limit).
        case stopped
        /// The run ended with an error (``SweepRecord/error``).
        case failed
    }

    public struct LearnerEntry: Sendable, Codable, Equatable {
        public var name: String
        /// Canonical JSON, as in ``CellKey/configuration``.
        public var configuration: String
        public init(name: String, configuration: String) { (self.name, self.configuration) = (name, configuration) }
    }

    /// The row's id in its store; nil before it is stored.
    public var id: Int64?
    /// The grid's identity (data fingerprint, learner configurations, sizes, seeds).
    public var key: String
    /// The data's name as the user gave it (`fashion-mnist`, a file path, …).
    public var data: String
    /// ``SweepPlan/dataset``.
    public var dataset: String
    public var learners: [LearnerEntry]
    public var sizes: [Int]
    public var seeds: [UInt64]
    public var poolSize: Int
    public var testSize: Int
    public var budgetSeconds: Double?
    public var target: Double?
    public var compute: Compute
    public var startedAt: Date
    public var updatedAt: Date
    public var cellsPlanned: Int
    /// Cells of the grid by status (`ok`, `failed`, `skipped-budget`, …), as the run last saw them.
    public var cells: [String: Int]
    public var status: Status
    /// Predicted wall-clock seconds until the run ends (the planner's estimate, within the budget); nil when unknown.
    public var remainingSeconds: Double?
    public var error: String?
    /// The writing process and its host, so a reader can tell a run that died from one that is still going.
    public var pid: Int32
    public var host: String
    /// Incremented on every update.
    public var revision: Int

    /// The record of a sweep stored before runs recorded themselves: its grid read off its cells, its name and
    /// sizes of data unknown, its times those of its first and last cell.
    public static func inferred(dataset: String, learners: [LearnerEntry], sizes: [Int], seeds: [UInt64], firstCell: Date, lastCell: Date)
        -> SweepRecord {
        SweepRecord(id: nil, key: dataset, data: "data set \(dataset.prefix(12))", dataset: dataset, learners: learners, sizes: sizes,
                    seeds: seeds, poolSize: sizes.last ?? 0, testSize: 0, budgetSeconds: nil, target: nil,
                    compute: (try? Compute(threads: 1, workers: 1))!, startedAt: firstCell, updatedAt: lastCell,
                    cellsPlanned: learners.count * sizes.count * seeds.count, cells: [:], status: .stopped, remainingSeconds: nil,
                    error: nil, pid: 0, host: "", revision: 0)
    }

    /// A stable identity of a grid: the same data, learners, sizes and seeds give the same key.
    public static func key(dataset: String, learners: [String], sizes: [Int], seeds: [UInt64]) -> String {
        let text = ([dataset] + learners + [sizes.map(String.init).joined(separator: ","), seeds.map(String.init).joined(separator: ",")])
            .joined(separator: "\n")
        return String(format: "%016llx", fnv1a(text))
    }
}

extension SweepRecord {
    /// The record a run of `plan` starts with.
    public init(plan: SweepPlan, data: String, poolSize: Int, testSize: Int, budgetSeconds: Double?, target: Double?, compute: Compute,
                startedAt: Date = Date()) {
        id = nil
        learners = plan.learners.map { LearnerEntry(name: $0.name, configuration: $0.configuration) }
        (sizes, seeds, dataset) = (plan.sizes, plan.seeds, plan.dataset)
        key = Self.key(dataset: plan.dataset, learners: learners.map(\.configuration), sizes: sizes, seeds: seeds)
        self.data = data
        (self.poolSize, self.testSize, self.budgetSeconds, self.target, self.compute) = (poolSize, testSize, budgetSeconds, target, compute)
        (self.startedAt, updatedAt) = (startedAt, startedAt)
        cellsPlanned = plan.cells.count
        cells = [:]
        status = .running
        remainingSeconds = nil
        error = nil
        pid = getpid()
        host = ProcessInfo.processInfo.hostName
        revision = 0
    }
}

extension ResultStore {
    /// The `sweeps` table (created by a writer when missing, so stores made before it keep working).
    static let sweepsTable = """
        CREATE TABLE IF NOT EXISTS sweeps (
            id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, data TEXT NOT NULL, dataset TEXT NOT NULL,
            learners TEXT NOT NULL, sizes TEXT NOT NULL, seeds TEXT NOT NULL, pool_size INTEGER NOT NULL, test_size INTEGER NOT NULL,
            budget_seconds REAL, target REAL, compute TEXT NOT NULL, started_at REAL NOT NULL, updated_at REAL NOT NULL,
            cells_planned INTEGER NOT NULL, cells TEXT NOT NULL, status TEXT NOT NULL, remaining_seconds REAL, error TEXT,
            pid INTEGER NOT NULL, host TEXT NOT NULL, revision INTEGER NOT NULL)
        """

    /// Stores `record` (a new row, or the row of the same grid, which keeps its id) and returns it with its id.
    @discardableResult
    public func recordSweep(_ record: SweepRecord) throws -> SweepRecord {
        var record = record
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let arguments: StatementArguments = [
            record.key, record.data, record.dataset, try json(record.learners), try json(record.sizes), try json(record.seeds),
            record.poolSize, record.testSize, record.budgetSeconds, record.target, try json(record.compute),
            record.startedAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970, record.cellsPlanned, try json(record.cells),
            record.status.rawValue, record.remainingSeconds, record.error, Int(record.pid), record.host, record.revision,
        ]
        record.id = try usingStore { try queue.write { db in
            try db.execute(sql: """
                INSERT INTO sweeps (key, data, dataset, learners, sizes, seeds, pool_size, test_size, budget_seconds, target, compute,
                    started_at, updated_at, cells_planned, cells, status, remaining_seconds, error, pid, host, revision)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(key) DO UPDATE SET data = excluded.data, pool_size = excluded.pool_size, test_size = excluded.test_size,
                    budget_seconds = excluded.budget_seconds, target = excluded.target, compute = excluded.compute,
                    started_at = excluded.started_at, updated_at = excluded.updated_at, cells = excluded.cells, status = excluded.status,
                    remaining_seconds = excluded.remaining_seconds, error = excluded.error, pid = excluded.pid, host = excluded.host,
                    revision = sweeps.revision + 1
                """, arguments: arguments)
            return try Int64.fetchOne(db, sql: "SELECT id FROM sweeps WHERE key = ?", arguments: [record.key])
        } }
        return record
    }

    /// Every recorded sweep, oldest first; empty for a store made before sweeps were recorded.
    public func sweeps() throws -> [SweepRecord] {
        try usingStore {
            let rows = try queue.read { db -> [Row] in
                guard try db.tableExists("sweeps") else { return [] }
                return try Row.fetchAll(db, sql: "SELECT * FROM sweeps ORDER BY id")
            }
            let decoder = JSONDecoder()
            return try rows.map { row in
                func value<T: DatabaseValueConvertible>(_ column: String, _: T.Type = T.self) throws -> T {
                    do { return try row.decode(T.self, forColumn: column) } catch {
                        throw CurveError.unreadableStore(path: path, detail: "sweeps row \(row["id"] as DatabaseValue), column '\(column)' has the wrong type")
                    }
                }
                func json<T: Decodable>(_ column: String, _: T.Type = T.self) throws -> T {
                    let text: String = try value(column)
                    do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
                        throw CurveError.unreadableStore(path: path, detail: "sweeps row \(row["id"] as DatabaseValue), column '\(column)' is not the JSON expected")
                    }
                }
                let statusText: String = try value("status")
                guard let status = SweepRecord.Status(rawValue: statusText) else {
                    throw CurveError.unreadableStore(path: path, detail: "sweeps row \(row["id"] as DatabaseValue): unknown status '\(statusText)'")
                }
                let at = "sweeps row \(row["id"] as DatabaseValue)"
                let sizes: [Int] = try checked(at, "sizes", try json("sizes"), { !$0.isEmpty && $0.allSatisfy { $0 >= 1 && $0 <= Self.largestSize } },
                                               "a list of sizes from 1 to \(Analysis.count(Self.largestSize))")
                let seconds = { (x: Double) in x.isFinite && x >= 0 }
                return SweepRecord(
                    id: try value("id"), key: try value("key"), data: try value("data"), dataset: try value("dataset"),
                    learners: try json("learners"), sizes: sizes, seeds: try json("seeds"),
                    poolSize: try checked(at, "pool_size", try value("pool_size"), { $0 >= 1 && $0 <= Self.largestSize }, "a size from 1 to \(Analysis.count(Self.largestSize))"),
                    testSize: try checked(at, "test_size", try value("test_size"), { $0 >= 0 && $0 <= Self.largestSize }, "a size from 0 to \(Analysis.count(Self.largestSize))"),
                    budgetSeconds: try checked(at, "budget_seconds", try value("budget_seconds"), seconds, "a number of seconds"),
                    target: try checked(at, "target", try value("target"), { $0.isFinite }, "a number"),
                    compute: try json("compute"), startedAt: Date(timeIntervalSince1970: try value("started_at")),
                    updatedAt: Date(timeIntervalSince1970: try value("updated_at")),
                    cellsPlanned: try checked(at, "cells_planned", try value("cells_planned"), { $0 >= 0 }, "a count"),
                    cells: try checked(at, "cells", try json("cells"), { $0.values.allSatisfy { $0 >= 0 } }, "counts by status"),
                    status: status,
                    remainingSeconds: try checked(at, "remaining_seconds", try value("remaining_seconds"), seconds, "a number of seconds"),
                    error: try value("error"),
                    pid: Int32(try checked(at, "pid", try value("pid", Int.self), { Int32(exactly: $0) != nil }, "a process id")),
                    host: try value("host"), revision: try value("revision"))
            }
        }
    }

    /// When each stored cell of the data set `fingerprint` finished (the store's `finished_at`).
    public func finishTimes(dataset fingerprint: String) throws -> [CellKey: Date] {
        try usingStore {
            let rows = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT learner, configuration, m, seed, finished_at FROM cells WHERE dataset = ?", arguments: [fingerprint])
            }
            let parser = ISO8601DateFormatter()
            var out: [CellKey: Date] = [:]
            for row in rows {
                guard let learner = row["learner"] as String?, let configuration = row["configuration"] as String?,
                      let m = row["m"] as Int?, let seed = row["seed"] as Int64?, let text = row["finished_at"] as String?,
                      let date = parser.date(from: text) else { continue }
                out[CellKey(dataset: fingerprint, learner: learner, configuration: configuration, m: m, seed: UInt64(bitPattern: seed))] = date
            }
            return out
        }
    }

    /// The data sets with stored cells, with the distinct learners (name, configuration), sizes and seeds of
    /// their cells: the grid of a sweep stored before sweeps were recorded.
    public func storedGrids() throws -> [(dataset: String, learners: [SweepRecord.LearnerEntry], sizes: [Int], seeds: [UInt64])] {
        try usingStore {
            try queue.read { db in
                let datasets = try String.fetchAll(db, sql: "SELECT DISTINCT dataset FROM cells ORDER BY dataset")
                return try datasets.map { d in
                    let learners = try Row.fetchAll(db, sql: "SELECT learner, configuration, min(rowid) AS first FROM cells WHERE dataset = ? GROUP BY configuration ORDER BY first",
                                                    arguments: [d]).map { SweepRecord.LearnerEntry(name: $0["learner"] ?? "?", configuration: $0["configuration"] ?? "") }
                    let sizes = try Int.fetchAll(db, sql: "SELECT DISTINCT m FROM cells WHERE dataset = ? ORDER BY m", arguments: [d])
                    if let bad = sizes.first(where: { $0 < 1 || $0 > Self.largestSize }) {
                        throw CurveError.unreadableStore(path: path, detail: "cells of data set \(d), column 'm': \(bad) is not a size from 1 to \(Analysis.count(Self.largestSize))")
                    }
                    let seeds = try Int64.fetchAll(db, sql: "SELECT DISTINCT seed FROM cells WHERE dataset = ? ORDER BY seed", arguments: [d])
                    return (d, learners, sizes, seeds.map { UInt64(bitPattern: $0) })
                }
            }
        }
    }

    /// A number that changes whenever another connection commits to the store (SQLite's `data_version`): a cheap
    /// test of whether anything a reader derived from the store is out of date.
    public func dataVersion() throws -> Int {
        try usingStore { try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 } }
    }
}

/// A learner known only by its name and configuration, as a store records it: enough to analyse and draw a
/// stored sweep without its data. It cannot train.
struct RecordedLearner: Learner {
    let name: String
    let configuration: [String: String]

    func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        throw CurveError.invalidGrid("\(name) was read from a store and cannot train")
    }
}

extension SweepPlan {
    /// The grid of a recorded sweep, for analysing and reporting it from its store.
    public init(record: SweepRecord) {
        self.init(recorded: record.learners.map { ($0.name, $0.configuration) }, sizes: record.sizes, seeds: record.seeds, dataset: record.dataset)
    }

    /// The grid of sweeps measured elsewhere (a store, a file of curves): learners known by name and configuration only.
    public init(recorded: [(name: String, configuration: String)], sizes: [Int], seeds: [UInt64], dataset: String) {
        learners = recorded.map { name, configuration in
            let fields = (try? JSONDecoder().decode([String: String].self, from: Data(configuration.utf8))) ?? [:]
            return Entry(learner: RecordedLearner(name: name, configuration: fields.filter { $0.key != "learner" }), configuration: configuration)
        }
        self.sizes = sizes
        self.seeds = seeds
        self.dataset = dataset
    }
}

extension CurveReport {
    /// The report of a recorded sweep as its store holds it now: the same figure, tables and analysis the run
    /// writes at its end. Cells finished since the sweep started count as trained by it, the others as reused.
    public init(record: SweepRecord, results: [CellKey: CellResult], finishTimes: [CellKey: Date] = [:]) {
        let plan = SweepPlan(record: record)
        let measured = plan.cells.compactMap { results[$0] }
        let ran = measured.filter { (finishTimes[$0.key] ?? .distantPast) >= record.startedAt.addingTimeInterval(-1) }.count
        let complete = measured.count == plan.cells.count && measured.allSatisfy(\.status.isStored)
        let outcome = SweepRunner.Outcome(results: measured, ran: ran, reused: measured.count - ran, complete: complete,
                                          seconds: record.updatedAt.timeIntervalSince(record.startedAt),
                                          remainingSeconds: complete ? 0 : record.remainingSeconds ?? 0)
        let analysis = Analysis(results: measured, learners: plan.learners.map { ($0.name, $0.configuration) }, target: record.target)
        self.init(dataName: record.data, plan: plan, outcome: outcome, analysis: analysis, poolSize: record.poolSize,
                  testSize: record.testSize, budget: record.budgetSeconds, compute: record.compute)
    }
}
