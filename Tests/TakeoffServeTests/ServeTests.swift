import Foundation
import GRDB
import Testing
import TakeoffLab
@testable import TakeoffServe
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-serve-\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

let hostile = "<script>alert('x')</script>&\"quoted\""

/// A store with one recorded sweep of two learners over four sizes and two seeds, names and an error chosen to need escaping.
func makeStore(in folder: URL, name: String = "curve.sqlite") throws -> (path: String, record: SweepRecord) {
    let path = folder.appendingPathComponent(name).path
    let store = try ResultStore(path: path)
    let learners = [SweepRecord.LearnerEntry(name: "logreg", configuration: #"{"learner":"logreg"}"#),
                    SweepRecord.LearnerEntry(name: "mlp<b>", configuration: #"{"learner":"mlp<b>","width":"8"}"#)]
    var record = SweepRecord.inferred(dataset: "fp1", learners: learners, sizes: [100, 200, 400, 800], seeds: [0, 1],
                                      firstCell: Date(), lastCell: Date())
    (record.data, record.status, record.poolSize, record.testSize, record.remainingSeconds) = (hostile, SweepRecord.Status.running, 800, 200, 120.0)
    (record.pid, record.host) = (getpid(), ProcessInfo.processInfo.hostName)
    record = try store.recordSweep(record)
    for (i, l) in learners.enumerated() {
        for (j, m) in [100, 200, 400, 800].enumerated() {
            for seed: UInt64 in [0, 1] {
                let key = CellKey(dataset: "fp1", learner: l.name, configuration: l.configuration, m: m, seed: seed)
                if i == 1 && j == 3 && seed == 1 {
                    try store.record(CellResult(key: key, status: .failed, error: "boom <img src=x onerror=alert(1)> in /etc/passwd"))
                } else {
                    try store.record(CellResult(key: key, status: .ok, accuracy: 0.6 + 0.05 * Double(j) + 0.02 * Double(i * j) + 0.001 * Double(seed),
                                                fitSeconds: 0.01 * Double(m), predictSeconds: 0.001, parameters: 10))
                }
            }
        }
    }
    return (path, record)
}

@Suite struct ServeSiteTests {
    @Test func indexAndSweepPageEscapeEveryStoredString() throws {
        let dir = temporaryDirectory("escape")
        let (path, _) = try makeStore(in: dir)
        let site = ServeSite(folders: [dir.path], stores: [])
        let index = site.respond(method: "GET", path: "/")
        #expect(index.status == 200)
        #expect(!index.text.contains("<script>alert"))
        #expect(index.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        let list = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps").body) as! [String: Any]
        let sweeps = list["sweeps"] as! [[String: Any]]
        #expect(sweeps.count == 1)
        #expect(sweeps[0]["data"] as? String == hostile)
        #expect(sweeps[0]["store"] as? String == URL(fileURLWithPath: path).standardizedFileURL.path)
        #expect(sweeps[0]["cells_stored"] as? Int == 16)
        #expect(sweeps[0]["status"] as? String == "running")
        let id = sweeps[0]["id"] as! String
        let page = site.respond(method: "GET", path: "/sweeps/\(id)")
        #expect(page.status == 200)
        for raw in ["<script>alert", "<img src=x", "mlp<b>"] { #expect(!page.text.contains(raw), "unescaped \(raw)") }
        #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.text.contains("<svg"))
        #expect(page.text.contains("data-cells-stored=\"16\""))
        let svg = site.respond(method: "GET", path: "/sweeps/\(id)/curve.svg")
        #expect(svg.contentType == "image/svg+xml" && !svg.text.contains("mlp<b>") && svg.text.contains("mlp&lt;b&gt;"))
    }

    @Test func apiGivesSweepCellsAndSummary() throws {
        let dir = temporaryDirectory("api")
        _ = try makeStore(in: dir)
        let site = ServeSite(folders: [dir.path], stores: [])
        let list = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps").body) as! [String: Any]
        let id = ((list["sweeps"] as! [[String: Any]])[0]["id"]) as! String
        let sweep = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)").body) as! [String: Any]
        #expect(sweep["cells_planned"] as? Int == 16)
        #expect((sweep["cells"] as? [String: Int])?["failed"] == 1)
        #expect(sweep["eta_seconds"] is Double)
        let cells = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)/cells").body) as! [[String: Any]]
        #expect(cells.count == 16)
        #expect(cells.contains { $0["status"] as? String == "failed" && ($0["error"] as? String)?.hasPrefix("boom") == true })
        let summary = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)/summary").body) as! [String: Any]
        #expect(summary["analysis"] != nil && summary["data"] as? String == hostile)
        #expect(site.respond(method: "GET", path: "/api/sweeps/\(id)/nothing").status == 404)
        #expect(site.respond(method: "GET", path: "/api/sweeps/0badc0de-9").status == 404)
    }

    @Test func noPathOutsideTheStoresIsReadable() throws {
        let dir = temporaryDirectory("traversal")
        _ = try makeStore(in: dir)
        let site = ServeSite(folders: [dir.path], stores: [])
        let attempts = ["/../../../../etc/passwd", "/sweeps/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                        "/sweeps/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/etc/passwd", "//etc/passwd", "/activations/..%2f..%2fetc%2fpasswd",
                        "/static/../../etc/passwd", "/api/sweeps/../../etc/passwd", "/sweeps/\(dir.path)/curve.sqlite", dir.path + "/curve.sqlite",
                        "/sweeps/00000000-1/../../../etc/passwd", "/activations/" + String(repeating: "a", count: 9)]
        for path in attempts {
            let reply = site.respond(method: "GET", path: path)
            #expect(reply.status == 404, "\(path) gave \(reply.status)")
            #expect(!reply.text.contains("root:"))
        }
        #expect(site.respond(method: "GET", path: "/" + String(repeating: "a", count: 100_000)).status == 414)
        #expect(site.respond(method: "POST", path: "/").status == 405)
        #expect(site.respond(method: "GET", path: "/no/such/page").status == 404)
        #expect(ServeSite.isID("0123abcd-12") && ServeSite.isID("0123abcd-d3") && ServeSite.isID("0123abcd"))
        #expect(!ServeSite.isID("..") && !ServeSite.isID("0123ABCD-1") && !ServeSite.isID("0123abcd-1-2") && !ServeSite.isID("0123abcd-x"))
    }

    @Test func corruptAndForeignStoresGiveAnErrorPageNotACrash() throws {
        let dir = temporaryDirectory("corrupt")
        try Data(repeating: 0x41, count: 8192).write(to: dir.appendingPathComponent("junk.sqlite"))
        let foreign = try DatabaseQueue(path: dir.appendingPathComponent("foreign.sqlite").path)
        try foreign.write { try $0.execute(sql: "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('<b>hi</b>')") }
        try foreign.close()
        try Data().write(to: dir.appendingPathComponent("empty.sqlite"))
        let site = ServeSite(folders: [dir.path], stores: [dir.appendingPathComponent("missing <x>.sqlite").path])
        let index = site.respond(method: "GET", path: "/")
        #expect(index.status == 200)
        #expect(index.text.contains("Stores that cannot be shown"))
        for name in ["junk.sqlite", "foreign.sqlite", "empty.sqlite", "missing &lt;x&gt;.sqlite"] { #expect(index.text.contains(name), "\(name) not listed") }
        #expect(!index.text.contains("missing <x>"))
        let list = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps").body) as! [String: Any]
        #expect((list["errors"] as! [Any]).count == 4)
        // The store's own id names it on the sweep route: an error page, not a crash.
        let storeID = String(StoreCatalog.hash(dir.appendingPathComponent("junk.sqlite").standardizedFileURL.path).prefix(8))
        let page = site.respond(method: "GET", path: "/sweeps/\(storeID)-1")
        #expect(page.status == 500 && page.text.contains("junk.sqlite"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("empty.sqlite")).isEmpty, "serving wrote to a file")
    }

    @Test func aStoreFromBeforeSweepsWereRecordedIsShownAndNotChanged() throws {
        let dir = temporaryDirectory("legacy")
        let path = dir.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE cells (dataset TEXT NOT NULL, learner TEXT NOT NULL, configuration TEXT NOT NULL, m INTEGER NOT NULL, seed INTEGER NOT NULL,
                    status TEXT NOT NULL, accuracy REAL, log_loss REAL, fit_seconds REAL, predict_seconds REAL, parameters INTEGER, error TEXT,
                    finished_at TEXT NOT NULL, PRIMARY KEY (dataset, configuration, m, seed));
                PRAGMA user_version = 1;
                """)
            for (m, a) in [(100, 0.7), (200, 0.75), (400, 0.78)] {
                try db.execute(sql: "INSERT INTO cells VALUES ('fpold', 'logreg', '{\"learner\":\"logreg\"}', ?, 0, 'ok', ?, NULL, 0.1, 0.01, 5, NULL, '2026-01-01T00:00:00Z')",
                               arguments: [m, a])
            }
        }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let site = ServeSite(folders: [], stores: [path])
        let list = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps").body) as! [String: Any]
        let sweeps = list["sweeps"] as! [[String: Any]]
        #expect(sweeps.count == 1 && sweeps[0]["recorded"] as? Bool == false && sweeps[0]["cells_stored"] as? Int == 3)
        let page = site.respond(method: "GET", path: "/sweeps/\(sweeps[0]["id"] as! String)")
        #expect(page.status == 200 && page.text.contains("<svg"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "serving changed the store")
        // A writer migrates it: the sweeps table appears, the cells stay.
        let writer = try ResultStore(path: path)
        #expect(try writer.sweeps().isEmpty)
        #expect(try writer.count() == 3)
    }

    @Test func theLivePageSeesANewCellAndANewVersion() throws {
        let dir = temporaryDirectory("live")
        let (path, record) = try makeStore(in: dir)
        let site = ServeSite(folders: [], stores: [path])
        let id = "\(StoreCatalog.hash(URL(fileURLWithPath: path).standardizedFileURL.path).prefix(8))-\(record.id!)"
        let first = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)").body) as! [String: Any]
        // Rendered answers are kept per store version: read them before the write, so stale copies would show after it.
        let cellsBefore = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)/cells").body) as! [Any]
        let liveBefore = site.respond(method: "GET", path: "/sweeps/\(id)/live").text
        #expect(site.respond(method: "GET", path: "/sweeps/\(id)/live").text == liveBefore)
        #expect(liveBefore.contains(#"data-state="running""#) && liveBefore.contains(#"data-cells-ok="15""#))
        let writer = try ResultStore(path: path)
        try writer.record(CellResult(key: CellKey(dataset: "fp1", learner: "logreg", configuration: #"{"learner":"logreg"}"#, m: 1600, seed: 0),
                                     status: .ok, accuracy: 0.9, fitSeconds: 1))
        try writer.record(CellResult(key: CellKey(dataset: "fp1", learner: "mlp<b>", configuration: #"{"learner":"mlp<b>","width":"8"}"#, m: 800, seed: 1),
                                     status: .ok, accuracy: 0.8, fitSeconds: 1))  // the failed cell, measured again
        var updated = record
        (updated.status, updated.updatedAt) = (.finished, Date())
        try writer.recordSweep(updated)
        let second = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)").body) as! [String: Any]
        #expect(first["version"] as? String != second["version"] as? String)
        #expect(second["status"] as? String == "finished")
        let liveAfter = site.respond(method: "GET", path: "/sweeps/\(id)/live").text
        #expect(liveAfter.contains(#"data-state="finished""#) && liveAfter.contains(#"data-cells-ok="16""#))
        let cellsAfter = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps/\(id)/cells").body) as! [[String: Any]]
        #expect(cellsAfter.count == cellsBefore.count && cellsAfter.allSatisfy { $0["status"] as? String == "ok" })
    }
}

/// What needs no socket; the server itself is tested over the socket in its own process (TakeoffCLITests' ServeSocketTests).
@Suite struct ServerTests {
    @Test func onlyLoopbackCountsAsPrivate() {
        #expect(TakeoffServer.isLoopback("127.0.0.1") && TakeoffServer.isLoopback("localhost") && TakeoffServer.isLoopback("::1"))
        #expect(!TakeoffServer.isLoopback("0.0.0.0") && !TakeoffServer.isLoopback("::") && !TakeoffServer.isLoopback("192.168.1.2"))
        #expect(throws: ServeError.self) { try TakeoffServer(site: ServeSite(folders: [], stores: []), host: "not a host", port: 0) }
    }
}

@Suite struct DamagedStoreTests {
    /// Values no run writes, put into a good store by hand: each store is refused by name and column, the others
    /// are still shown, and no route traps.
    @Test func impossibleStoredValuesGiveAnErrorAndTheOtherStoresStillServe() throws {
        let dir = temporaryDirectory("damaged")
        _ = try makeStore(in: dir, name: "good.sqlite")
        let damage = ["workers.sqlite": #"UPDATE sweeps SET compute = '{"ranks":0,"threads":0,"workers":0}'"#,
                      "pool.sqlite": "UPDATE sweeps SET pool_size = 0",
                      "sizes.sqlite": "UPDATE sweeps SET sizes = '[0, 100]'",
                      "accuracy.sqlite": "UPDATE cells SET accuracy = 1e308 WHERE m = 100",
                      "legacy.sqlite": "DROP TABLE sweeps; UPDATE cells SET m = 0 WHERE m = 100; UPDATE cells SET m = -1 WHERE m = 200"]
        for (name, sql) in damage {
            _ = try makeStore(in: dir, name: name)
            let queue = try DatabaseQueue(path: dir.appendingPathComponent(name).path)
            try queue.write { try $0.execute(sql: sql) }
            try queue.close()
        }
        let site = ServeSite(folders: [dir.path], stores: [])
        let index = site.respond(method: "GET", path: "/")
        #expect(index.status == 200)
        let list = try JSONSerialization.jsonObject(with: site.respond(method: "GET", path: "/api/sweeps").body) as! [String: Any]
        let errors = (list["errors"] as! [[String: String]]).compactMap { $0["error"] }.joined(separator: "\n")
        for (name, column) in [("workers.sqlite", "compute"), ("pool.sqlite", "pool_size"), ("sizes.sqlite", "sizes"), ("accuracy.sqlite", "accuracy"),
                               ("legacy.sqlite", "m")] {
            #expect(errors.contains(name) && errors.contains("'\(column)'"), "\(name) not refused by its column \(column): \(errors)")
        }
        let sweeps = list["sweeps"] as! [[String: Any]]
        #expect(sweeps.map { $0["store"] as? String } == [dir.appendingPathComponent("good.sqlite").standardizedFileURL.path])
        for route in ["/"] + sweeps.flatMap({ sweep -> [String] in
            let id = sweep["id"] as! String
            return ["/sweeps/\(id)", "/sweeps/\(id)/curve.svg", "/api/sweeps/\(id)/summary", "/api/sweeps/\(id)/cells"]
        }) {
            #expect(site.respond(method: "GET", path: route).status == 200, "\(route)")
        }
        // A damaged store's sweep routes are error pages naming the store.
        for name in damage.keys {
            let storeID = String(StoreCatalog.hash(dir.appendingPathComponent(name).standardizedFileURL.path).prefix(8))
            for route in ["/sweeps/\(storeID)-1", "/sweeps/\(storeID)-1/curve.svg", "/api/sweeps/\(storeID)-1/summary", "/sweeps/\(storeID)-d1"] {
                let reply = site.respond(method: "GET", path: route)
                #expect(reply.status == 500 || reply.status == 404, "\(route) of \(name): \(reply.status)")
            }
        }
    }
}
