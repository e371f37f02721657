import Foundation
import GRDB

/// The sweep's results in SQLite: one row per finished cell, committed as soon as the cell ends, so a
/// killed run loses only the cells in flight and a rerun skips what is stored.
public final class ResultStore: Sendable {
    /// Bumped whenever the table layout or the meaning of a column changes; older stores are refused.
    public static let schemaVersion = 1

    public let path: String
    /// The largest m a store may hold: far above any data set, and small enough that a forecast 100× beyond it is
    /// still an integer. A row past it (or below 1) was not written by a run and is refused when read.
    public static let largestSize = 1_000_000_000_000
    let queue: DatabaseQueue

    /// Opens the store at `path`, creating it if needed; refuses a file that is not SQLite or was
    /// written with another schema version. A writer puts the file in WAL mode, so readers (`takeoff serve`)
    /// never block it, and adds the `sweeps` table to a store made before it existed.
    /// `readOnly` opens an existing store for reading only: nothing is created, migrated or written.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.readonly = readOnly
            // A reader's short transaction (or a writer's commit, for a reader) may hold the file for a moment.
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let version = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            let hasTables = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0 } > 0
            if version == 0 && !hasTables && readOnly {
                throw CurveError.unreadableStore(path: path, detail: "it is not a Takeoff store (no tables)")
            } else if version == 0 && !hasTables {
                try queue.write { db in
                    try db.execute(sql: """
                        CREATE TABLE cells (
                            dataset TEXT NOT NULL, learner TEXT NOT NULL, configuration TEXT NOT NULL,
                            m INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
                            accuracy REAL, log_loss REAL, precision REAL, recall REAL, auc REAL, fit_seconds REAL, predict_seconds REAL,
                            parameters INTEGER, error TEXT, finished_at TEXT NOT NULL, training_flops REAL,
                            PRIMARY KEY (dataset, configuration, m, seed))
                        """)
                    try db.execute(sql: "PRAGMA user_version = \(Self.schemaVersion)")
                }
            } else if version != Self.schemaVersion {
                throw CurveError.incompatibleStore(path: path, found: version, expected: Self.schemaVersion)
            } else if try !queue.read({ db in try db.tableExists("cells") }) {
                throw CurveError.unreadableStore(path: path, detail: "it has schema version \(version) but no table 'cells'")
            }
            if !readOnly {
                // Nullable columns added to version 1: older rows read as unknown, older readers ignore them; no version bump.
                try addMissingColumns(Self.addedColumns)
                try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
                try queue.write { db in try db.execute(sql: Self.sweepsTable) }
            }
        } catch let e as CurveError {
            throw e
        } catch let e as DatabaseError {
            throw CurveError.unreadableStore(path: path, detail: e.message ?? "\(e.resultCode)")
        }
    }

    /// Columns added after schema version 1, nullable, so a store written before them opens and its cells read as
    /// not having these figures: the two-class metrics, the training FLOPs and a cell's trace.
    static let addedColumns = [("precision", "REAL"), ("recall", "REAL"), ("auc", "REAL"), ("training_flops", "REAL"), ("trace", "TEXT")]

    /// Adds each of `columns` (name and type, nullable) that the `cells` table lacks.
    func addMissingColumns(_ columns: [(name: String, type: String)]) throws {
        try queue.write { db in
            let present = Set(try db.columns(in: "cells").map(\.name))
            for (column, type) in columns where !present.contains(column) {
                try db.execute(sql: "ALTER TABLE cells ADD COLUMN \(column) \(type)")
            }
        }
    }

    /// Stores `result` (replacing an earlier result of the same cell) in its own transaction.
    /// Cells that are not results (``CellStatus/isStored``) are not stored.
    public func record(_ result: CellResult) throws {
        guard result.status.isStored else { return }
        let k = result.key
        try usingStore { try queue.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO cells (dataset, learner, configuration, m, seed, status, accuracy, log_loss,
                    precision, recall, auc, fit_seconds, predict_seconds, parameters, error, finished_at, training_flops, trace)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """, arguments: [k.dataset, k.learner, k.configuration, k.m, Int64(bitPattern: k.seed), result.status.rawValue,
                                 result.accuracy, result.logLoss, result.precision, result.recall, result.auc, result.fitSeconds,
                                 result.predictSeconds, result.parameters, result.error, ISO8601DateFormatter().string(from: Date()),
                                 result.trainingFLOPs, result.trace])
        } }
    }

    /// Every stored result for the data set with `fingerprint`, by cell.
    /// A row whose values do not have their columns' types (a store edited by hand) is an error naming it.
    public func results(dataset fingerprint: String) throws -> [CellKey: CellResult] {
        try usingStore {
            let rows = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT rowid AS row_number, * FROM cells WHERE dataset = ?", arguments: [fingerprint])
            }
            var out: [CellKey: CellResult] = [:]
            for row in rows {
                // `row[…]` stops the program on a value of the wrong type; `decode` throws instead.
                func value<T: DatabaseValueConvertible>(_ column: String, _ kind: String, _: T.Type = T.self) throws -> T {
                    do { return try row.decode(T.self, forColumn: column) } catch {
                        throw CurveError.unreadableStore(
                            path: path, detail: "row \(row["row_number"] as DatabaseValue), column '\(column)': \(row[column] as DatabaseValue) is not \(kind)")
                    }
                }
                // A column added after version 1 is absent from an older store opened read-only.
                func optional(_ column: String) throws -> Double? { row.hasColumn(column) ? try value(column, "a number or NULL") : nil }
                let trace: String? = row.hasColumn("trace") ? try value("trace", "text or NULL") : nil
                let key = CellKey(dataset: try value("dataset", "text"), learner: try value("learner", "text"),
                                  configuration: try value("configuration", "text"), m: try value("m", "an integer"),
                                  seed: UInt64(bitPattern: try value("seed", "an integer", Int64.self)))
                let at = "row \(row["row_number"] as DatabaseValue)"
                let fraction = { (x: Double) in x >= 0 && x <= 1 }
                let amount = { (x: Double) in x.isFinite && x >= 0 }
                _ = try checked(at, "m", key.m, { $0 >= 1 && $0 <= Self.largestSize }, "a size from 1 to \(Analysis.count(Self.largestSize))")
                let statusText: String = try value("status", "text")
                guard let status = CellStatus(rawValue: statusText) else {
                    throw CurveError.unreadableStore(path: path, detail: "unknown status '\(statusText)' for \(key.learner) m = \(key.m)")
                }
                out[key] = CellResult(key: key, status: status,
                                      accuracy: try checked(at, "accuracy", try value("accuracy", "a number or NULL"), fraction, "a fraction from 0 to 1"),
                                      logLoss: try checked(at, "log_loss", try value("log_loss", "a number or NULL"), amount, "a finite number ≥ 0"),
                                      fitSeconds: try checked(at, "fit_seconds", try value("fit_seconds", "a number or NULL"), amount, "a number of seconds"),
                                      predictSeconds: try checked(at, "predict_seconds", try value("predict_seconds", "a number or NULL"), amount, "a number of seconds"),
                                      parameters: try checked(at, "parameters", try value("parameters", "an integer or NULL"), { $0 >= 0 }, "a count"),
                                      trainingFLOPs: try checked(at, "training_flops", try optional("training_flops"), amount, "a finite number ≥ 0"),
                                      error: try value("error", "text or NULL"),
                                      precision: try checked(at, "precision", try optional("precision"), fraction, "a fraction from 0 to 1"),
                                      recall: try checked(at, "recall", try optional("recall"), fraction, "a fraction from 0 to 1"),
                                      auc: try checked(at, "auc", try optional("auc"), fraction, "a fraction from 0 to 1"),
                                      trace: trace)
            }
            return out
        }
    }

    /// `value` where `valid`, else an error naming this store, the row (`at`) and the column: values no run writes
    /// (a store edited by hand or damaged) are refused when read rather than reaching the reports' arithmetic.
    func checked<T>(_ at: String, _ column: String, _ value: T, _ valid: (T) -> Bool, _ expected: String) throws -> T {
        guard valid(value) else { throw CurveError.unreadableStore(path: path, detail: "\(at), column '\(column)': \(value) is not \(expected)") }
        return value
    }

    /// As above for a nullable column: NULL passes.
    func checked<T>(_ at: String, _ column: String, _ value: T?, _ valid: (T) -> Bool, _ expected: String) throws -> T? {
        if let value { _ = try checked(at, column, value, valid, expected) }
        return value
    }

    /// The number of stored cells (all data sets).
    public func count() throws -> Int {
        try usingStore { try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM cells") ?? 0 } }
    }

    /// `body`, with SQLite's errors (a file damaged after it was opened, a full disk) naming the store.
    func usingStore<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw CurveError.unreadableStore(path: path, detail: e.message ?? "\(e.resultCode)")
        }
    }
}
