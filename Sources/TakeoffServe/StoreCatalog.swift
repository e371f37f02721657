import Foundation
import TakeoffEngine
import TakeoffLab

/// The stores a server shows: the files given by `--store` and every `*.sqlite` found under the `--out`
/// folders (looked for again at most every few seconds, so a curve started after the server appears), and the
/// activation races found there. Stores are opened read-only; whatever is derived from one (its sweeps, each
/// sweep's report) is kept until SQLite's `data_version` says another process committed.
final class StoreCatalog: @unchecked Sendable {
    /// One store file, opened or not.
    final class Store: @unchecked Sendable {
        let path: String
        /// Stable for a path: the first 8 hex digits of its hash, used in URLs.
        let id: String
        var store: ResultStore?
        var openError: String?
        /// `data_version` when `sweeps` was read.
        var version: Int?
        var sweeps: [Sweep] = []
        /// Derived views by sweep id, valid for ``version``.
        var views: [String: SweepView] = [:]
        /// Rendered answers by sweep id and route, valid for ``version``: a burst of clients loading the same
        /// page costs one rendering of it, not one each.
        var rendered: [String: ServeSite.Reply] = [:]
        /// Bumped every time the store is found changed: the version clients compare.
        var generation = 0

        init(path: String) {
            self.path = path
            id = String(StoreCatalog.hash(path).prefix(8))
        }
    }

    /// A sweep: recorded by the run, or (in a store made before runs recorded themselves) one data set's cells.
    struct Sweep: Sendable {
        /// `STORE-N` for a recorded sweep (N its row id), `STORE-dN` for the N-th data set of an unrecorded one.
        var id: String
        var record: SweepRecord
        var recorded: Bool
    }

    /// An activation race written by `takeoff activations` under an `--out` folder.
    struct Race: Sendable {
        var id: String
        var folder: String
    }

    let folders: [String]
    let explicitStores: [String]
    private let lock = NSRecursiveLock()  // `rendered` builds the view it renders while holding it
    private var stores: [String: Store] = [:]
    private var races: [Race] = []
    private var scannedAt: Date?
    var rescanInterval: TimeInterval = 3

    init(folders: [String], stores: [String]) {
        self.folders = folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        explicitStores = stores.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    static func hash(_ text: String) -> String { String(format: "%016llx", fnv1a(text)) }

    /// Runs `body` holding the catalog's lock: one request at a time reads a store or rebuilds a view, so fifty
    /// clients asking for the same page cost one analysis, not fifty.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Every store, in path order, refreshed: found anew under the folders if the last look is old, reopened if it
    /// failed before, its sweeps reread if the file changed.
    func allStores() -> [Store] {
        locked {
            rescanIfDue()
            return stores.values.sorted { $0.path < $1.path }.map { refresh($0); return $0 }
        }
    }

    func allRaces() -> [Race] { locked { rescanIfDue(); return races } }

    /// The sweep with `id` and its store, refreshed; nil when there is none.
    func sweep(_ id: String) -> (Store, Sweep)? {
        locked {
            rescanIfDue()
            let storeID = String(id.prefix { $0 != "-" })
            guard let store = stores.values.first(where: { $0.id == storeID }) else { return nil }
            refresh(store)
            guard let sweep = store.sweeps.first(where: { $0.id == id }) else { return nil }
            return (store, sweep)
        }
    }

    /// The store with `id`, refreshed.
    func store(_ id: String) -> Store? {
        locked {
            rescanIfDue()
            guard let store = stores.values.first(where: { $0.id == id }) else { return nil }
            refresh(store)
            return store
        }
    }

    func race(_ id: String) -> Race? { locked { rescanIfDue(); return races.first { $0.id == id } } }

    /// The view of `sweep` in `store`, computed once per change of the store.
    func view(of sweep: Sweep, in store: Store) throws -> SweepView {
        try locked {
            if let cached = store.views[sweep.id] { return cached }
            guard let reader = store.store else { throw CurveError.unreadableStore(path: store.path, detail: store.openError ?? "not open") }
            let view = try SweepView(sweep: sweep, store: reader, version: "\(store.id).\(store.generation)")
            store.views[sweep.id] = view
            return view
        }
    }

    /// `render(view)` for `route` of `sweep`, rendered once per change of the store. Rendering holds the lock, so
    /// concurrent requests for the same page wait for the first one's result instead of each rendering it.
    func rendered(_ route: String, of sweep: Sweep, in store: Store, render: (SweepView) throws -> ServeSite.Reply) throws -> ServeSite.Reply {
        try locked {
            let key = sweep.id + "/" + route
            if let cached = store.rendered[key] { return cached }
            let data = try render(try view(of: sweep, in: store))
            store.rendered[key] = data
            return data
        }
    }

    private func rescanIfDue() {
        if let scannedAt, Date().timeIntervalSince(scannedAt) < rescanInterval { return }
        scannedAt = Date()
        var paths = explicitStores
        var found: [Race] = []
        for folder in folders {
            let (storeFiles, raceFolders) = Self.scan(folder)
            paths += storeFiles
            found += raceFolders.map { Race(id: String(Self.hash($0).prefix(8)), folder: $0) }
        }
        for path in paths where stores[path] == nil { stores[path] = Store(path: path) }
        races = found.sorted { $0.folder < $1.folder }
    }

    /// `*.sqlite` files and folders holding an activation race's report, at most three levels under `folder`.
    static func scan(_ folder: String, depth: Int = 3) -> (stores: [String], races: [String]) {
        let fm = FileManager.default
        guard depth >= 0, let names = try? fm.contentsOfDirectory(atPath: folder) else { return ([], []) }
        var stores: [String] = [], races: [String] = []
        if names.contains("activations.svg") && names.contains("report.html") { races.append(folder) }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                let inner = scan(path, depth: depth - 1)
                stores += inner.stores
                races += inner.races
            } else if name.hasSuffix(".sqlite") {
                stores.append(path)
            }
        }
        return (stores, races)
    }

    /// Opens the store if it is not open, and rereads its sweeps if another process committed since.
    private func refresh(_ store: Store) {
        if store.store == nil {
            do {
                store.store = try ResultStore(path: store.path, readOnly: true)
                store.openError = nil
            } catch {
                store.openError = "\(error)"
                store.sweeps = []
                return
            }
        }
        guard let reader = store.store else { return }
        do {
            let version = try reader.dataVersion()
            if version == store.version { return }
            store.sweeps = try Self.sweeps(in: reader, storeID: store.id)
            store.version = version
            store.views = [:]
            store.rendered = [:]
            store.generation += 1
            store.openError = nil
        } catch {
            store.openError = "\(error)"
            store.store = nil
            store.version = nil
            store.sweeps = []
        }
    }

    /// The recorded sweeps, then one sweep per data set whose cells no recorded sweep covers.
    static func sweeps(in store: ResultStore, storeID: String) throws -> [Sweep] {
        let recorded = try store.sweeps()
        var out = recorded.map { Sweep(id: "\(storeID)-\($0.id ?? 0)", record: $0, recorded: true) }
        let covered = Set(recorded.map(\.dataset))
        for (n, grid) in try store.storedGrids().enumerated() where !covered.contains(grid.dataset) {
            let finished = try store.finishTimes(dataset: grid.dataset).values
            let record = SweepRecord.inferred(dataset: grid.dataset, learners: grid.learners, sizes: grid.sizes, seeds: grid.seeds,
                                              firstCell: finished.min() ?? .distantPast, lastCell: finished.max() ?? .distantPast)
            out.append(Sweep(id: "\(storeID)-d\(n + 1)", record: record, recorded: false))
        }
        return out
    }
}
