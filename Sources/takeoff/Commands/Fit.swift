import ArgumentParser
import Foundation
import TakeoffData
import TakeoffLab

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast anyone's learning curves: what more data would buy each learner, with 80% intervals.",
        discussion: """
            FILE is Takeoff's results.csv (learner, m, seed and the metric's column are enough), the Learning Curve Database's \
            database-*.csv (openmlid, learner, size_train, outer_seed, inner_seed, score_test), or a plain table learner,m,score[,seed]. \
            Scores are fractions in 0–1, higher is better. With one data set (or --dataset) it writes the same report and figure as \
            'takeoff curve', forecasts drawn dashed with their bands; over many (the whole LCDB file) it prints, per pair of a neural network \
            and a traditional learner, how often and where the network overtakes it, measured and forecast.
            """)
    @Argument(help: "The curves: a CSV file.") var file: String
    @Option(help: "Keep one data set (LCDB's openmlid).") var dataset: String?
    @Option(help: "Sizes to forecast: M[,M…], or Nx for N times the largest measured size (default 10x).") var at: String = "10x"
    @Option(help: "Target score (0–1 or percent): the data each learner needs to reach it, with an interval.") var target: Double?
    @Option(help: "The score's column (default test_accuracy, score_test or score by layout; a log-loss column is read as e^(−loss)).")
    var metric: String?
    @Option(help: "Output folder for the report and figure.") var out: String = "takeoff-out/fit"
    @Flag(help: "Print the forecasts as JSON on standard output.") var json = false
    @Option(help: "Score the forecaster on the file's curves as the LCDB benchmark does: at each divisor D the sizes up to the largest / D are seen and the largest is predicted (e.g. 4,10); with --half odd, only odd data set ids.")
    var backtest: String?
    @Option(help: "Fit the forecaster's coefficients on the file's curves (even or odd data set ids, or all) and print them as Swift source.")
    var calibrate: String?
    @Option(help: "With --backtest: the data sets scored (even, odd or all).") var half: String = "all"

    func run() throws {
        let table = try CurveTable.read(URL(fileURLWithPath: file), metric: metric, dataset: dataset)
        if let calibrate {
            let forecaster = try Forecaster.calibrate(on: try Self.half(table.curves, calibrate, option: "calibrate"))
            print(forecaster.swiftSource)
            return
        }
        if let backtest {
            let curves = try Self.half(table.curves, half, option: "half")
            let divisors = try CommaList.items(backtest).map { text in
                guard let d = Double(text), d > 1, d.isFinite else { throw ValidationError("--backtest: '\(text)' is not a divisor above 1") }
                return (text, d)
            }
            guard !divisors.isEmpty else { throw ValidationError("--backtest: no divisor given") }
            for (text, d) in divisors {
                let result = ForecastBacktest.run(curves, divisor: d)
                guard result.curves > 0 else {
                    throw ValidationError("--backtest \(text): none of the \(curves.count) curves has 4 sizes or more up to its largest size / "
                                          + "\(text), so there is nothing to score; give a smaller divisor or longer curves")
                }
                print(result.table + "\n")
            }
            return
        }
        let request = try FitRequest(table: table, at: at, target: target.map { $0 > 1 ? $0 / 100 : $0 })
        let result = request.run()
        if json {
            print(String(decoding: try result.json(), as: UTF8.self))
        } else {
            print(result.console)
        }
        if let report = result.report(file: file) {
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try report.write(to: dir)
            if !json { print("\nWrote \(out)/curve.svg, curve.png, report.html, results.csv and summary.json") }
        }
    }

    /// The curves of data sets with even or odd numeric ids, or all of them; none is an error naming `option`.
    static func half(_ curves: [ObservedCurve], _ which: String, option: String) throws -> [ObservedCurve] {
        switch which {
        case "all": return curves
        case "even", "odd":
            let kept = curves.filter { c in Int(c.dataset).map { ($0 % 2 == 0) == (which == "even") } ?? false }
            guard !kept.isEmpty else { throw ValidationError("--\(option) \(which): no curve's data set id is \(which) (a number)") }
            return kept
        default: throw ValidationError("--\(option): expected even, odd or all, got '\(which)'")
        }
    }
}
