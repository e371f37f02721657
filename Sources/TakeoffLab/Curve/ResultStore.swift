import Foundation
import GRDB

/// The sweep's results in SQLite: one row per finished cell, committed as soon as the cell ends, so a
/// killed run loses only the cells in flight and a rerun skips what is stored.
public final class ResultStore: Sendable {
    /// Bumped whenever the table layout or the meaning of a column changes; older stores are refused.
    public static let schemaVersion = 1

    public let path: String
    let queue: DatabaseQueue

    /// Opens the store at `path`, creating it if needed; refuses a file that is not SQLite or was
    /// written with another schema version.
    public init(path: String) throws {
        self.path = path
        do {
            queue = try DatabaseQueue(path: path)
            let version = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            let hasTables = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0 } > 0
            if version == 0 && !hasTables {
                try queue.write { db in
                    try db.execute(sql: """
                        CREATE TABLE cells (
                            dataset TEXT NOT NULL, learner TEXT NOT NULL, configuration TEXT NOT NULL,
                            m INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
                            accuracy REAL, log_loss REAL, fit_seconds REAL, predict_seconds REAL, parameters INTEGER,
                            error TEXT, finished_at TEXT NOT NULL,
                            PRIMARY KEY (dataset, configuration, m, seed))
                        """)
                    try db.execute(sql: "PRAGMA user_version = \(Self.schemaVersion)")
                }
            } else if version != Self.schemaVersion {
                throw CurveError.incompatibleStore(path: path, found: version, expected: Self.schemaVersion)
            }
        } catch let e as CurveError {
            throw e
        } catch let e as DatabaseError {
            throw CurveError.unreadableStore(path: path, detail: e.message ?? "\(e.resultCode)")
        }
    }

    /// Stores `result` (replacing an earlier result of the same cell) in its own transaction.
    /// Budget-skipped cells are not results and are not stored.
    public func record(_ result: CellResult) throws {
        guard result.status != .skippedBudget else { return }
        let k = result.key
        try queue.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO cells (dataset, learner, configuration, m, seed, status, accuracy, log_loss,
                    fit_seconds, predict_seconds, parameters, error, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                """, arguments: [k.dataset, k.learner, k.configuration, k.m, Int64(bitPattern: k.seed), result.status.rawValue,
                                 result.accuracy, result.logLoss, result.fitSeconds, result.predictSeconds, result.parameters,
                                 result.error, ISO8601DateFormatter().string(from: Date())])
        }
    }

    /// Every stored result for the data set with `fingerprint`, by cell.
    public func results(dataset fingerprint: String) throws -> [CellKey: CellResult] {
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cells WHERE dataset = ?", arguments: [fingerprint])
        }
        var out: [CellKey: CellResult] = [:]
        for row in rows {
            let seed: Int64 = row["seed"]
            let key = CellKey(dataset: row["dataset"], learner: row["learner"], configuration: row["configuration"],
                              m: row["m"], seed: UInt64(bitPattern: seed))
            let statusText: String = row["status"]
            guard let status = CellStatus(rawValue: statusText) else {
                throw CurveError.unreadableStore(path: path, detail: "unknown status '\(statusText)' for \(key.learner) m = \(key.m)")
            }
            out[key] = CellResult(key: key, status: status, accuracy: row["accuracy"], logLoss: row["log_loss"],
                                  fitSeconds: row["fit_seconds"], predictSeconds: row["predict_seconds"],
                                  parameters: row["parameters"], error: row["error"])
        }
        return out
    }

    /// The number of stored cells (all data sets).
    public func count() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM cells") ?? 0 }
    }
}
