import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffLab

/// The forecaster: it recovers known curves and its interval covers them at about the stated rate, a flat
/// noisy curve gets no confident trend, a peaking curve is flagged, every learner of a sweep gets a forecast,
/// and `takeoff fit`'s reader names what is wrong with a bad file.
@Suite struct ForecastTests {
    static let sizes: [Double] = (0..<12).map { 16 * pow(2, Double($0) / 2) }.map { $0.rounded() }

    /// A curve of `seeds` noisy measurements per size of `f`.
    static func curve(_ f: (Double) -> Double, sizes: [Double] = sizes, noise: Double, seeds: Int = 3, rng: inout RandomGenerator) -> ObservedCurve {
        ObservedCurve(dataset: "", learner: "l", points: sizes.map { m in
            (Int(m), (0..<seeds).map { _ in min(1, max(0, f(m) + noise * Double(rng.normal()))) })
        })
    }

    @Test func aNoisyPowerLawIsRecoveredAndItsIntervalCoversTheTruthAtAboutTheStatedRate() throws {
        var rng = RandomGenerator(seed: 7)
        var inside = 0, forecastError = 0.0, lastError = 0.0
        let n = 300
        for _ in 0..<n {
            let a = 0.75 + 0.2 * Double(rng.uniform()), b = 0.5 + 2 * Double(rng.uniform()), c = 0.2 + 0.5 * Double(rng.uniform())
            let truth = { (m: Double) in a - b * pow(m, -c) }
            let observed = Self.curve(truth, noise: 0.01, rng: &rng)
            let top = Self.sizes.last!
            let seen = observed.points.filter { Double($0.m) <= top / 4 }.count
            let v = Forecaster.calibrated.forecast(observed.features(upTo: seen)).at(top)
            if v.low <= truth(top) && truth(top) <= v.high { inside += 1 }
            forecastError += abs(v.value - truth(top))
            lastError += abs(observed.features(upTo: seen).last - truth(top))
        }
        let coverage = Double(inside) / Double(n)
        // Stated 80%; synthetic power laws are smoother than the real curves it was calibrated on.
        #expect(coverage >= 0.7 && coverage <= 0.97, "coverage \(coverage)")
        #expect(forecastError < 0.6 * lastError, "forecast \(forecastError / Double(n)), last value \(lastError / Double(n))")
    }

    @Test func aFlatNoisyCurveGetsAWideIntervalNotAConfidentTrend() throws {
        var rng = RandomGenerator(seed: 3)
        let flat = Self.curve({ _ in 0.8 }, noise: 0.02, seeds: 2, rng: &rng)
        let f = flat.features()
        let v = Forecaster.calibrated.forecast(f).at(10 * f.largest)
        // Real curves mostly keep rising, so the median allows a little gain; the interval holds the flat truth.
        #expect(abs(v.value - f.last) < 0.04, "median gain \(v.value - f.last)")
        #expect(v.low <= 0.8 && 0.8 <= v.high, "[\(v.low), \(v.high)]")
        // Wider than the gain it forecasts: the interval says how little is known.
        #expect(v.high - v.low > 2 * abs(v.value - f.last))
        #expect(v.high - v.low > 0.02)
        // A smooth rise of the same noise gets a forecast gain larger than the flat curve's.
        let rising = Self.curve({ 0.95 - 2 * pow($0, -0.4) }, noise: 0.002, rng: &rng).features()
        let r = Forecaster.calibrated.forecast(rising).at(10 * rising.largest)
        #expect(r.value - rising.last > 0.01)
    }

    @Test func aPeakingCurveIsFlagged() {
        var rng = RandomGenerator(seed: 1)
        let peak = Self.curve({ m in 0.9 - 0.2 * abs(log2(m / 256)) / 4 }, noise: 0.002, rng: &rng)
        let f = peak.features()
        #expect(f.drop > 0.05)
        #expect(Forecaster.calibrated.forecast(f).cautions.contains { $0.contains("peaked") })
        let steady = Self.curve({ 0.95 - 2 * pow($0, -0.4) }, noise: 0.002, rng: &rng).features()
        #expect(Forecaster.calibrated.forecast(steady).cautions.isEmpty)
    }

    @Test func theForecastStartsAtTheLastValueAndItsIntervalWidensWithTheHorizon() {
        var rng = RandomGenerator(seed: 5)
        let f = Self.curve({ 0.9 - 1.5 * pow($0, -0.45) }, noise: 0.003, rng: &rng).features()
        let forecast = Forecaster.calibrated.forecast(f)
        let path = forecast.curve(to: 16 * f.largest)
        #expect(abs(path[0].value - f.last) < 1e-9 && path[0].measured)
        let widths = path.dropFirst().map { $0.high - $0.low }
        #expect(zip(widths, widths.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
        #expect(path.allSatisfy { $0.low <= $0.value && $0.value <= $0.high && $0.low >= 0 && $0.high <= 1 })
        // One and two sizes still get an answer, with an interval.
        for n in [1, 2, 3] {
            let short = CurveFeatures(sizes: Array(f.sizes.prefix(n)), means: Array(f.means.prefix(n)))
            let v = Forecaster.calibrated.forecast(short).at(10 * short.largest)
            #expect(v.high > v.low && v.value.isFinite, "\(n) sizes: \(v)")
        }
    }

    @Test func quantileRegressionFindsTheQuantilesOfAKnownLine() {
        var rng = RandomGenerator(seed: 11)
        var rows: [[Double]] = [], y: [Double] = []
        for _ in 0..<4000 {
            let x = 1 + 9 * Double(rng.uniform())
            rows.append([1, x])
            y.append(2 * x + 1 + x * (Double(rng.uniform()) - 0.5))  // uniform noise of width x
        }
        let median = QuantileRegression.fit(rows: rows, targets: y, quantile: 0.5)
        let upper = QuantileRegression.fit(rows: rows, targets: y, quantile: 0.9)
        #expect(abs(median[0] - 1) < 0.1 && abs(median[1] - 2) < 0.03, "\(median)")
        // The 90th percentile of x·U(−½, ½) is 0.4·x.
        #expect(abs(upper[1] - 2.4) < 0.05, "\(upper)")
    }

    @Test func calibrationOnCurvesFitsEveryTier() throws {
        var rng = RandomGenerator(seed: 2)
        let curves = (0..<60).map { _ in
            let a = 0.8 + 0.15 * Double(rng.uniform()), c = 0.2 + 0.4 * Double(rng.uniform())
            return Self.curve({ a - 1.5 * pow($0, -c) }, noise: 0.005, rng: &rng)
        }
        let f = try Forecaster.calibrate(on: curves)
        for tier in Forecaster.Tier.allCases {
            let m = f.models[tier]
            #expect(m != nil && m!.median.allSatisfy(\.isFinite) && m!.low.allSatisfy(\.isFinite) && m!.high.allSatisfy(\.isFinite))
        }
        #expect(f.swiftSource.contains(".full: Model(median:"))
    }

    /// Too few curves for a tier's regressions (one curve, or none) is an error naming --calibrate, not zeros.
    @Test func calibrationOnTooFewCurvesSaysSo() throws {
        var rng = RandomGenerator(seed: 2)
        let one = Self.curve({ 0.9 - 1.5 * pow($0, -0.4) }, noise: 0.005, rng: &rng)
        for curves in [[one], []] {
            #expect { try Forecaster.calibrate(on: curves) } throws: { error in
                guard case let LabError.invalidOption(option, detail) = error else { return false }
                return option == "calibrate" && detail.contains("too few to fit") && detail.contains("\(curves.count) curve")
            }
        }
    }

    /// A forecast size is at most 10^15 (an absolute size or a multiple of the largest measured); past it `--at` is
    /// refused by name, and sizes up to it are written without overflowing an Int.
    @Test func forecastSizesHaveACeiling() throws {
        var rng = RandomGenerator(seed: 6)
        let curve = Self.curve({ 0.9 - 1.5 * pow($0, -0.4) }, noise: 0.003, rng: &rng)
        let table = CurveTable(layout: .plain, metricColumn: "score", curves: [curve])
        for at in ["1e30", "1e308x", "1000000000000000000000x", "1e15x", "1000000000000001"] {
            #expect { try FitRequest(table: table, at: at, target: nil) } throws: { "\($0)".hasPrefix("--at: '\(at)'") && "\($0)".contains("beyond m = 1,000,000,000,000,000") }
        }
        let far = try FitRequest(table: table, at: "1e15,10x", target: 0.99).run()
        #expect(far.console.contains("m = 1,000,000,000,000,000: "))
        #expect(Analysis.count(1e30) == "1e+30" && Analysis.count(12_000.4) == "12,000" && Analysis.count(Double.infinity) == "inf")
    }

    @Test func everyLearnerOfASweepGetsAForecastWithAnInterval() throws {
        func cell(_ name: String, _ m: Int, _ seed: UInt64, _ acc: Double) -> CellResult {
            CellResult(key: CellKey(dataset: "d", learner: name, configuration: name, m: m, seed: seed), status: .ok, accuracy: acc, fitSeconds: 1)
        }
        let sizes = [100, 300, 1000, 3000, 10000]
        var results: [CellResult] = []
        for (i, m) in sizes.enumerated() {
            for s in 0..<2 {
                results.append(cell("net", m, UInt64(s), 0.95 - 2 * pow(Double(m), -0.4) + 0.001 * Double(s)))
                results.append(cell("flat", m, UInt64(s), 0.84 + 0.004 * Double((i + s) % 2)))
            }
        }
        results.append(cell("once", 100, 0, 0.7))
        let a = Analysis(results: results, learners: [("net", "net"), ("flat", "flat"), ("once", "once")])
        #expect(a.forecastTo == 100_000)
        for c in a.learners {
            let end = try #require(c.forecastEnd, "\(c.learner) has no forecast")
            #expect(end.low <= end.value && end.value <= end.high && end.high > end.low)
        }
        let text = (a.verdict(pool: 10000) + a.summary).joined(separator: "\n")
        #expect(!text.contains("no curve is fitted"))
        #expect(text.contains("80% intervals"))
        #expect(text.contains("net +") && text.contains("flat +") || text.contains("flat −") || text.contains("flat -"))
        let svg = CurveChart(title: "t", analysis: a).svg
        #expect(svg.components(separatedBy: "class=\"forecast\"").count - 1 == 3)
    }
}

/// `takeoff fit`'s reader: the three layouts, and a clear error naming the row or column for bad input.
@Suite struct CurveTableTests {
    func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func message(_ text: String, dataset: String? = nil) -> String {
        do {
            _ = try CurveTable.read(try write(text), dataset: dataset)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsTheThreeLayouts() throws {
        let takeoff = try CurveTable.read(try write("""
            learner,m,seed,status,test_accuracy,configuration
            logreg,100,0,ok,0.70,"{""learner"":""logreg"",""c"":""1,2""}"
            logreg,100,1,ok,0.72,x
            logreg,1000,0,ok,0.80,x
            logreg,1000,1,skipped-budget,,x
            """))
        #expect(takeoff.layout == .takeoff && takeoff.curves.count == 1)
        #expect(takeoff.curves[0].points.map(\.m) == [100, 1000] && takeoff.curves[0].points[0].scores == [0.70, 0.72])
        let lcdb = try CurveTable.read(try write("""
            openmlid,learner,size_train,size_test,outer_seed,inner_seed,traintime,score_train,score_valid,score_test
            3,SVC_linear,16,10,0,0,0.1,1,0.5,0.61
            3,SVC_linear,16,10,0,1,0.1,1,0.5,0.63
            3,SVC_linear,23,10,0,0,0.1,1,0.5,0.66
            6,SVC_linear,16,10,0,0,0.1,1,0.5,nan
            6,SVC_linear,16,10,1,0,0.1,1,0.5,0.5
            6,SVC_linear,23,10,0,0,0.1,1,0.5,0.55
            """))
        #expect(lcdb.layout == .lcdb && lcdb.datasets == ["3", "6"] && lcdb.curves[0].points[0].scores.count == 2)
        #expect(try CurveTable.read(try write("openmlid,learner,size_train,outer_seed,inner_seed,score_test\n3,a,16,0,0,0.6\n3,a,32,0,0,0.7\n6,a,16,0,0,0.5\n6,a,32,0,0,0.6\n"),
                                    dataset: "6").curves.count == 1)
        let plain = try CurveTable.read(try write("learner,m,score\nsvm,50,0.6\nsvm,200,0.7\nknn,50,0.55\nknn,200,0.6\n"))
        #expect(plain.layout == .plain && plain.curves.map(\.learner) == ["svm", "knn"])
    }

    @Test func badInputIsNamedByRowOrColumn() {
        #expect(message("learner,size,score\na,1,0.5\n").contains("m"))                          // a missing column, named
        #expect(message("learner,m,score\na,10,high\na,20,0.5\n").contains("line 2"))             // not a number
        #expect(message("learner,m,score\na,10,0.5\na,20,91\n").contains("line 3"))               // outside 0–1
        #expect(message("learner,m,score\na,10,0.5\nb,10,0.6\n").contains("at least two"))        // one size only
        #expect(message("learner,m,score\na,0,0.5\na,20,0.6\n").contains("line 2"))               // m ≤ 0
        #expect(message("learner,m,score\na,10,0.5\na,10,0.6\n").contains("repeats line 2"))      // duplicated row
        #expect(message("learner,m,seed,test_accuracy\na,10,0,0.5\na,10,0,0.6\n").contains("repeats line 2"))
        #expect(message("openmlid,learner,size_train,outer_seed,inner_seed,score_test\n3,a,16,0,0,0.6\n3,a,32,0,0,0.7\n", dataset: "99")
                    .contains("no data set '99'"))
        #expect(message("").contains("empty"))
    }

    @Test func fitForecastsEveryCurveAndWritesTheReport() throws {
        let url = try write("learner,m,score,seed\n" + [100, 200, 400, 800, 1600].flatMap { m in
            (0..<2).flatMap { s in
                ["net,\(m),\(0.95 - 2 * pow(Double(m), -0.4) + 0.002 * Double(s)),\(s)", "lin,\(m),\(0.85 - 0.5 * pow(Double(m), -0.5)),\(s)"]
            }
        }.joined(separator: "\n") + "\n")
        let table = try CurveTable.read(url)
        let result = try FitRequest(table: table, at: "2x,10x,50000", target: 0.92).run()
        #expect(result.learners.count == 2 && result.learners.allSatisfy { $0.forecasts.count == 3 })
        #expect(result.learners.allSatisfy { $0.forecasts.allSatisfy { $0.low <= $0.value && $0.value <= $0.high } })
        let json = try JSONSerialization.jsonObject(with: result.json()) as! [String: Any]
        let curves = json["curves"] as! [[String: Any]]
        #expect((curves[0]["forecasts"] as! [[String: Any]])[0]["m"] as? Double == 3200)
        let report = try #require(result.report(file: url.path))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try report.write(to: dir)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("What more data would buy") && html.contains("class=\"forecast\""))
        #expect(throws: CurveError.self) { try FitRequest(table: table, at: "ten", target: nil) }
    }
}
