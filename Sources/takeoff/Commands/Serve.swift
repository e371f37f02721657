import ArgumentParser
import Foundation
import TakeoffEngine
import TakeoffServe

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch experiments in a browser while they run: sweeps, live learning curves, cells, ranking, ETA (read-only).",
        discussion: """
            Serves every *.sqlite store under the --out folders (default takeoff-out, looked at again every few seconds)
            and the stores given by --store. Binds to 127.0.0.1 unless --host says otherwise; the view has no authentication.
            JSON under /api/ (see the README).
            """)
    @Option(help: "A folder whose stores (*.sqlite, three levels deep) and activation races to serve; repeatable.") var out: [String] = []
    @Option(help: "A store file to serve; repeatable.") var store: [String] = []
    @Option(help: "Address to listen on. Anything but 127.0.0.1/localhost/::1 exposes the view, which has no authentication.")
    var host: String = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port: Int = 8080

    func run() throws {
        let folders = out.isEmpty && store.isEmpty ? ["takeoff-out"] : out
        let site = ServeSite(folders: folders, stores: store)
        let server = try TakeoffServer(site: site, host: host, port: port)
        if !TakeoffServer.isLoopback(host) {
            StandardStreams.error("""
                warning: serving on \(host): anyone who can reach this machine on port \(port) can read these experiments \
                (data set names, file paths, results); the view has no authentication.\n
                """)
        }
        let shown = host.contains(":") ? "[\(host)]" : host, served = (folders + store).joined(separator: ", ")
        do {
            try server.runBlocking { bound in
                StandardStreams.output("takeoff serve: http://\(shown):\(bound)/ — stores under \(served); Ctrl-C stops\n")
            }
        } catch { throw ValidationError("\(error)") }
    }
}
