import Foundation

/// The figures of a scaling sweep, in the curve report's style: a heat map of measured error over
/// (m, width) with the fitted law's iso-error contours and the frontier; error against m with one
/// line per width; error against width with one line per m. Fitted values are lines, measured ones dots.
public struct ScaleChart {
    public var dataName: String
    public var analysis: ScaleAnalysis
    /// Seeds per cell asked for (shown in the titles).
    public var seeds: Int

    public init(dataName: String, analysis: ScaleAnalysis, seeds: Int) {
        (self.dataName, self.analysis, self.seeds) = (dataName, analysis, seeds)
    }

    /// File name and SVG of each figure.
    public var figures: [(name: String, svg: String)] {
        [("scale-heatmap", heatMap), ("scale-error-vs-m", errorAgainstData), ("scale-error-vs-width", errorAgainstWidth)]
    }

    var widths: [ScaleAnalysis.Width] { analysis.widths.sorted { $0.width < $1.width } }
    var seedNote: String { seeds == 1 ? "1 seed" : "mean of \(seeds) seeds" }

    /// A sequential colour (light yellow → dark blue) for t in [0, 1].
    static func color(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(255, 255, 204), (161, 218, 180), (65, 182, 196), (44, 127, 184), (37, 52, 148)]
        let x = min(max(t, 0), 1) * Double(stops.count - 1), i = min(Int(x), stops.count - 2), u = x - Double(i)
        let c = (0..<3).map { k -> Int in
            let a = [stops[i].0, stops[i].1, stops[i].2][k], b = [stops[i + 1].0, stops[i + 1].1, stops[i + 1].2][k]
            return Int((a + (b - a) * u).rounded())
        }
        return String(format: "#%02x%02x%02x", c[0], c[1], c[2])
    }

    static func percent(_ e: Double) -> String { String(format: e < 0.1 ? "%.1f%%" : "%.0f%%", e * 100) }

    public var heatMap: String {
        let title = "Test error over data and width on \(dataName) (\(seedNote))"
        let (W, H) = (1040.0, 560.0)
        var s = header(title, W, H)
        let sizes = analysis.sizes, ws = widths
        guard !analysis.cells.isEmpty, sizes.count >= 1, !ws.isEmpty else { return s + "<text x=\"520\" y=\"200\" text-anchor=\"middle\">no finished cells to plot</text>\n</svg>\n" }
        let (x0, y0, w, h) = (90.0, 60.0, 700.0, 400.0)
        // Each cell spans the geometric midpoints to its neighbours on log axes.
        func edges(_ v: [Double]) -> [Double] {
            guard v.count > 1 else { return [v[0] / 1.5, v[0] * 1.5] }
            let mids = zip(v, v.dropFirst()).map { ($0 * $1).squareRoot() }
            return [v[0] * v[0] / mids[0]] + mids + [v.last! * v.last! / mids.last!]
        }
        let xe = edges(sizes.map(Double.init)), ye = edges(ws.map { Double($0.width) })
        let xAxis = Plot.Axis(lo: xe.first!, hi: xe.last!, log: true, label: "training examples m (log scale)")
        let yAxis = Plot.Axis(lo: ye.first!, hi: ye.last!, log: true, label: "width (log scale)")
        func px(_ v: Double) -> Double { x0 + xAxis.fraction(v) * w }
        func py(_ v: Double) -> Double { y0 + h - yAxis.fraction(v) * h }
        let errors = analysis.cells.map(\.error)
        let (eLo, eHi) = (errors.min()!, max(errors.max()!, errors.min()! + 1e-6))
        func t(_ e: Double) -> Double { (log(e) - log(eLo)) / (log(eHi) - log(eLo)) }
        s += "<text x=\"\(f(x0))\" y=\"\(f(y0 - 10))\" font-size=\"13\" font-weight=\"bold\">Measured error, fitted iso-error contours, best width per m</text>\n"
        for (i, m) in sizes.enumerated() {
            for (j, wd) in ws.enumerated() {
                let (left, right, top, bottom) = (px(xe[i]), px(xe[i + 1]), py(ye[j + 1]), py(ye[j]))
                guard let cell = analysis.cells.first(where: { $0.m == m && $0.width == wd.width }) else {
                    s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"#f2f2f2\" stroke=\"white\"/>\n"
                    s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2 + 4))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#888\">not run</text>\n"
                    continue
                }
                let tt = t(cell.error)
                s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"\(Self.color(tt))\" stroke=\"white\">"
                s += "<title>width \(wd.width), m = \(m): \(Self.percent(cell.error)) error (\(cell.seeds) seed\(cell.seeds == 1 ? "" : "s"))</title></rect>\n"
                s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2 - 9))\" text-anchor=\"middle\" font-size=\"12\" fill=\"\(tt > 0.55 ? "white" : "#222")\">\(String(format: "%.1f%%", cell.error * 100))</text>\n"
            }
        }
        if let law = analysis.fit?.law {
            // Iso-error contours: for each width along the axis, the m at which the fit reaches the level.
            // Parameters between measured widths: interpolated in log–log.
            let logW = ws.map { log(Double($0.width)) }, logN = ws.map { log(Double($0.parameters)) }
            func parameters(atWidth v: Double) -> Double {
                let lw = log(v)
                guard logW.count > 1 else { return exp(logN[0]) }
                let k = min(max(1, logW.firstIndex { $0 >= lw } ?? logW.count - 1), logW.count - 1)
                let u = (lw - logW[k - 1]) / (logW[k] - logW[k - 1])
                return exp(logN[k - 1] + u * (logN[k] - logN[k - 1]))
            }
            let levels = contourLevels(eLo, eHi)
            for level in levels {
                var pts: [(Double, Double)] = []
                for k in 0...60 {
                    let wv = ye.first! * pow(ye.last! / ye.first!, Double(k) / 60)
                    if let m = law.dataNeeded(error: level, n: parameters(atWidth: wv)), m >= xe.first!, m <= xe.last! { pts.append((px(m), py(wv))) }
                }
                guard pts.count >= 2 else { continue }
                s += "<polyline points=\"\(pts.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"#333\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>\n"
                let end = pts[pts.count - 1]
                s += "<text x=\"\(f(end.0 + 3))\" y=\"\(f(end.1 + 12))\" font-size=\"10\" fill=\"#333\">\(Self.percent(level))</text>\n"
            }
        }
        if !analysis.frontier.isEmpty {
            let pts = analysis.frontier.map { (px(Double($0.m)), py(Double($0.width))) }
            s += "<polyline points=\"\(pts.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\"/>\n"
            for (p, fp) in zip(pts, analysis.frontier) {
                s += "<circle cx=\"\(f(p.0))\" cy=\"\(f(p.1))\" r=\"4.5\" fill=\"#d62728\"><title>best width at m = \(fp.m): \(fp.width) (\(fp.widthLow)–\(fp.widthHigh))</title></circle>\n"
            }
        }
        // Axes: the measured sizes and widths are the ticks.
        s += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"none\" stroke=\"#333\"/>\n"
        for m in sizes { s += "<text x=\"\(f(px(Double(m))))\" y=\"\(f(y0 + h + 16))\" text-anchor=\"middle\" font-size=\"11\">\(Plot.number(Double(m)))</text>\n" }
        for wd in ws { s += "<text x=\"\(f(x0 - 6))\" y=\"\(f(py(Double(wd.width)) + 4))\" text-anchor=\"end\" font-size=\"11\">\(wd.width)</text>\n" }
        s += "<text x=\"\(f(x0 + w / 2))\" y=\"\(f(y0 + h + 36))\" text-anchor=\"middle\">\(xAxis.label)</text>\n"
        s += "<text x=\"\(f(x0 - 50))\" y=\"\(f(y0 + h / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(x0 - 50)) \(f(y0 + h / 2)))\">\(yAxis.label)</text>\n"
        // Colour bar and key.
        let (bx, by, bh) = (x0 + w + 40, y0, h * 0.6)
        for k in 0..<40 {
            s += "<rect x=\"\(f(bx))\" y=\"\(f(by + bh * (1 - Double(k + 1) / 40)))\" width=\"18\" height=\"\(f(bh / 40 + 0.5))\" fill=\"\(Self.color(Double(k) / 39))\"/>\n"
        }
        s += "<rect x=\"\(f(bx))\" y=\"\(f(by))\" width=\"18\" height=\"\(f(bh))\" fill=\"none\" stroke=\"#333\"/>\n"
        for (u, e) in [(0.0, eLo), (0.5, exp((log(eLo) + log(eHi)) / 2)), (1.0, eHi)] {
            s += "<text x=\"\(f(bx + 24))\" y=\"\(f(by + bh - u * bh + 4))\" font-size=\"11\">\(Self.percent(e))</text>\n"
        }
        s += "<text x=\"\(f(bx))\" y=\"\(f(by + bh + 20))\" font-size=\"11\">test error (log)</text>\n"
        let ky = by + bh + 50
        s += "<line x1=\"\(f(bx))\" y1=\"\(f(ky))\" x2=\"\(f(bx + 26))\" y2=\"\(f(ky))\" stroke=\"#333\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>"
        s += "<text x=\"\(f(bx + 32))\" y=\"\(f(ky + 4))\" font-size=\"11\">fitted iso-error</text>\n"
        s += "<line x1=\"\(f(bx))\" y1=\"\(f(ky + 22))\" x2=\"\(f(bx + 26))\" y2=\"\(f(ky + 22))\" stroke=\"#d62728\" stroke-width=\"2.5\"/><circle cx=\"\(f(bx + 13))\" cy=\"\(f(ky + 22))\" r=\"4\" fill=\"#d62728\"/>"
        s += "<text x=\"\(f(bx + 32))\" y=\"\(f(ky + 26))\" font-size=\"11\">best width (fit)</text>\n"
        return s + "</svg>\n"
    }

    /// Up to five round error levels between `lo` and `hi`.
    func contourLevels(_ lo: Double, _ hi: Double) -> [Double] {
        let candidates = [0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7]
        let inside = candidates.filter { $0 > lo && $0 < hi }
        guard inside.count > 5 else { return inside }
        let step = Double(inside.count - 1) / 4
        return (0..<5).map { inside[Int((Double($0) * step).rounded())] }
    }

    public var errorAgainstData: String {
        let title = "Test error against training size, one line per width, on \(dataName)"
        let sizes = analysis.sizes.map(Double.init)
        guard let mLo = sizes.min(), let mHi = sizes.max(), !analysis.cells.isEmpty else { return header(title, 1040, 200) + "</svg>\n" }
        let grid = (0...40).map { mLo * pow(mHi / mLo, Double($0) / 40) }
        let lines = widths.enumerated().map { i, wd -> (label: String, color: String, fitted: [(x: Double, y: Double)], measured: [ScaleAnalysis.Cell]) in
            let fitted = analysis.fit.map { fit in grid.map { (x: $0, y: fit.law.error(m: $0, n: Double(wd.parameters))) } } ?? []
            return ("width \(wd.width)", Plot.palette[i % Plot.palette.count], fitted, analysis.cells.filter { $0.width == wd.width })
        }
        return linePlot(title: title, heading: "Error against m (\(seedNote); bars ±1 sd)", xLabel: "training examples m (log scale)",
                        lines: lines.map { ($0.label, $0.color, $0.fitted, $0.measured.map { (Double($0.m), $0.error, $0.spread) }) })
    }

    public var errorAgainstWidth: String {
        let title = "Test error against width, one line per training size, on \(dataName)"
        guard !analysis.cells.isEmpty else { return header(title, 1040, 200) + "</svg>\n" }
        let lines = analysis.sizes.enumerated().map { i, m -> (String, String, [(x: Double, y: Double)], [(Double, Double, Double)]) in
            let fitted = analysis.fit.map { fit in widths.map { (x: Double($0.width), y: fit.law.error(m: Double(m), n: Double($0.parameters))) } } ?? []
            let measured = analysis.cells.filter { $0.m == m }.map { (Double($0.width), $0.error, $0.spread) }
            return ("m = \(Plot.number(Double(m)))", Plot.palette[i % Plot.palette.count], fitted, measured)
        }
        return linePlot(title: title, heading: "Error against width (\(seedNote); fitted through the measured widths)", xLabel: "width (log scale)",
                        lines: lines, xTicks: widths.count <= 8 ? widths.map { Double($0.width) } : nil)
    }

    /// A panel of fitted lines (labelled at their right end) and measured dots with ±1 sd bars: x on a
    /// log scale, error on a linear one, both with ``AxisTicks`` unless `xTicks` names the x values to label
    /// (the measured widths: a grid of powers of two reads best at its own points).
    func linePlot(title: String, heading: String, xLabel: String,
                  lines: [(label: String, color: String, fitted: [(x: Double, y: Double)], measured: [(x: Double, y: Double, sd: Double)])],
                  xTicks: [Double]? = nil) -> String {
        let xs = lines.flatMap { $0.measured.map(\.x) + $0.fitted.map(\.x) }
        let ys = lines.flatMap { $0.measured.flatMap { [$0.y - $0.sd, $0.y + $0.sd] } + $0.fitted.map(\.y) }.filter(\.isFinite)
        let (xLo, xHi) = (xs.min()! / 1.15, xs.max()! * 1.15)
        // The error axis spans the data with a twentieth of its range to spare (and a little around a single value).
        let pad = max((ys.max()! - ys.min()!) * 0.05, ys.max()! * 0.02, 1e-4)
        let (yLo, yHi) = (max(0, ys.min()! - pad), ys.max()! + pad)
        // The labels at the lines' right ends set the right margin.
        let labelWidth = lines.map { SVGDocument.textWidth($0.label, fontSize: 11) }.max() ?? 0
        let (x0, y0, w, h) = (90.0, 60.0, 760.0, 400.0)
        let (W, H) = (max(1040, x0 + w + 6 + labelWidth + 12), 540.0)
        func px(_ v: Double) -> Double { x0 + (log(v) - log(xLo)) / (log(xHi) - log(xLo)) * w }
        func py(_ v: Double) -> Double { y0 + h - (min(max(v, yLo), yHi) - yLo) / (yHi - yLo) * h }
        var s = header(title, W, H)
        s += "<text x=\"\(f(x0))\" y=\"\(f(y0 - 10))\" font-size=\"13\" font-weight=\"bold\">\(Plot.escape(heading))</text>\n"
        let yTicks = AxisTicks.linear(yLo, yHi)
        for tick in yTicks {
            let y = py(tick.value)
            s += "<line x1=\"\(f(x0))\" y1=\"\(f(y))\" x2=\"\(f(x0 + w))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\"/>\n"
            s += "<text x=\"\(f(x0 - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(tick.percent)</text>\n"
        }
        // Labelled ticks from ``AxisTicks``, unlabelled ones at every 1…9 times a decade between.
        let labelled = xTicks.map { $0.map { AxisTicks.Tick(value: $0, decimals: 0) } }
            ?? AxisTicks.fitting(across: w, fontSize: 11) { AxisTicks.logarithmic(xLo, xHi, most: $0) }
        let bottom = y0 + h
        for tick in labelled {
            let x = px(tick.value)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(y0))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#e3e3e3\"/>\n"
            s += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 6))\" stroke=\"#333\"/>\n"
            s += "<text x=\"\(f(x))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\" font-size=\"11\">\(tick.label)</text>\n"
        }
        for e in Int(floor(log10(xLo)))...Int(ceil(log10(xHi))) {
            for k in 1...9 {
                let v = Double(k) * pow(10, Double(e))
                guard v >= xLo, v <= xHi, !labelled.contains(where: { abs($0.value - v) <= v * 1e-9 }) else { continue }
                s += "<line x1=\"\(f(px(v)))\" y1=\"\(f(bottom))\" x2=\"\(f(px(v)))\" y2=\"\(f(bottom + 3))\" stroke=\"#333\"/>\n"
            }
        }
        s += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(x0 + w / 2))\" y=\"\(f(y0 + h + 36))\" text-anchor=\"middle\">\(Plot.escape(xLabel))</text>\n"
        let titleX = min(x0 - 55, x0 - 6 - (yTicks.map { SVGDocument.textWidth($0.percent, fontSize: 11) }.max() ?? 0) - 11)
        s += "<text x=\"\(f(titleX))\" y=\"\(f(y0 + h / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(titleX)) \(f(y0 + h / 2)))\">test error</text>\n"
        var placed: [Double] = []
        for l in lines {
            if l.fitted.count >= 2 {
                s += "<polyline points=\"\(l.fitted.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(l.color)\" stroke-width=\"1.8\"><title>\(Plot.escape(l.label)), fitted</title></polyline>\n"
            }
            for p in l.measured {
                if p.sd > 0 { s += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - p.sd)))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(p.y + p.sd)))\" stroke=\"\(l.color)\" stroke-width=\"1.2\"/>\n" }
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(l.color)\"><title>\(Plot.escape(l.label)) at \(Plot.number(p.x)): \(Self.percent(p.y)) measured</title></circle>\n"
            }
            // The label at the line's right end, moved off labels already placed there.
            if let end = l.fitted.last ?? l.measured.last.map({ (x: $0.x, y: $0.y) }) {
                var y = py(end.y) + 4
                while placed.contains(where: { abs($0 - y) < 12 }) { y += 12 }
                placed.append(y)
                s += "<text x=\"\(f(x0 + w + 6))\" y=\"\(f(y))\" font-size=\"11\" fill=\"\(l.color)\">\(Plot.escape(l.label))</text>\n"
            }
        }
        let ly = 510.0
        s += "<line x1=\"\(f(x0))\" y1=\"\(f(ly))\" x2=\"\(f(x0 + 26))\" y2=\"\(f(ly))\" stroke=\"#555\" stroke-width=\"1.8\"/><text x=\"\(f(x0 + 32))\" y=\"\(f(ly + 4))\">line: the joint fit</text>\n"
        s += "<circle cx=\"\(f(x0 + 273))\" cy=\"\(f(ly))\" r=\"3.5\" fill=\"#555\"/><line x1=\"\(f(x0 + 273))\" y1=\"\(f(ly - 8))\" x2=\"\(f(x0 + 273))\" y2=\"\(f(ly + 8))\" stroke=\"#555\"/>"
        s += "<text x=\"\(f(x0 + 286))\" y=\"\(f(ly + 4))\">dot: measured mean, bar ±1 sd over seeds</text>\n"
        return s + "</svg>\n"
    }

    func header(_ title: String, _ width: Double, _ height: Double) -> String {
        SVGDocument(width: width, height: height, title: title).header
    }
}
