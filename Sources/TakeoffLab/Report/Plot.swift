import Foundation

/// A small SVG plotting kit: panels with linear or logarithmic axes, tick labels, grid lines,
/// line series and a legend, composed into one figure. Text sizes and margins are fixed so
/// labels never overlap the data frame.
public enum Plot {
    /// A categorical palette that stays distinguishable in print.
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]

    /// One axis: its range, whether it is logarithmic, and its label.
    public struct Axis {
        public var lo: Double, hi: Double
        public var log: Bool
        public var label: String

        public init(lo: Double, hi: Double, log: Bool = false, label: String) {
            (self.lo, self.hi, self.log, self.label) = (lo, hi, log, label)
            if log { self.lo = Swift.max(lo, 1e-300); self.hi = Swift.max(hi, self.lo * 10) }
            if self.hi <= self.lo { self.hi = self.lo + 1 }
        }

        /// The axis spanning `values` (positive ones only when logarithmic): out to whole decades on a log axis, to
        /// the next round value (``AxisTicks``) on a linear one.
        public static func fitting(_ values: [Double], log: Bool = false, label: String) -> Axis {
            let v = values.filter { $0.isFinite && (!log || $0 > 0) }
            guard let lo = v.min(), let hi = v.max() else { return Axis(lo: log ? 1 : 0, hi: log ? 10 : 1, log: log, label: label) }
            if log { return Axis(lo: pow(10, floor(log10(lo))), hi: pow(10, ceil(log10(hi))), log: true, label: label) }
            let ticks = AxisTicks.linear(lo, hi)
            guard ticks.count >= 2 else { return Axis(lo: lo, hi: hi, label: label) }
            let step = ticks[1].value - ticks[0].value
            return Axis(lo: floor(lo / step + 1e-9) * step, hi: ceil(hi / step - 1e-9) * step, label: label)
        }

        func fraction(_ v: Double) -> Double {
            log ? (Foundation.log10(Swift.max(v, lo)) - Foundation.log10(lo)) / (Foundation.log10(hi) - Foundation.log10(lo))
                : (v - lo) / (hi - lo)
        }

        /// Labelled ticks (``AxisTicks``, as many as a `length` pixels long axis holds, `across` or up) and, on a log
        /// axis, unlabelled minor ticks at 2…9 times each decade when the range spans few decades.
        func ticks(length: Double, across: Bool) -> (major: [(Double, String)], minor: [Double]) {
            func ticks(_ most: Int) -> [AxisTicks.Tick] { log ? AxisTicks.logarithmic(lo, hi, most: most) : AxisTicks.linear(lo, hi, most: most) }
            let major = (across ? AxisTicks.fitting(across: length, fontSize: 11, ticks) : ticks(AxisTicks.room(tall: length))).map { ($0.value, $0.label) }
            guard log else { return (major, []) }
            let (a, b) = (Int(floor(log10(lo) + 1e-9)), Int(ceil(log10(hi) - 1e-9)))
            guard b - a <= 6 else { return (major, []) }
            let labelled: [Double] = major.map(\.0)
            var minor: [Double] = []
            for e in a...b {
                for k in 2...9 {
                    let m = Double(k) * pow(10, Double(e))
                    if m > lo && m < hi && !labelled.contains(where: { abs($0 - m) <= m * 1e-9 }) { minor.append(m) }
                }
            }
            return (major, minor)
        }
    }

    /// A line through points, optionally dashed.
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public var dashed = false
        public var width = 1.8

        public init(name: String, color: String, points: [(x: Double, y: Double)], dashed: Bool = false, width: Double = 1.8) {
            (self.name, self.color, self.points, self.dashed, self.width) = (name, color, points, dashed, width)
        }
    }

    /// A framed chart at a position in the figure.
    public struct Panel {
        public var title: String
        public var x: Axis, y: Axis
        public var series: [Series]
        public var frame: (x: Double, y: Double, width: Double, height: Double)

        public init(title: String, x: Axis, y: Axis, series: [Series], frame: (x: Double, y: Double, width: Double, height: Double)) {
            (self.title, self.x, self.y, self.series, self.frame) = (title, x, y, series, frame)
        }

        var svg: String {
            let (x0, y0, w, h) = frame
            func px(_ v: Double) -> Double { x0 + x.fraction(v) * w }
            func py(_ v: Double) -> Double { y0 + h - y.fraction(v) * h }
            var s = "<g>\n<text x=\"\(f(x0))\" y=\"\(f(y0 - 8))\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>\n"
            let (xMajor, xMinor) = x.ticks(length: w, across: true), (yMajor, yMinor) = y.ticks(length: h, across: false)
            for (v, label) in yMajor {
                s += "<line x1=\"\(f(x0))\" y1=\"\(f(py(v)))\" x2=\"\(f(x0 + w))\" y2=\"\(f(py(v)))\" stroke=\"#e5e5e5\"/>\n"
                s += "<text x=\"\(f(x0 - 5))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\" font-size=\"11\">\(label)</text>\n"
            }
            for v in yMinor { s += "<line x1=\"\(f(x0 - 3))\" y1=\"\(f(py(v)))\" x2=\"\(f(x0))\" y2=\"\(f(py(v)))\" stroke=\"#333\"/>\n" }
            for (v, label) in xMajor {
                s += "<line x1=\"\(f(px(v)))\" y1=\"\(f(y0))\" x2=\"\(f(px(v)))\" y2=\"\(f(y0 + h))\" stroke=\"#e5e5e5\"/>\n"
                s += "<text x=\"\(f(px(v)))\" y=\"\(f(y0 + h + 15))\" text-anchor=\"middle\" font-size=\"11\">\(label)</text>\n"
            }
            for v in xMinor { s += "<line x1=\"\(f(px(v)))\" y1=\"\(f(y0 + h))\" x2=\"\(f(px(v)))\" y2=\"\(f(y0 + h + 3))\" stroke=\"#333\"/>\n" }
            s += "<svg x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(w))\" height=\"\(f(h))\" overflow=\"hidden\">\n"
            for series in self.series where !series.points.isEmpty {
                let kept = series.points.filter { $0.x.isFinite && $0.y.isFinite && (!y.log || $0.y > 0) && (!x.log || $0.x > 0) }
                if kept.count == 1 {
                    // A line through one point draws nothing: show the point.
                    s += "<circle cx=\"\(f(px(kept[0].x) - x0))\" cy=\"\(f(py(kept[0].y) - y0))\" r=\"3\" fill=\"\(series.color)\"><title>\(escape(series.name))</title></circle>\n"
                    continue
                }
                let pts = kept.map { "\(f(px($0.x) - x0)),\(f(py($0.y) - y0))" }.joined(separator: " ")
                s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"\(series.width)\""
                    + (series.dashed ? " stroke-dasharray=\"6 4\"" : "") + "><title>\(escape(series.name))</title></polyline>\n"
            }
            s += "</svg>\n<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"none\" stroke=\"#333\"/>\n"
            s += "<text x=\"\(f(x0 + w / 2))\" y=\"\(f(y0 + h + 32))\" text-anchor=\"middle\" font-size=\"12\">\(escape(x.label))</text>\n"
            let cy = y0 + h / 2
            // Left of the widest tick label (5 px from the frame), clear of it by the rotated title's 3 px below its baseline and 8 more.
            let titleX = Swift.min(x0 - 44, x0 - 5 - (yMajor.map { SVGDocument.textWidth($0.1, fontSize: 11) }.max() ?? 0) - 11)
            s += "<text x=\"\(f(titleX))\" y=\"\(f(cy))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 \(f(titleX)) \(f(cy)))\">\(escape(y.label))</text>\n"
            return s + "</g>\n"
        }
    }

    /// A whole SVG document: a title, panels, and legend rows below them (as many columns as the widest name
    /// leaves room for, up to `legendColumns`; the document grows to hold the rows).
    public static func figure(title: String, width: Double, height: Double, panels: [Panel],
                              legend: [(color: String, name: String, dashed: Bool)], legendTop: Double, legendColumns: Int = 5) -> String {
        let widest = legend.map { SVGDocument.textWidth($0.name) + 32 + 16 }.max() ?? 0
        let columns = Swift.max(1, Swift.min(legendColumns, Int((width - 120) / Swift.max(widest, 1))))
        let rows = (legend.count + columns - 1) / columns
        let document = SVGDocument(width: width, height: Swift.max(height, legendTop + 20 * Double(rows) + 10), title: title)
        var s = ""
        for p in panels { s += p.svg }
        let column = (width - 120) / Double(columns)
        for (k, e) in legend.enumerated() {
            let x = 70 + Double(k % columns) * column, y = legendTop + Double(k / columns) * 20
            s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 26))\" y2=\"\(f(y))\" stroke=\"\(e.color)\" stroke-width=\"2.5\""
                + (e.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
            s += "<text x=\"\(f(x + 32))\" y=\"\(f(y + 4))\">\(escape(e.name))</text>\n"
        }
        return document.wrapping(s)
    }

    /// A short tick label: 1k, 20k, 1M, 0.05, 1e-4.
    public static func number(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if !a.isFinite { return "\(v)" }
        if a >= 1e6 { return trimmed(v / 1e6) + "M" }
        if a >= 1e4 { return trimmed(v / 1e3) + "k" }
        if a >= 0.001 { return trimmed(v) }
        return String(format: "%.0e", v)
    }

    static func trimmed(_ v: Double) -> String {
        // Int(v) traps beyond ±2⁶³ (a diverged run's loss reaches 1e30 and more).
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", (v * 1000).rounded() / 1000)
    }

    /// Text made safe for SVG and HTML.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
