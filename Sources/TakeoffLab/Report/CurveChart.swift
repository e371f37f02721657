import Foundation

/// The scale figure as SVG. Left: test accuracy against m, both on log scales of the error
/// (1 − accuracy), so power laws are straight and the top end is spread out; the axis spans the
/// data. Each learner's line is labelled where it ends; a filled point is the mean of every planned
/// seed, a hollow one had fewer (the count beside it). Past its last measurement every learner's
/// forecast (``Forecaster``) goes on dashed inside its 80% band to ``Analysis/forecastTo``, and sizes
/// whose cells could not be run carry a hollow diamond on it. Right: fit time against m (log–log). The key sits under the panel it explains.
/// Another metric (``Analysis/metric``: ROC AUC, log loss) is drawn the same way on its score, labelled
/// in its own values.
public struct CurveChart {
    public var title: String
    public var analysis: Analysis
    /// Seeds planned per point (default: the most any point has).
    public var seedsPlanned: Int?
    /// A line under the title, e.g. the data set's sizes.
    public var subtitle: String?

    public init(title: String, analysis: Analysis, seedsPlanned: Int? = nil, subtitle: String? = nil) {
        self.title = title
        self.analysis = analysis
        self.seedsPlanned = seedsPlanned
        self.subtitle = subtitle
    }

    public static func color(_ i: Int) -> String { Plot.palette[i % Plot.palette.count] }

    /// A frame with a logarithmic x axis (m) and a y axis that is logarithmic either in the value
    /// (seconds) or in one minus it (accuracy, drawn with the best at the top).
    struct Frame {
        var x0, y0, width, height: Double
        var xLo, xHi, yLo, yHi: Double
        /// y is accuracy, drawn on log(1 − accuracy); yLo/yHi are errors (yLo at the top).
        var errorScale: Bool
        func x(_ m: Double) -> Double { x0 + (log(m) - log(xLo)) / (log(xHi) - log(xLo)) * width }
        func y(_ v: Double) -> Double {
            if errorScale {
                let e = min(max(1 - v, yLo), yHi)
                return y0 + (log(e) - log(yLo)) / (log(yHi) - log(yLo)) * height
            }
            let s = min(max(v, yLo), yHi)
            return y0 + height - (log(s) - log(yLo)) / (log(yHi) - log(yLo)) * height
        }
        var right: Double { x0 + width }
        var bottom: Double { y0 + height }
    }

    var curves: [Analysis.LearnerCurve] { analysis.learners.filter { !$0.points.isEmpty } }
    var planned: Int { seedsPlanned ?? curves.flatMap(\.points).map(\.seeds.count).max() ?? 1 }

    /// The accuracies the left panel spans, lowest and highest: the measured means ± their spread and
    /// the predicted bands, padded by a twentieth of the span on the error's log scale.
    var accuracyRange: (low: Double, high: Double) {
        let errors = errorRange
        return (1 - errors.hi, 1 - errors.lo)
    }

    var errorRange: (lo: Double, hi: Double) {
        let accuracies = curves.flatMap { $0.points.flatMap { [$0.mean - $0.spread, $0.mean + $0.spread] } }
        let measuredErrors = accuracies.filter(\.isFinite).map { min(max(1 - $0, 1e-4), 1) }
        // Forecast bands count down to a quarter of the smallest measured error: a band that runs on to 100% is clipped there.
        let floor = (measuredErrors.min() ?? 1e-4) / 4
        let forecastErrors = curves.flatMap { $0.forecast.flatMap { [$0.low, $0.high] } }.filter(\.isFinite).map { min(max(1 - $0, floor, 1e-4), 1) }
        let errors = measuredErrors + forecastErrors
        guard var lo = errors.min(), var hi = errors.max() else { return (0.01, 1) }
        if hi / lo < 1.25 { (lo, hi) = (lo / 1.1, hi * 1.1) }
        let pad = pow(hi / lo, 0.05)
        return (max(lo / pad, 1e-4), min(hi * pad, 1))
    }

    public var svg: String {
        let curves = self.curves
        let seconds = curves.flatMap(\.points).map(\.fitSeconds).filter { $0.isFinite && $0 > 0 }
        let accuracy = Frame(x0: 76, y0: 86, width: 580, height: 400, xLo: 1, xHi: 10, yLo: 0.01, yHi: 1, errorScale: true)
        var key: [(symbol: String, text: String)] = []
        var body = ""
        guard !curves.isEmpty else {
            let document = SVGDocument(width: 1010, height: 200, title: title, subtitle: subtitle)
            return document.wrapping("<text x=\"\(f(document.fittedWidth / 2))\" y=\"120\" text-anchor=\"middle\">no finished cells to plot</text>\n")
        }
        let measuredM = curves.flatMap { $0.points.map { Double($0.m) } }
        let allM = measuredM + curves.flatMap { $0.forecast.map(\.m) }
        var acc = accuracy
        (acc.xLo, acc.xHi) = (measuredM.min()! / 1.25, allM.max()! * 1.25)
        (acc.yLo, acc.yHi) = errorRange
        let sLo = pow(10, floor(log10(seconds.min() ?? 0.01))), sHi = pow(10, ceil(log10(max(seconds.max() ?? 1, sLo * 10))))
        // Placed right of the accuracy panel's end labels once they are known (below).
        var time = Frame(x0: 0, y0: 86, width: 170, height: 400, xLo: acc.xLo, xHi: measuredM.max()! * 1.25, yLo: sLo, yHi: sHi, errorScale: false)

        let metric = analysis.metric
        let ticks = Self.scoreTicks(errors: (acc.yLo, acc.yHi), metric: metric, most: AxisTicks.room(tall: acc.height))
        acc.x0 = max(acc.x0, Self.yAxisRoom(ticks.map(\.label)))
        let yLabel: String = switch metric {
        case .accuracy: "test accuracy (log scale of the error, 1 − accuracy)"
        case .auc: "test ROC AUC (log scale of 1 − AUC)"
        case .logloss: "test log loss (log scale of 1 − e^(−log loss))"
        }
        body += axes(acc, yTicks: ticks, xLabel: "training examples m (log scale)",
                     yLabel: yLabel, heading: "\(metric.title.prefix(1).uppercased() + metric.title.dropFirst()): \(metric.direction)")

        var bands = "", lines = "", marks = ""
        var accLabels: [(y: Double, anchor: (Double, Double), text: String, color: String)] = []
        var timed: [(name: String, color: String, points: [Analysis.Point])] = []
        for (i, c) in curves.enumerated() {
            let color = Self.color(i), name = Plot.escape(c.learner)
            let pts = c.points
            if pts.count >= 2, pts.contains(where: { $0.spread > 0 }) {
                let upper = pts.map { "\(f(acc.x(Double($0.m)))),\(f(acc.y($0.mean + $0.spread)))" }
                let lower = pts.reversed().map { "\(f(acc.x(Double($0.m)))),\(f(acc.y($0.mean - $0.spread)))" }
                bands += "<polygon class=\"spread\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.14\" stroke=\"none\"/>\n"
            }
            lines += "<polyline class=\"measured\" data-learner=\"\(name)\" points=\"\(pts.map { "\(f(acc.x(Double($0.m)))),\(f(acc.y($0.mean)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.2\"/>\n"
            for p in pts {
                let (x, y) = (acc.x(Double(p.m)), acc.y(p.mean))
                let full = p.seeds.count >= planned
                marks += "<circle class=\"measured\" data-learner=\"\(name)\" data-m=\"\(p.m)\" data-seeds=\"\(p.seeds.count)\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.6\" "
                    + (full ? "fill=\"\(color)\"" : "fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.6\"")
                    + "><title>\(name) m = \(Analysis.count(p.m)): \(metric.text(ofScore: p.mean, digits: metric == .accuracy ? 2 : 4)), \(p.seeds.count) seed\(p.seeds.count == 1 ? "" : "s")</title></circle>\n"
                if !full {
                    marks += "<text x=\"\(f(x + 4))\" y=\"\(f(y + 13))\" font-size=\"10\" fill=\"\(color)\">\(p.seeds.count)</text>\n"
                }
            }
            var end = (acc.x(Double(pts.last!.m)), acc.y(pts.last!.mean))
            // A line that stops short of the sizes asked for says why.
            let stopped = !c.notRun.isEmpty && c.predicted.isEmpty
            var label = "\(name) \(metric.text(ofScore: pts.last!.mean, digits: metric == .accuracy ? 1 : 3))" + (stopped ? ", then not run" : "")
            if let forecastEnd = c.forecastEnd, c.forecast.count >= 2 {
                // From the last measurement along the forecast's median, inside its 80% band, to the forecast's end.
                let samples = c.forecast
                let upper = samples.map { "\(f(acc.x($0.m))),\(f(acc.y($0.high)))" }
                let lower = samples.reversed().map { "\(f(acc.x($0.m))),\(f(acc.y($0.low)))" }
                bands += "<polygon class=\"forecast-band\" data-learner=\"\(name)\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.08\" stroke=\"\(color)\" stroke-opacity=\"0.3\" stroke-width=\"0.8\" stroke-dasharray=\"3 3\"/>\n"
                lines += "<polyline class=\"forecast\" data-learner=\"\(name)\" points=\"\(samples.map { "\(f(acc.x($0.m))),\(f(acc.y($0.value)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" stroke-dasharray=\"7 4\"><title>\(name): forecast \(metric.text(ofScore: forecastEnd.value)) [\(metric.text(ofScore: forecastEnd.low)), \(metric.text(ofScore: forecastEnd.high))] at m = \(Analysis.count(Int(forecastEnd.m.rounded()))), not measured</title></polyline>\n"
                for p in c.predicted {
                    let (x, y) = (acc.x(Double(p.m)), acc.y(p.accuracy))
                    marks += "<path class=\"predicted\" data-learner=\"\(name)\" data-m=\"\(p.m)\" d=\"M\(f(x)) \(f(y - 5))L\(f(x + 5)) \(f(y))L\(f(x)) \(f(y + 5))L\(f(x - 5)) \(f(y))Z\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.6\">"
                        + "<title>\(name) m = \(Analysis.count(p.m)): forecast \(metric.text(ofScore: p.accuracy)) [\(metric.text(ofScore: p.low)), \(metric.text(ofScore: p.high))], not measured</title></path>\n"
                }
                end = (acc.x(forecastEnd.m), acc.y(forecastEnd.value))
                label = "\(name) \(metric.text(ofScore: pts.last!.mean, digits: metric == .accuracy ? 1 : 3)) → "
                    + "≈\(metric.text(ofScore: forecastEnd.value, digits: metric == .accuracy ? 1 : 3))"
            }
            accLabels.append((end.1, end, label, color))

            let withTime = pts.filter { $0.fitSeconds.isFinite && $0.fitSeconds > 0 }
            if !withTime.isEmpty { timed.append((name, color, withTime)) }
        }
        body += bands + lines + marks
        body += Self.endLabels(accLabels, x: acc.right + 10, top: acc.y0, bottom: acc.bottom)

        // The fit-time panel starts past the widest end label and the room its own tick labels and axis title take;
        // the figure ends past the widest of its end labels. Curves read from a file may carry no fit times: then
        // there is no time panel.
        let accLabelsEnd = acc.right + 10 + (accLabels.map { Self.labelWidth($0.text) }.max() ?? 0)
        var width = accLabelsEnd + 16
        if !timed.isEmpty {
            let secondsTicks = Self.secondsTicks(sLo, sHi, most: AxisTicks.room(tall: time.height))
            time.x0 = max(accLabelsEnd + 10 + Self.yAxisRoom(secondsTicks.map(\.1)), 900)
            body += axes(time, yTicks: secondsTicks, xLabel: "m (log scale)",
                         yLabel: "fit time (log scale)", heading: "Fit time")
            var timeLabels: [(y: Double, anchor: (Double, Double), text: String, color: String)] = []
            for series in timed {
                let pts = series.points, color = series.color
                body += "<polyline points=\"\(pts.map { "\(f(time.x(Double($0.m)))),\(f(time.y($0.fitSeconds)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"/>\n"
                for p in pts { body += "<circle cx=\"\(f(time.x(Double(p.m))))\" cy=\"\(f(time.y(p.fitSeconds)))\" r=\"2.4\" fill=\"\(color)\"/>\n" }
                let anchor = (time.x(Double(pts.last!.m)), time.y(pts.last!.fitSeconds))
                timeLabels.append((anchor.1, anchor, series.name, color))
            }
            body += Self.endLabels(timeLabels, x: time.right + 10, top: time.y0, bottom: time.bottom)
            width = time.right + 10 + (timeLabels.map { Self.labelWidth($0.text) }.max() ?? 0) + 16
        }
        width = max(width, 1010)

        // The key, under the accuracy panel only.
        key.append(("measured", planned > 1 ? "measured: mean of \(planned) seeds" : "measured (one seed)"))
        if curves.contains(where: { $0.points.contains { $0.seeds.count < planned } }) { key.append(("fewer", "fewer seeds (the number beside it)")) }
        if curves.contains(where: { $0.points.contains { $0.spread > 0 } }) { key.append(("spread", "±1 sd over seeds")) }
        if curves.contains(where: { $0.forecastEnd != nil }) {
            key.append(("predicted", "forecast: median and 80% interval, not measured"))
        }
        let keyTop = acc.bottom + 62, rowHeight = 24.0
        for (k, item) in key.enumerated() {
            // Two to a row; the closing note has a row of its own.
            let x = item.symbol == "note" ? acc.x0 : acc.x0 + Double(k % 2) * 300
            let y = keyTop + Double(item.symbol == "note" ? (k + 1) / 2 : k / 2) * rowHeight
            switch item.symbol {
            case "measured": body += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 28))\" y2=\"\(f(y))\" stroke=\"#444\" stroke-width=\"2.2\"/><circle cx=\"\(f(x + 14))\" cy=\"\(f(y))\" r=\"3.6\" fill=\"#444\"/>\n"
            case "fewer": body += "<circle cx=\"\(f(x + 14))\" cy=\"\(f(y))\" r=\"3.6\" fill=\"white\" stroke=\"#444\" stroke-width=\"1.6\"/><text x=\"\(f(x + 20))\" y=\"\(f(y + 10))\" font-size=\"10\" fill=\"#444\">1</text>\n"
            case "spread": body += "<rect x=\"\(f(x))\" y=\"\(f(y - 6))\" width=\"28\" height=\"12\" fill=\"#444\" fill-opacity=\"0.14\"/>\n"
            case "note": break
            default: body += "<rect x=\"\(f(x))\" y=\"\(f(y - 6))\" width=\"28\" height=\"12\" fill=\"#444\" fill-opacity=\"0.10\"/><line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 28))\" y2=\"\(f(y))\" stroke=\"#444\" stroke-width=\"2\" stroke-dasharray=\"7 4\"/>"
                + "<path d=\"M\(f(x + 28)) \(f(y - 5))L\(f(x + 33)) \(f(y))L\(f(x + 28)) \(f(y + 5))L\(f(x + 23)) \(f(y))Z\" fill=\"white\" stroke=\"#444\" stroke-width=\"1.6\"/>\n"
            }
            body += "<text x=\"\(f(item.symbol == "note" ? x : x + 40))\" y=\"\(f(y + 4))\"\(item.symbol == "note" ? " fill=\"#666\"" : "")>\(Plot.escape(item.text))</text>\n"
        }
        let rows = key.last?.symbol == "note" ? (key.count - 1 + 1) / 2 + 1 : (key.count + 1) / 2
        let height = keyTop + Double(rows - 1) * rowHeight + 18
        return SVGDocument(width: width.rounded(.up), height: height, title: title, subtitle: subtitle).wrapping(body)
    }

    /// The drawn width of an end label (bold; `text` is escaped, as ``endLabels(_:x:top:bottom:)`` takes it).
    static func labelWidth(_ text: String) -> Double {
        let plain = text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
        return SVGDocument.textWidth(plain, bold: true)
    }

    /// Labels in a column right of a panel, each at the height of its line's end (moved apart to stay
    /// legible, with a thin leader back to the end, dotted where it crosses the panel); `text` is already escaped.
    static func endLabels(_ labels: [(y: Double, anchor: (Double, Double), text: String, color: String)], x: Double, top: Double, bottom: Double) -> String {
        let gap = 14.0
        let sorted = labels.sorted { $0.y < $1.y }
        var ys = sorted.map { min(max($0.y, top + 6), bottom - 2) }
        for k in ys.indices.dropFirst() { ys[k] = max(ys[k], ys[k - 1] + gap) }
        if let last = ys.last, last > bottom - 2 {
            ys[ys.count - 1] = bottom - 2
            for k in ys.indices.dropLast().reversed() { ys[k] = min(ys[k], ys[k + 1] - gap) }
        }
        var s = ""
        for (l, y) in zip(sorted, ys) {
            // A leader that crosses the panel (a line that ends early) is dotted, so it does not read as a flat curve.
            let dots = x - l.anchor.0 > 40 ? " stroke-dasharray=\"1 3\"" : ""
            s += "<polyline points=\"\(f(l.anchor.0 + 4)),\(f(l.anchor.1)) \(f(x - 6)),\(f(l.anchor.1)) \(f(x - 2)),\(f(y - 4))\" fill=\"none\" stroke=\"\(l.color)\" stroke-opacity=\"0.5\" stroke-width=\"0.8\"\(dots)/>\n"
            s += "<text class=\"end-label\" x=\"\(f(x))\" y=\"\(f(y))\" fill=\"\(l.color)\" font-weight=\"bold\">\(l.text)</text>\n"
        }
        return s
    }

    /// The left panel's ticks (``AxisTicks``) for errors (1 − score) from `errors.lo` to `errors.hi`: round accuracies
    /// or AUCs, or round log losses; each as the score the frame places and its label.
    static func scoreTicks(errors: (lo: Double, hi: Double), metric: CurveMetric, most: Int = 8) -> [(score: Double, label: String)] {
        switch metric {
        case .accuracy:
            return AxisTicks.logarithmic(errors.lo, errors.hi, most: most).map { (1 - $0.value, AxisTicks.Tick(value: 1 - $0.value, decimals: $0.decimals).percent) }
        case .auc:
            return AxisTicks.logarithmic(errors.lo, errors.hi, most: most).map { (1 - $0.value, AxisTicks.Tick(value: 1 - $0.value, decimals: $0.decimals).label) }
        case .logloss:
            // Score e^(−L) = 1 − error, so L = −ln(1 − error).
            return AxisTicks.logarithmic(-log(1 - errors.lo), -log(1 - min(errors.hi, 1 - 1e-12)), most: most).map { (exp(-$0.value), $0.label) }
        }
    }

    /// Round seconds (``AxisTicks``) from lo to hi.
    static func secondsTicks(_ lo: Double, _ hi: Double, most: Int = 8) -> [(Double, String)] {
        AxisTicks.logarithmic(lo, hi, most: most).map { ($0.value, secondsLabel($0.value)) }
    }

    /// Frame, grid, log ticks on x (``AxisTicks``, as many as the width holds), the given y ticks, labels.
    func axes(_ fr: Frame, yTicks: [(Double, String)], xLabel: String, yLabel: String, heading: String) -> String {
        var s = "<g>\n<text x=\"\(f(fr.x0))\" y=\"\(f(fr.y0 - 10))\" font-size=\"13\" font-weight=\"bold\">\(Plot.escape(heading))</text>\n"
        for (v, label) in yTicks {
            let y = fr.y(v)
            s += "<line x1=\"\(f(fr.x0))\" y1=\"\(f(y))\" x2=\"\(f(fr.right))\" y2=\"\(f(y))\" stroke=\"#e6e6e6\"/>\n"
            s += "<text x=\"\(f(fr.x0 - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        let labelled = AxisTicks.fitting(across: fr.width, label: { Self.countLabel($0.value) }) { AxisTicks.logarithmic(fr.xLo, fr.xHi, most: $0) }
        for tick in labelled {
            let x = fr.x(tick.value)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(fr.y0))\" x2=\"\(f(x))\" y2=\"\(f(fr.bottom))\" stroke=\"#e6e6e6\"/>\n"
            s += "<line x1=\"\(f(x))\" y1=\"\(f(fr.bottom))\" x2=\"\(f(x))\" y2=\"\(f(fr.bottom + 6))\" stroke=\"#333\"/>\n"
            s += "<text x=\"\(f(x))\" y=\"\(f(fr.bottom + 19))\" text-anchor=\"middle\">\(Self.countLabel(tick.value))</text>\n"
        }
        // Unlabelled ticks at 1…9 times each decade between.
        for decade in Self.decades(fr.xLo, fr.xHi) {
            for k in 1...9 {
                let m = decade * Double(k)
                guard m >= fr.xLo, m <= fr.xHi, !labelled.contains(where: { abs($0.value - m) <= m * 1e-9 }) else { continue }
                s += "<line x1=\"\(f(fr.x(m)))\" y1=\"\(f(fr.bottom))\" x2=\"\(f(fr.x(m)))\" y2=\"\(f(fr.bottom + 3))\" stroke=\"#333\"/>\n"
            }
        }
        s += "<rect x=\"\(f(fr.x0))\" y=\"\(f(fr.y0))\" width=\"\(f(fr.width))\" height=\"\(f(fr.height))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(fr.x0 + fr.width / 2))\" y=\"\(f(fr.bottom + 38))\" text-anchor=\"middle\">\(Plot.escape(xLabel))</text>\n"
        let cy = fr.y0 + fr.height / 2
        let titleX = fr.x0 - Self.yAxisRoom(yTicks.map(\.1)) + 11
        s += "<text x=\"\(f(titleX))\" y=\"\(f(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(titleX)) \(f(cy)))\">\(Plot.escape(yLabel))</text>\n"
        return s + "</g>\n"
    }

    /// The room left of a panel for its y tick labels (6 px from the frame) and the rotated axis title beyond
    /// them (12 px font: 9 px above its baseline, 3 below), with a few pixels to spare: at least 76.
    static func yAxisRoom(_ labels: [String]) -> Double {
        max(76, 6 + (labels.map { SVGDocument.textWidth($0) }.max() ?? 0) + 8 + 3 + 9 + 4)
    }

    /// Every power of ten whose decade touches [lo, hi].
    static func decades(_ lo: Double, _ hi: Double) -> [Double] {
        (Int(floor(log10(lo)))...Int(ceil(log10(hi)))).map { pow(10, Double($0)) }
    }

    static func countLabel(_ m: Double) -> String {
        m >= 1e6 ? "\(formatShort(m / 1e6))M" : m >= 1e3 ? "\(formatShort(m / 1e3))k" : "\(Int(m))"
    }

    static func secondsLabel(_ s: Double) -> String {
        s >= 1 ? "\(formatShort(s)) s" : s >= 0.001 ? "\(formatShort(s * 1000)) ms" : String(format: "%g s", s)
    }

    static func formatShort(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : String(format: "%g", v) }
}

