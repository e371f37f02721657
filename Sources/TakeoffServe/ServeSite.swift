import Foundation
import TakeoffLab

/// What the server answers, without the network: a request's method and path in, a status, headers and body
/// out. ``TakeoffServer`` puts it on a socket; tests call ``respond(method:path:)`` directly.
///
/// Nothing here reads a file named by a URL: every route is a fixed pattern whose only variable part is an id
/// (`[0-9a-f]{8}-d?[0-9]+`) looked up among the stores and race folders found at start or by rescanning the
/// `--out` folders. Anything else is 404.
public final class ServeSite: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var contentType: String
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    let catalog: StoreCatalog

    /// A site over the `*.sqlite` stores under `folders` and the store files `stores`.
    public init(folders: [String], stores: [String]) {
        catalog = StoreCatalog(folders: folders, stores: stores)
    }

    /// Longest path answered; longer ones get 414.
    public static let maxPathLength = 2048

    public func respond(method: String, path: String) -> Reply {
        guard path.utf8.count <= Self.maxPathLength else { return Self.page(414, title: "URL too long", body: "<p>The address is too long.</p>") }
        guard method == "GET" || method == "HEAD" else {
            return Self.page(405, title: "Method not allowed", body: "<p>This view is read-only: only GET is answered.</p>")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch parts {
        case [""], ["index.html"]: return index()
        case ["static", "live.js"]: return Reply(status: 200, contentType: "text/javascript; charset=utf-8", body: Data(Pages.liveScript.utf8))
        case ["api", "sweeps"]: return json(apiSweeps())
        case let p where p.count >= 2 && p[0] == "sweeps" && Self.isID(p[1]):
            return sweepRoute(id: p[1], rest: Array(p.dropFirst(2)))
        case let p where p.count >= 3 && p[0] == "api" && p[1] == "sweeps" && Self.isID(p[2]):
            return apiSweepRoute(id: p[2], rest: Array(p.dropFirst(3)))
        case let p where p.count == 2 && p[0] == "activations" && Self.isID(p[1]):
            return activation(id: p[1])
        default:
            return notFound()
        }
    }

    /// Ids are 8 hex digits, optionally `-` and a number (or `d` and a number): nothing a path could hide in.
    static func isID(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.count <= 24, parts.count <= 2, parts[0].count == 8, parts[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return false }
        guard parts.count == 2 else { return true }
        let n = parts[1].hasPrefix("d") ? parts[1].dropFirst() : parts[1][...]
        return !n.isEmpty && n.allSatisfy { $0.isASCII && $0.isNumber }
    }

    // MARK: Pages

    func index() -> Reply {
        let stores = catalog.allStores()
        var rows: [(StoreCatalog.Store, SweepView?, String?)] = []
        for store in stores {
            if let error = store.openError { rows.append((store, nil, error)); continue }
            for sweep in store.sweeps {
                do { rows.append((store, try catalog.view(of: sweep, in: store), nil)) } catch { rows.append((store, nil, "\(error)")) }
            }
        }
        return Self.page(200, title: "Takeoff", body: Pages.index(rows: rows, races: catalog.allRaces(), folders: catalog.folders, stores: catalog.explicitStores),
                         live: true)
    }

    func sweepRoute(id: String, rest: [String]) -> Reply {
        guard rest.count <= 1 else { return notFound() }
        guard let (store, sweep) = catalog.sweep(id) else {
            if let store = catalog.store(String(id.prefix(8))), let error = store.openError { return storeError(store.path, error) }
            return notFound()
        }
        let render: (SweepView) -> Reply
        switch rest.first ?? "" {
        case "": render = { Self.page(200, title: $0.report.title, body: Pages.sweep($0), live: true, head: Pages.reportStyle($0)) }
        case "live": render = { Reply(status: 200, contentType: "text/html; charset=utf-8", body: Data(Pages.live($0).utf8)) }
        case "curve.svg": render = { Reply(status: 200, contentType: "image/svg+xml", body: Data($0.report.chart.svg.utf8)) }
        case "report.html": render = { Reply(status: 200, contentType: "text/html; charset=utf-8", body: Data($0.report.html.utf8)) }
        default: return notFound()
        }
        do { return try catalog.rendered(rest.first ?? "", of: sweep, in: store, render: render) } catch { return storeError(store.path, "\(error)") }
    }

    func apiSweeps() -> APIModel.SweepList {
        var list = APIModel.SweepList(sweeps: [], errors: [])
        for store in catalog.allStores() {
            if let error = store.openError { list.errors.append(.init(store: store.path, error: error)); continue }
            for sweep in store.sweeps {
                do { list.sweeps.append(APIModel.sweep(try catalog.view(of: sweep, in: store))) } catch {
                    list.errors.append(.init(store: store.path, error: "\(error)"))
                }
            }
        }
        return list
    }

    func apiSweepRoute(id: String, rest: [String]) -> Reply {
        guard let (store, sweep) = catalog.sweep(id) else {
            if let store = catalog.store(String(id.prefix(8))), let error = store.openError {
                return json(APIModel.StoreError(store: store.path, error: error), status: 500)
            }
            return json(["error": "no sweep \(id)"], status: 404)
        }
        let render: (SweepView) -> Reply
        switch rest {
        case [], [""]: render = { self.json(APIModel.sweep($0)) }
        case ["cells"]: render = { self.json(APIModel.cells($0)) }
        case ["summary"]:
            render = { v in
                do { return Reply(status: 200, contentType: "application/json", body: try v.report.summaryJSON()) } catch {
                    return self.json(["error": "\(error)"], status: 500)
                }
            }
        default: return json(["error": "unknown path"], status: 404)
        }
        do { return try catalog.rendered("api/" + rest.joined(separator: "/"), of: sweep, in: store, render: render) } catch {
            return json(APIModel.StoreError(store: store.path, error: "\(error)"), status: 500)
        }
    }

    func activation(id: String) -> Reply {
        guard let race = catalog.race(id) else { return notFound() }
        let file = URL(fileURLWithPath: race.folder).appendingPathComponent("report.html")
        guard let data = try? Data(contentsOf: file) else { return storeError(file.path, "the report could not be read") }
        return Reply(status: 200, contentType: "text/html; charset=utf-8", body: data)
    }

    func notFound() -> Reply {
        Self.page(404, title: "Not found", body: "<p>Nothing here. <a href=\"/\">All sweeps</a>.</p>")
    }

    func storeError(_ path: String, _ message: String) -> Reply {
        Self.page(500, title: "Store not readable",
                  body: "<p>The store <code>\(Pages.e(path))</code> cannot be shown:</p><pre class=\"error\">\(Pages.e(message))</pre>"
                      + "<p><a href=\"/\">All sweeps</a></p>")
    }

    func json(_ value: some Encodable, status: Int = 200) -> Reply {
        Reply(status: status, contentType: "application/json", body: APIModel.encode(value))
    }

    static func page(_ status: Int, title: String, body: String, live: Bool = false, head: String = "") -> Reply {
        Reply(status: status, contentType: "text/html; charset=utf-8", body: Data(Pages.document(title: title, body: body, live: live, head: head).utf8))
    }
}
