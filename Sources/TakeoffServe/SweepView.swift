import Foundation
import TakeoffLab

/// Everything the pages and the API show of one sweep, read from its store at one moment: the record, the
/// stored cells, and the same ``CurveReport`` (figure, tables, analysis) the run writes when it ends.
struct SweepView {
    let sweep: StoreCatalog.Sweep
    let storePath: String
    /// Changes whenever the store does; the live page reloads its report when it sees a new one.
    let version: String
    /// The grid's cells that are stored, in grid order, with when each finished.
    let cells: [(result: CellResult, finishedAt: Date?)]
    let report: CurveReport
    let readAt: Date

    init(sweep: StoreCatalog.Sweep, store: ResultStore, version: String, now: Date = Date()) throws {
        self.sweep = sweep
        storePath = store.path
        self.version = version
        let results = try store.results(dataset: sweep.record.dataset)
        let times = try store.finishTimes(dataset: sweep.record.dataset)
        report = CurveReport(record: sweep.record, results: results, finishTimes: times)
        cells = report.outcome.results.map { ($0, times[$0.key]) }
        readAt = now
    }

    var record: SweepRecord { sweep.record }

    /// Cells by status: stored ones counted from the store, skipped ones as the run last reported them.
    var counts: [String: Int] {
        var out = Dictionary(grouping: cells, by: \.result.status.rawValue).mapValues(\.count)
        for (status, n) in record.cells where out[status] == nil { out[status] = n }
        return out
    }

    var done: Int { cells.count }

    /// What the run is doing, as a reader can tell: a `running` record whose process is gone (same host) ended
    /// without saying so.
    var state: String {
        guard record.status == .running else { return record.status.rawValue }
        if record.host == ProcessInfo.processInfo.hostName, record.pid > 0, kill(record.pid, 0) != 0, errno == ESRCH { return "interrupted" }
        return "running"
    }

    /// Seconds until the run ends by the planner's last prediction, counted down since it was made; nil when not running.
    var etaSeconds: Double? {
        guard state == "running", let remaining = record.remainingSeconds else { return nil }
        return max(0, remaining - readAt.timeIntervalSince(record.updatedAt))
    }
}

/// The JSON the API returns.
enum APIModel {
    struct Sweep: Encodable {
        var id: String
        var url: String
        var store: String
        var data: String
        var dataset_fingerprint: String
        var learners: [String]
        var sizes: [Int]
        var seeds: [UInt64]
        var budget_seconds: Double?
        var status: String
        var recorded: Bool
        var cells_planned: Int
        var cells_stored: Int
        var cells: [String: Int]
        var started: String?
        var updated: String?
        var eta_seconds: Double?
        var version: String
    }

    struct Cell: Encodable {
        var learner: String
        var m: Int
        var seed: UInt64
        var status: String
        var test_accuracy: Double?
        var test_log_loss: Double?
        var fit_seconds: Double?
        var predict_seconds: Double?
        var parameters: Int?
        var error: String?
        var finished: String?
        var configuration: String
    }

    struct StoreError: Encodable {
        var store: String
        var error: String
    }

    struct SweepList: Encodable {
        var sweeps: [Sweep]
        var errors: [StoreError]
    }

    static func date(_ d: Date) -> String? {
        d == .distantPast ? nil : ISO8601DateFormatter().string(from: d)
    }

    static func sweep(_ v: SweepView) -> Sweep {
        let r = v.record
        return Sweep(id: v.sweep.id, url: "/sweeps/\(v.sweep.id)", store: v.storePath, data: r.data, dataset_fingerprint: r.dataset,
                     learners: r.learners.map(\.name), sizes: r.sizes, seeds: r.seeds, budget_seconds: r.budgetSeconds, status: v.state,
                     recorded: v.sweep.recorded, cells_planned: r.cellsPlanned, cells_stored: v.done, cells: v.counts,
                     started: date(r.startedAt), updated: date(r.updatedAt), eta_seconds: v.etaSeconds, version: v.version)
    }

    static func cells(_ v: SweepView) -> [Cell] {
        v.cells.map { c in
            let r = c.result
            return Cell(learner: r.key.learner, m: r.key.m, seed: r.key.seed, status: r.status.rawValue, test_accuracy: r.accuracy,
                        test_log_loss: r.logLoss, fit_seconds: r.fitSeconds, predict_seconds: r.predictSeconds, parameters: r.parameters,
                        error: r.error, finished: c.finishedAt.flatMap(date), configuration: r.key.configuration)
        }
    }

    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
