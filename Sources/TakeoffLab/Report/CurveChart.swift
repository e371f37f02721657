import Foundation

/// The scale figure as SVG: accuracy against m (log axis) with a band of ±1 standard deviation
/// over seeds and fitted extrapolations (dashed to twice each learner's largest m, dotted beyond),
/// beside fit time against m (log–log), legend below.
public struct CurveChart {
    public var title: String
    public var analysis: Analysis
    /// How far the fitted curves are drawn past the largest measured m.
    public var extrapolationFactor = 4.0

    public init(title: String, analysis: Analysis) {
        self.title = title
        self.analysis = analysis
    }

    public static func color(_ i: Int) -> String { Plot.palette[i % Plot.palette.count] }

    struct Frame {
        var x0, y0, width, height: Double
        var xLo, xHi, yLo, yHi: Double
        var logY: Bool
        func x(_ m: Double) -> Double { x0 + (log(m) - log(xLo)) / (log(xHi) - log(xLo)) * width }
        func y(_ v: Double) -> Double {
            let t = logY ? (log(v) - log(yLo)) / (log(yHi) - log(yLo)) : (v - yLo) / (yHi - yLo)
            return y0 + height - t * height
        }
    }

    public var svg: String {
        let curves = analysis.learners.filter { !$0.points.isEmpty }
        let width = 1040.0, legendRows = Int(ceil(Double(curves.count + 3) / 4))
        let height = 470 + Double(legendRows) * 22
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" \
        font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(Plot.escape(title))</text>

        """
        guard !curves.isEmpty else {
            return out + "<text x=\"\(width / 2)\" y=\"200\" text-anchor=\"middle\">no finished cells to plot</text>\n</svg>\n"
        }
        let allPoints = curves.flatMap(\.points)
        let mMin = Double(allPoints.map(\.m).min()!), mMax = Double(allPoints.map(\.m).max()!)
        let xHiAcc = mMax * extrapolationFactor
        // Accuracy range: data ± spread and the drawn fits, padded to tenths (twentieths when narrow).
        var values = allPoints.flatMap { [$0.mean - $0.spread, $0.mean + $0.spread] }
        for c in curves {
            guard let fit = c.selection?.fit, let top = c.largestM, c.points.count >= 3 else { continue }
            values += stride(from: 0.0, through: 1, by: 0.1).map { fit.predict(Double(top) * pow(extrapolationFactor, $0)) }
        }
        values = values.filter(\.isFinite)
        let span = (values.max()! - values.min()!)
        let stepY = span > 0.3 ? 0.1 : span > 0.12 ? 0.05 : 0.02
        let yLo = max(0, floor(values.min()! / stepY) * stepY), yHi = min(1, max(yLo + stepY, ceil(values.max()! / stepY) * stepY))
        let acc = Frame(x0: 75, y0: 60, width: 560, height: 340, xLo: mMin / 1.25, xHi: xHiAcc, yLo: yLo, yHi: yHi, logY: false)
        let seconds = allPoints.map(\.fitSeconds).filter { $0.isFinite && $0 > 0 }
        let sLo = pow(10, floor(log10(seconds.min() ?? 0.01))), sHi = pow(10, ceil(log10(max(seconds.max() ?? 1, sLo * 10))))
        let time = Frame(x0: 740, y0: 60, width: 270, height: 340, xLo: mMin / 1.25, xHi: mMax * 1.25, yLo: sLo, yHi: sHi, logY: true)

        out += axes(acc, yTicks: stride(from: yLo, through: yHi + 1e-9, by: stepY).map { ($0, String(format: "%.0f%%", $0 * 100)) },
                    xLabel: "training examples m (log scale)", yLabel: "test accuracy", heading: "Accuracy")
        out += axes(time, yTicks: Self.decades(sLo, sHi).map { ($0, Self.secondsLabel($0)) },
                    xLabel: "training examples m (log scale)", yLabel: "fit time (log scale)", heading: "Fit time")

        for (i, c) in curves.enumerated() {
            let color = Self.color(i)
            let pts = c.points
            if pts.count >= 2, pts.contains(where: { $0.spread > 0 }) {
                let upper = pts.map { "\(f(acc.x(Double($0.m)))),\(f(acc.y(min(yHi, $0.mean + $0.spread))))" }
                let lower = pts.reversed().map { "\(f(acc.x(Double($0.m)))),\(f(acc.y(max(yLo, $0.mean - $0.spread))))" }
                out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.15\" stroke=\"none\"/>\n"
            }
            // Dashed to twice the learner's largest m, dotted beyond (a guess); none from fewer than three sizes.
            if let fit = c.selection?.fit, let top = c.largestM, pts.count >= 3 {
                for (from, to, dash) in [(0.0, 0.5, "6 4"), (0.5, 1.0, "2 4")] {
                    let line = stride(from: from, through: to + 1e-9, by: 0.05).map { t -> String in
                        let m = Double(top) * pow(extrapolationFactor, t)
                        return "\(f(acc.x(m))),\(f(acc.y(min(yHi, max(yLo, fit.predict(m))))))"
                    }
                    out += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\"/>\n"
                }
            }
            out += "<polyline points=\"\(pts.map { "\(f(acc.x(Double($0.m)))),\(f(acc.y($0.mean)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for p in pts {
                out += "<circle cx=\"\(f(acc.x(Double(p.m))))\" cy=\"\(f(acc.y(p.mean)))\" r=\"3\" fill=\"\(color)\"><title>\(Plot.escape(c.learner)) m=\(p.m): \(String(format: "%.2f%%", p.mean * 100))</title></circle>\n"
            }
            let timed = pts.filter { $0.fitSeconds.isFinite && $0.fitSeconds > 0 }
            if !timed.isEmpty {
                out += "<polyline points=\"\(timed.map { "\(f(time.x(Double($0.m)))),\(f(time.y($0.fitSeconds)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                for p in timed { out += "<circle cx=\"\(f(time.x(Double(p.m))))\" cy=\"\(f(time.y(p.fitSeconds)))\" r=\"2.5\" fill=\"\(color)\"/>\n" }
            }
        }

        // Legend: learners, then what the line styles mean, four to a row.
        var entries: [(String, String)] = curves.enumerated().map { ("line:" + Self.color($0.offset), $0.element.learner) }
        if allPoints.contains(where: { $0.spread > 0 }) { entries.append(("band", "±1 sd over seeds")) }
        entries += [("dash", "fitted curve to 2× the largest m"), ("dot", "beyond 2×: a guess")]
        let legendTop = 455.0
        for (k, e) in entries.enumerated() {
            let x = 75 + Double(k % 4) * 240, y = legendTop + Double(k / 4) * 22
            switch e.0 {
            case "band": out += "<rect x=\"\(x)\" y=\"\(y - 6)\" width=\"28\" height=\"12\" fill=\"#555\" fill-opacity=\"0.15\"/>\n"
            case "dash": out += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 28)\" y2=\"\(y)\" stroke=\"#555\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"
            case "dot": out += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 28)\" y2=\"\(y)\" stroke=\"#555\" stroke-width=\"2\" stroke-dasharray=\"2 4\"/>\n"
            default:
                let color = String(e.0.dropFirst(5))
                out += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 28)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\"/><circle cx=\"\(x + 14)\" cy=\"\(y)\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            out += "<text x=\"\(x + 36)\" y=\"\(y + 4)\">\(Plot.escape(e.1))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Frame, grid, log ticks on x (labelled decades, unlabelled 2–9), the given y ticks, labels.
    func axes(_ fr: Frame, yTicks: [(Double, String)], xLabel: String, yLabel: String, heading: String) -> String {
        var s = "<g>\n<text x=\"\(f(fr.x0))\" y=\"\(f(fr.y0 - 10))\" font-size=\"13\" font-weight=\"bold\">\(heading)</text>\n"
        for (v, label) in yTicks {
            let y = fr.y(v)
            s += "<line x1=\"\(f(fr.x0))\" y1=\"\(f(y))\" x2=\"\(f(fr.x0 + fr.width))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\"/>\n"
            s += "<text x=\"\(f(fr.x0 - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        for decade in Self.decades(fr.xLo, fr.xHi, all: true) {
            for k in 1...9 {
                let m = decade * Double(k)
                guard m >= fr.xLo, m <= fr.xHi else { continue }
                let x = fr.x(m), bottom = fr.y0 + fr.height
                if k == 1 {
                    s += "<line x1=\"\(f(x))\" y1=\"\(f(fr.y0))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#e3e3e3\"/>\n"
                    s += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 6))\" stroke=\"#333\"/>\n"
                    s += "<text x=\"\(f(x))\" y=\"\(f(bottom + 19))\" text-anchor=\"middle\">\(Self.countLabel(m))</text>\n"
                } else {
                    s += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 3))\" stroke=\"#333\"/>\n"
                }
            }
        }
        s += "<rect x=\"\(f(fr.x0))\" y=\"\(f(fr.y0))\" width=\"\(f(fr.width))\" height=\"\(f(fr.height))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(fr.x0 + fr.width / 2))\" y=\"\(f(fr.y0 + fr.height + 38))\" text-anchor=\"middle\">\(xLabel)</text>\n"
        let cy = fr.y0 + fr.height / 2
        s += "<text x=\"\(f(fr.x0 - 52))\" y=\"\(f(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(fr.x0 - 52)) \(f(cy)))\">\(yLabel)</text>\n"
        return s + "</g>\n"
    }

    /// Powers of ten from lo to hi (those inside, or every decade touching the range with `all`).
    static func decades(_ lo: Double, _ hi: Double, all: Bool = false) -> [Double] {
        let a = Int(floor(log10(lo))), b = Int(ceil(log10(hi)))
        return (a...b).map { pow(10, Double($0)) }.filter { all || ($0 >= lo * 0.999 && $0 <= hi * 1.001) }
    }

    static func countLabel(_ m: Double) -> String {
        m >= 1e6 ? "\(Int(m / 1e6))M" : m >= 1e3 ? "\(Int(m / 1e3))k" : "\(Int(m))"
    }

    static func secondsLabel(_ s: Double) -> String {
        s >= 1 ? "\(Int(s)) s" : s >= 0.001 ? "\(formatShort(s * 1000)) ms" : String(format: "%g s", s)
    }

    static func formatShort(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : String(format: "%g", v) }

}

private func f(_ v: Double) -> String { String(format: "%.1f", v) }
