import Foundation
import Testing
@testable import TakeoffLab

/// The learning-curve figure and report: fits that continue their data, predictions kept apart from
/// measurements, back-tests that do not flatter, axes that follow the data, names escaped.
@Suite struct FigureTests {
    static let sizes = [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200]

    /// Results for learner `name` with accuracy `f(m, seed)` at `sizes` for three seeds, and `skipped`
    /// sizes whose cells the budget skipped.
    func cells(_ name: String, sizes: [Int] = sizes, skipped: [Int] = [], _ f: (Double, UInt64) -> Double) -> [CellResult] {
        let key = { (m: Int, seed: UInt64) in CellKey(dataset: "d", learner: name, configuration: name, m: m, seed: seed) }
        return sizes.flatMap { m in
            (0..<3).map { seed in
                CellResult(key: key(m, UInt64(seed)), status: .ok, accuracy: f(Double(m), UInt64(seed)), fitSeconds: Double(m) / 1000,
                           predictSeconds: 0, parameters: 1)
            }
        } + skipped.flatMap { m in (0..<3).map { CellResult(key: key(m, UInt64($0)), status: .skippedBudget, error: "budget") } }
    }

    /// A power law with a little seed noise.
    func powerLaw(_ m: Double, _ seed: UInt64) -> Double { 0.92 - 1.5 * pow(m, -0.45) + 0.002 * (Double(seed) - 1) }

    @Test func aDrawnFitPassesWithinTheSpreadOfTheLargestMeasurements() throws {
        // `kink` follows a power law and then jumps up at the two largest sizes (as mlp-large did): no
        // smooth family fitted to all sizes passes through both, so none may be drawn.
        let smooth = cells("smooth", powerLaw)
        let kink = cells("kink") { m, s in powerLaw(m, s) + (m >= 25600 ? 0.03 * log2(m / 12800) : 0) }
        let a = Analysis(results: smooth + kink, learners: [("smooth", "smooth"), ("kink", "kink")])
        for c in a.learners {
            guard let fit = c.fittedCurve else { continue }
            for p in c.points.suffix(2) {
                #expect(abs(fit.predict(Double(p.m)) - p.mean) <= max(p.spread, CurveSelection.noiseFloor) + 1e-9,
                        "\(c.learner) at m = \(p.m): fit \(fit.predict(Double(p.m))), measured \(p.mean) ± \(p.spread)")
            }
        }
        #expect(a.learners[0].fittedCurve != nil)
        let kinked = try #require(a.learners[1].selection)
        #expect(!kinked.isFitted && a.learners[1].fittedCurve == nil)
        #expect(a.learners[1].fitted(1e6) == nil)
    }

    @Test func selectionAndReportedBacktestUseDifferentSizes() throws {
        let y = Self.sizes.map { 0.9 - 3 * pow(Double($0), -0.5) }
        let s = try #require(CurveSelection.select(sizes: Self.sizes, values: y))
        #expect(!s.selectedOn.isEmpty && !s.heldOut.isEmpty)
        #expect(Set(s.selectedOn).isDisjoint(with: s.heldOut))
        // The reported sizes come after the ones that chose the family.
        #expect(s.selectedOn.max()! < s.heldOut.min()!)
        #expect(s.heldOut == [25_600, 51_200] && s.selectedOn == [6_400, 12_800])
        #expect(try #require(s.backtestError) < 1e-3)
        // The reported error is the chosen family's on the later sizes, not its selection error.
        let selection = try #require(s.backtests.first { $0.family == s.fit.family }?.error)
        let refit = try #require(CurveFit.fit(s.fit.family, sizes: Self.sizes.prefix(8).map(Double.init), values: Array(y.prefix(8))))
        let expected = (abs(refit.predict(25_600) - y[8]) + abs(refit.predict(51_200) - y[9])) / 2
        #expect(abs(try #require(s.backtestError) - expected) < 1e-6)
        #expect(selection != s.backtestError)
    }

    @Test func noPredictedPointIsWrittenAsMeasured() throws {
        let measured = Array(Self.sizes.prefix(8))
        let results = cells("grow", sizes: measured, skipped: [25_600, 51_200], powerLaw)
        let a = Analysis(results: results, learners: [("grow", "grow")])
        let c = a.learners[0]
        #expect(c.points.map(\.m) == measured)
        #expect(c.predicted.map(\.m) == [25_600, 51_200])
        for p in c.predicted {
            #expect(p.low < p.accuracy && p.accuracy < p.high)
            #expect(abs(p.accuracy - powerLaw(Double(p.m), 1)) < 0.01)
        }
        // Nothing beyond the sizes asked for is drawn.
        let svg = CurveChart(title: "t", analysis: a, seedsPlanned: 3).svg
        let measuredMarks = Self.attribute("data-m", in: svg, class: "measured")
        let predictedMarks = Self.attribute("data-m", in: svg, class: "predicted")
        #expect(Set(measuredMarks) == Set(measured.map(String.init)))
        #expect(Set(predictedMarks) == ["25600", "51200"])
        #expect(svg.contains("predicted"))
        // summary.json: measured points and predictions stay apart.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
        let learner = (json["learners"] as! [[String: Any]])[0]
        #expect((learner["points"] as! [[String: Any]]).map { $0["m"] as! Int } == measured)
        #expect((learner["predicted"] as! [[String: Any]]).map { $0["m"] as! Int } == [25_600, 51_200])
    }

    @Test func theReportKeepsPredictionsApartAndEscapesNames() throws {
        let split = try xorSplit()
        let plan = try SweepPlan(learners: [learner("logreg")], sizes: [100, 150, 200, 300, 400, 600, 800, 1200, 1600], seeds: [0, 1, 2], split: split)
        let configuration = plan.learners[0].configuration
        let name = "<i>&\"log"
        let results = cells("logreg", sizes: [100, 150, 200, 300, 400, 600, 800], skipped: [1200, 1600], powerLaw).map { r in
            var r = r
            r.key = CellKey(dataset: plan.dataset, learner: "logreg", configuration: configuration, m: r.key.m, seed: r.key.seed)
            return r
        }
        let analysis = Analysis(results: results, learners: [(name, configuration)])
        #expect(analysis.learners[0].predicted.map(\.m) == [1200, 1600])
        let report = CurveReport(dataName: "xor", plan: plan, outcome: .init(results: results, ran: 0, reused: results.count, complete: false, seconds: 0, remainingSeconds: 0),
                                 analysis: analysis, poolSize: split.train.count, testSize: split.test.count, budget: 1, compute: try Compute(threads: 1))
        let json = try JSONSerialization.jsonObject(with: report.summaryJSON()) as! [String: Any]
        let predicted = json["predicted"] as! [[String: Any]]
        #expect(predicted.map { $0["m"] as! Int } == [1200, 1600] && predicted.allSatisfy { $0["kind"] as? String == "predicted" })
        let learners = (json["analysis"] as! [String: Any])["learners"] as! [[String: Any]]
        #expect(!(learners[0]["points"] as! [[String: Any]]).contains { [1200, 1600].contains($0["m"] as! Int) })
        #expect((json["verdict"] as! [String]).count == 3)
        // The page opens with the verdict, marks predicted cells as such and escapes the name everywhere.
        let html = report.html
        #expect(html.range(of: "class=\"verdict\"")!.lowerBound < html.range(of: "<svg")!.lowerBound)
        #expect(html.contains("predicted</i>"))
        #expect(!html.contains(name) && html.contains("&lt;i&gt;&amp;&quot;log"))
        #expect(report.table.contains("~") && report.table.contains("predicted by the forecast"))
    }

    @Test func aSkippedSizeIsForecastEvenWithoutAFittedFamily() throws {
        // Two sizes measured: no family can be fitted, but the forecast still answers, with a wide interval.
        let a = Analysis(results: cells("short", sizes: [100, 200], skipped: [400], powerLaw), learners: [("short", "short")])
        #expect(a.learners[0].selection?.isFitted != true)
        let p = try #require(a.learners[0].predicted.first)
        #expect(p.m == 400 && p.low < p.accuracy && p.accuracy < p.high)
        #expect(CurveChart(title: "t", analysis: a).svg.contains("class=\"predicted\""))
        #expect(a.learners[0].cautions.contains { $0.contains("2 sizes measured") })
    }

    @Test func theAccuracyAxisFollowsTheData() throws {
        // Everything between 84% and 88%: the axis must not open at 50%.
        let a = Analysis(results: cells("a", sizes: [1000, 3000, 10000]) { m, _ in 0.84 + 0.03 * log10(m / 1000) }
                                 + cells("b", sizes: [1000, 3000, 10000]) { m, _ in 0.86 + 0.02 * log10(m / 1000) },
                         learners: [("a", "a"), ("b", "b")])
        let chart = CurveChart(title: "t", analysis: a)
        let range = chart.accuracyRange
        #expect(range.low > 0.82 && range.low <= 0.84, "low \(range.low)")
        // Up to the measurements and the forecasts' bands, not to 100%.
        let top = a.learners.flatMap { $0.forecast.map(\.high) }.max()!
        #expect(range.high >= max(0.88, top) && range.high < top + 0.01, "high \(range.high), forecasts up to \(top)")
        let ticks = CurveChart.scoreTicks(errors: (1 - range.high, 1 - range.low), metric: .accuracy)
        #expect(ticks.count >= 4 && ticks.count <= 8, "\(ticks.map(\.label))")
        #expect(ticks.allSatisfy { $0.score >= range.low - 1e-9 && $0.score <= range.high + 1e-9 })
        // An AUC axis over 0.52–0.61 carries several round labels, not one.
        let auc = CurveChart.scoreTicks(errors: (0.39, 0.48), metric: .auc)
        #expect(auc.map(\.label) == ["0.60", "0.58", "0.56", "0.54", "0.52"])
    }

    @Test func namesAreEscapedInTheFigureAndThePage() throws {
        let name = "<b>&\"x"
        let a = Analysis(results: cells(name, sizes: [100, 200, 400, 800, 1600]) { m, _ in 0.9 - pow(m, -0.5) }, learners: [(name, name)])
        let svg = CurveChart(title: "a <title> & more", analysis: a).svg
        #expect(!svg.contains(name) && svg.contains("&lt;b&gt;&amp;&quot;x"))
        #expect(svg.contains("a &lt;title&gt; &amp; more"))
        #expect(a.verdict().allSatisfy { !$0.isEmpty })
    }

    @Test func theVerdictHasThreeLines() {
        let logreg = cells("logreg") { m, s in 0.84 - 0.5 * pow(m, -0.6) + 0.001 * Double(s) }
        let mlp = cells("mlp-large", powerLaw)
        let a = Analysis(results: logreg + mlp, learners: [("logreg", "logreg"), ("mlp-large", "mlp-large")])
        let v = a.verdict(pool: 51_200)
        #expect(v.count == 3)
        #expect(v[0].contains("mlp-large") && v[1].contains("logreg") && v[1].contains("levelled off"))
        #expect(v[2].contains("10× the pool: new labelled data") && v[2].contains("80% intervals"), "\(v[2])")
    }

    /// A leader measured with fewer seeds at the largest size says how many, beside the most any point has.
    @Test func theVerdictSaysHowManySeedsTheLeadersLastPointHas() {
        let largest = Self.sizes.last!
        let logreg = cells("logreg") { m, s in 0.84 - 0.5 * pow(m, -0.6) + 0.001 * Double(s) }
        let mlp = cells("mlp-large", powerLaw).filter { $0.key.m != largest || $0.key.seed == 0 }
        let v = Analysis(results: logreg + mlp, learners: [("logreg", "logreg"), ("mlp-large", "mlp-large")]).verdict()
        #expect(v[0].contains("1 seed there, up to 3 elsewhere"), "\(v[0])")
    }

    /// A size the budget skipped for one learner (measured below and above it) names no leader there.
    @Test func theVerdictNamesNoLeaderWhereAStrongerLearnerWasSkipped() {
        let middle = Self.sizes[Self.sizes.count / 2]
        let names = [("logreg", "logreg"), ("mlp-small", "mlp-small"), ("mlp-large", "mlp-large")]
        let others = cells("logreg") { m, s in 0.84 - 0.5 * pow(m, -0.6) + 0.001 * Double(s) } + cells("mlp-small") { m, s in powerLaw(m, s) - 0.01 }
        let mlp = cells("mlp-large", powerLaw)
        let v = Analysis(results: others + mlp.filter { $0.key.m != middle }, learners: names).verdict()
        #expect(!v[0].contains("mlp-small at"), "\(v[0])")
        #expect(v[0] == Analysis(results: others + mlp, learners: names).verdict()[0])
    }

    @Test func aFigureRendersToPNG() throws {
        let a = Analysis(results: cells("p", sizes: [100, 300, 1000]) { m, _ in 0.9 - pow(m, -0.5) }, learners: [("p", "p")])
        let url = temporaryDirectory("png").appendingPathComponent("curve.svg")
        try PNGRenderer.writeFigure(svg: CurveChart(title: "t", analysis: a).svg, to: url)
        let png = try Data(contentsOf: url.deletingPathExtension().appendingPathExtension("png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(throws: FigureError.self) { try PNGRenderer.write(svg: "<svg", to: url.deletingLastPathComponent().appendingPathComponent("bad.png")) }
    }

    @Test func endLabelsFitInsideTheFigure() throws {
        // Long names at the ends of both panels: the fit-time panel moves right of the accuracy labels and the
        // figure widens to hold its own.
        let long = "a-learner-with-a-rather-long-name"
        let a = Analysis(results: cells(long, powerLaw) + cells("short") { m, s in powerLaw(m, s) - 0.05 },
                         learners: [(long, long), ("short", "short")])
        let svg = CurveChart(title: "t", analysis: a).svg
        let width = try #require(Double(svg.components(separatedBy: "width=\"")[1].prefix { $0 != "\"" }))
        let xs = Self.attribute("x", in: svg, class: "end-label").compactMap(Double.init)
        let texts = svg.components(separatedBy: "class=\"end-label\"").dropFirst().map { String($0.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" }) }
        #expect(xs.count == 4 && texts.count == 4)
        for (x, text) in zip(xs, texts) {
            #expect(x + SVGDocument.textWidth(text, bold: true) <= width, "'\(text)' at \(x) runs past \(width)")
        }
        // The fit-time panel's frame starts right of the accuracy panel's widest label.
        let accuracyLabelsEnd = zip(xs, texts).filter { $0.1.contains("→") }.map { $0.0 + SVGDocument.textWidth($0.1, bold: true) }.max() ?? 0
        let timeLabelsX = zip(xs, texts).filter { !$0.1.contains("→") }.map(\.0).min() ?? 0
        #expect(timeLabelsX - 170 - 10 > accuracyLabelsEnd)
    }

    /// The values of `attribute` on elements of `class`.
    static func attribute(_ attribute: String, in svg: String, class cls: String) -> [String] {
        svg.components(separatedBy: "<").filter { $0.contains("class=\"\(cls)\"") }.compactMap { element in
            guard let r = element.range(of: "\(attribute)=\"") else { return nil }
            return String(element[r.upperBound...].prefix { $0 != "\"" })
        }
    }
}
