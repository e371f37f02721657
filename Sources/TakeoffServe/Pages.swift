import Foundation
import TakeoffLab

/// The server's HTML. The sweep's figure, tables and analysis are the static report's own (``CurveReport/html``),
/// embedded as they are; this file adds only the frame around them: the index, the run's status and progress,
/// the cell list, and the script that keeps a page current.
enum Pages {
    /// Every string from data or a store goes through this before it is put into HTML.
    static func e(_ s: String) -> String { Plot.escape(s).replacingOccurrences(of: "'", with: "&#39;") }

    static func document(title: String, body: String, live: Bool, head: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0 auto 40px; max-width: 1080px; color: #222; padding: 0 16px; }
        header.top { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #ddd; padding: 10px 0; margin-bottom: 8px; }
        header.top a { color: #222; text-decoration: none; font-weight: bold; }
        #connection { color: #888; font-size: 12px; }
        table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        td.text { text-align: left; }
        th { background: #f4f4f4; }
        .note { color: #666; font-size: 13px; }
        .error { color: #a00; white-space: pre-wrap; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: white; background: #777; }
        .badge.running { background: #1f77b4; } .badge.finished { background: #2ca02c; } .badge.stopped { background: #8c564b; }
        .badge.failed, .badge.interrupted { background: #d62728; }
        .progress { background: #eee; border-radius: 4px; height: 14px; width: 100%; max-width: 640px; overflow: hidden; display: flex; }
        .progress span { display: block; height: 100%; }
        .progress .ok { background: #2ca02c; } .progress .bad { background: #d62728; } .progress .skipped { background: #bbb; }
        svg { max-width: 100%; height: auto; }
        details summary { cursor: pointer; margin: 8px 0; }
        </style>
        \(head)
        </head><body>
        <header class="top"><a href="/">Takeoff · experiments</a><span id="connection">\(live ? "live: checks the store every 2 s" : "")</span></header>
        \(body)
        \(live ? "<script src=\"/static/live.js\"></script>" : "")
        </body></html>

        """
    }

    static func time(_ d: Date) -> String {
        guard d != .distantPast else { return "—" }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: d)
    }

    static func duration(_ s: Double) -> String {
        s < 90 ? String(format: "%.0f s", s) : s < 5400 ? String(format: "%.0f min", s / 60) : String(format: "%.1f h", s / 3600)
    }

    static func badge(_ state: String) -> String { "<span class=\"badge \(e(state))\">\(e(state))</span>" }

    // MARK: Index

    /// The version string the index's script compares: the same text ``liveScript`` builds from `/api/sweeps`.
    static func indexVersion(_ rows: [(StoreCatalog.Store, SweepView?, String?)]) -> String {
        rows.compactMap { $0.1?.version }.joined(separator: ",") + "|" + String(rows.filter { $0.2 != nil }.count)
    }

    static func index(rows: [(StoreCatalog.Store, SweepView?, String?)], races: [StoreCatalog.Race], folders: [String], stores: [String]) -> String {
        var h = "<div id=\"live\" data-poll=\"/api/sweeps\" data-source=\"/\" data-version=\"\(e(indexVersion(rows)))\">\n"
        h += "<h1>Sweeps</h1>\n"
        let sources = folders.map { "<code>\(e($0))</code>" } + stores.map { "<code>\(e($0))</code>" }
        h += "<p class=\"note\">Stores under \(sources.joined(separator: ", ")), read-only. Newest activity first.</p>\n"
        let sweeps = rows.compactMap(\.1).sorted { $0.record.updatedAt > $1.record.updatedAt }
        if sweeps.isEmpty {
            h += "<p>No sweeps yet. Start one, e.g. <code>takeoff curve --data fashion-mnist --quick</code>; it appears here as its first cell lands.</p>\n"
        } else {
            h += "<table id=\"sweeps\"><tr><th>data</th><th>learners</th><th>status</th><th>cells done / planned</th><th>skipped</th>"
            h += "<th>failed</th><th>started</th><th>last update</th><th>time left</th><th>store</th></tr>\n"
            for v in sweeps {
                let c = v.counts
                let failed = (c["failed"] ?? 0) + (c["diverged"] ?? 0) + (c["gpu-failed"] ?? 0)
                h += "<tr data-sweep=\"\(e(v.sweep.id))\"><td class=\"text\"><a href=\"/sweeps/\(e(v.sweep.id))\">\(e(v.record.data))</a></td>"
                h += "<td class=\"text\">\(e(v.record.learners.map(\.name).joined(separator: ", ")))</td><td>\(badge(v.state))</td>"
                h += "<td>\(c["ok"] ?? 0) / \(v.record.cellsPlanned)</td><td>\(c["skipped-budget"] ?? 0)</td><td>\(failed)</td>"
                h += "<td>\(time(v.record.startedAt))</td><td>\(time(v.record.updatedAt))</td>"
                h += "<td>\(v.etaSeconds.map(duration) ?? "—")</td><td class=\"text\"><code>\(e(v.storePath))</code></td></tr>\n"
            }
            h += "</table>\n"
        }
        let errors = rows.filter { $0.2 != nil }
        if !errors.isEmpty {
            h += "<h2>Stores that cannot be shown</h2>\n<ul>\n"
            h += errors.map { "<li><code>\(e($0.0.path))</code>: <span class=\"error\">\(e($0.2 ?? ""))</span></li>" }.joined(separator: "\n")
            h += "\n</ul>\n"
        }
        if !races.isEmpty {
            h += "<h2>Activation races</h2>\n<ul>\n"
            h += races.map { "<li><a href=\"/activations/\($0.id)\">\(e($0.folder))</a></li>" }.joined(separator: "\n")
            h += "\n</ul>\n"
        }
        h += "<p class=\"note\">JSON: <a href=\"/api/sweeps\">/api/sweeps</a>.</p>\n</div>\n"
        return h
    }

    // MARK: Sweep

    /// The static report's stylesheet, for the head of the sweep page.
    static func reportStyle(_ v: SweepView) -> String {
        let html = v.report.html
        guard let a = html.range(of: "<style>"), let b = html.range(of: "</style>", range: a.upperBound..<html.endIndex) else { return "" }
        // Scoped loosely: the report's rules are written for its own page, whose body this page's report section is.
        return "<style>" + html[a.upperBound..<b.lowerBound].replacingOccurrences(of: "body {", with: "#report {") + "</style>"
    }

    /// The static report's body: what `report.html` shows, figure and tables, from the same code.
    static func reportBody(_ v: SweepView) -> String {
        let html = v.report.html
        guard let a = html.range(of: "<body>"), let b = html.range(of: "</body>", options: .backwards) else { return html }
        return String(html[a.upperBound..<b.lowerBound])
    }

    static func sweep(_ v: SweepView) -> String {
        let id = e(v.sweep.id)
        return "<div id=\"live\" data-poll=\"/api/sweeps/\(id)\" data-source=\"/sweeps/\(id)/live\" data-version=\"\(e(v.version))\">\n"
            + liveContent(v) + "</div>\n"
    }

    /// The part of the sweep page that the script replaces when the store changes.
    static func live(_ v: SweepView) -> String {
        "<!DOCTYPE html><html><body><div id=\"live\">\n" + liveContent(v) + "</div></body></html>\n"
    }

    static func liveContent(_ v: SweepView) -> String {
        let r = v.record
        let c = v.counts
        let ok = c["ok"] ?? 0, skipped = c["skipped-budget"] ?? 0
        let bad = (c["failed"] ?? 0) + (c["diverged"] ?? 0) + (c["gpu-failed"] ?? 0)
        let planned = max(r.cellsPlanned, 1)
        var h = "<section id=\"status\" data-state=\"\(e(v.state))\" data-cells-stored=\"\(v.done)\" data-cells-ok=\"\(ok)\" data-version=\"\(e(v.version))\">\n"
        h += "<p>\(badge(v.state)) <b>\(ok)</b> of \(r.cellsPlanned) cells measured"
        h += bad > 0 ? ", \(bad) failed" : ""
        h += skipped > 0 ? ", \(skipped) skipped by the budget" : ""
        if let eta = v.etaSeconds {
            h += "; about <b>\(duration(eta))</b> left (the planner's estimate"
            h += ", ends near \(time(v.readAt.addingTimeInterval(eta))))"
        }
        h += ".</p>\n<div class=\"progress\" title=\"\(ok) ok, \(bad) failed, \(skipped) skipped of \(r.cellsPlanned)\">"
        for (cls, n) in [("ok", ok), ("bad", bad), ("skipped", skipped)] where n > 0 {
            h += String(format: "<span class=\"%@\" style=\"width:%.2f%%\"></span>", cls, 100 * Double(n) / Double(planned))
        }
        h += "</div>\n<p class=\"note\">Data <code>\(e(r.data))</code>; learners \(e(r.learners.map(\.name).joined(separator: ", ")))"
        h += "; started \(time(r.startedAt)); last update \(time(r.updatedAt))"
        if r.pid > 0 { h += "; process \(r.pid) on \(e(r.host))" }
        h += "; store <code>\(e(v.storePath))</code>"
        if !v.sweep.recorded { h += ". This store was written before runs recorded their data and plan: the grid shown is the one its cells cover" }
        h += ".</p>\n"
        if let error = r.error { h += "<p>The run ended with an error:</p><pre class=\"error\">\(e(error))</pre>\n" }
        h += "</section>\n<section id=\"report\">\n" + reportBody(v) + "\n</section>\n"
        h += cellTable(v)
        let id = e(v.sweep.id)
        h += "<p class=\"note\">JSON: <a href=\"/api/sweeps/\(id)\">sweep</a>, <a href=\"/api/sweeps/\(id)/cells\">cells</a>, "
        h += "<a href=\"/api/sweeps/\(id)/summary\">summary</a>; <a href=\"/sweeps/\(id)/curve.svg\">curve.svg</a>, "
        h += "<a href=\"/sweeps/\(id)/report.html\">report.html</a> as a run writes it.</p>\n"
        return h
    }

    static func cellTable(_ v: SweepView) -> String {
        var h = "<details id=\"cells\"><summary>Every stored cell (\(v.cells.count)), newest first</summary>\n"
        h += "<table><tr><th>learner</th><th>m</th><th>seed</th><th>status</th><th>test accuracy</th><th>fit</th><th>finished</th><th>error</th></tr>\n"
        for c in v.cells.sorted(by: { ($0.finishedAt ?? .distantPast) > ($1.finishedAt ?? .distantPast) }) {
            let r = c.result
            h += "<tr><td>\(e(r.key.learner))</td><td>\(r.key.m)</td><td>\(r.key.seed)</td><td>\(e(r.status.rawValue))</td>"
            h += "<td>\(r.accuracy.map { String(format: "%.2f%%", $0 * 100) } ?? "—")</td><td>\(r.fitSeconds.map { String(format: "%.2f s", $0) } ?? "—")</td>"
            h += "<td>\(c.finishedAt.map(time) ?? "—")</td><td class=\"text\">\(e(r.error ?? ""))</td></tr>\n"
        }
        return h + "</table></details>\n"
    }

    /// Polls the page's JSON every 2 s; when its version changes, fetches the page's live part and swaps it in.
    static let liveScript = """
        (function () {
          var live = document.getElementById('live');
          if (!live) return;
          var poll = live.dataset.poll, source = live.dataset.source, version = live.dataset.version, updates = 0;
          var connection = document.getElementById('connection');
          function versionOf(j) {
            if (j.version !== undefined) return j.version;
            return (j.sweeps || []).map(function (s) { return s.version; }).join(',') + '|' + String((j.errors || []).length);
          }
          function tick() {
            fetch(poll, { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (j) {
              var v = versionOf(j);
              connection.textContent = 'live: checked ' + new Date().toLocaleTimeString();
              if (v === version) return;
              return fetch(source, { cache: 'no-store' }).then(function (r) { return r.text(); }).then(function (text) {
                var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
                if (!fresh) return;
                var open = live.querySelector('details[open]') !== null;
                live.innerHTML = fresh.innerHTML;
                if (open && live.querySelector('details')) live.querySelector('details').open = true;
                version = v; updates += 1;
                live.dataset.version = v; live.dataset.updates = String(updates);
              });
            }).catch(function () {
              connection.textContent = 'live: server not reachable, retrying';
            }).then(function () { setTimeout(tick, 2000); });
          }
          setTimeout(tick, 2000);
        })();

        """
}
