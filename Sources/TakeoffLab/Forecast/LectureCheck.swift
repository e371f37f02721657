import Foundation

/// The lecture's claim tested on curves measured elsewhere: for each pair of a neural network and a traditional
/// learner (logistic regression, a linear or kernel SVM) measured on the same data sets, how often the network
/// is ahead at the largest size both reached, where it overtook, and what the forecasts say at ten times that size.
public enum LectureCheck {
    public struct Pair: Sendable, Codable {
        public var network: String
        public var traditional: String
        /// Data sets where both were measured at two or more shared sizes.
        public var datasets: Int
        /// The network ahead at the largest shared size.
        public var aheadMeasured: Int
        /// Behind at the smallest shared size and ahead at the largest: it overtook within the measured sizes.
        public var overtookMeasured: Int
        /// The median m of those crossings (the last change of order, interpolated in log m).
        public var medianCrossing: Double?
        /// Ahead by the forecasts' medians at ten times the largest shared size.
        public var aheadForecast: Int
        /// Ahead at ten times with the network's 80% interval wholly above the traditional learner's.
        public var clearlyAheadForecast: Int
        /// Behind at the largest shared size but ahead by the forecasts at ten times it: a crossover only in the forecast.
        public var overtakesInForecast: Int
    }

    /// scikit-learn's learners by their class names (sklearn.linear_model.LogisticRegression: LogisticRegression).
    public static func shortName(_ name: String) -> String {
        name.hasPrefix("sklearn.") ? String(name.split(separator: ".").last ?? Substring(name)) : name
    }

    public static func isNetwork(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.contains("mlp") || n.contains("neural") || n == "cnn"
    }

    public static func isTraditional(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.contains("logistic") || n.contains("logreg") || n.contains("svc") || n.contains("svm")
    }

    public static func run(_ curves: [ObservedCurve]) -> [Pair] {
        let byDataset = Dictionary(grouping: curves, by: \.dataset)
        let networks = Set(curves.map(\.learner).filter(isNetwork)).sorted()
        let traditional = Set(curves.map(\.learner).filter(isTraditional)).subtracting(networks).sorted()
        var pairs: [Pair] = []
        for net in networks {
            for trad in traditional {
                var pair = Pair(network: net, traditional: trad, datasets: 0, aheadMeasured: 0, overtookMeasured: 0, medianCrossing: nil,
                                aheadForecast: 0, clearlyAheadForecast: 0, overtakesInForecast: 0)
                var crossings: [Double] = []
                for (_, group) in byDataset {
                    guard let a = group.first(where: { $0.learner == net }), let b = group.first(where: { $0.learner == trad }) else { continue }
                    let bm = Dictionary(uniqueKeysWithValues: zip(b.points.map(\.m), b.means))
                    let shared = zip(a.points.map(\.m), a.means).compactMap { m, v in bm[m].map { (m: Double(m), diff: v - $0) } }
                    guard shared.count >= 2, let top = shared.last else { continue }
                    pair.datasets += 1
                    let ahead = top.diff > 0
                    if ahead { pair.aheadMeasured += 1 }
                    if ahead && shared[0].diff < 0 {
                        pair.overtookMeasured += 1
                        if let m = Analysis.lastCrossing(sizes: shared.map(\.m), diffs: shared.map(\.diff)) { crossings.append(m) }
                    }
                    let fa = Forecaster.calibrated.forecast(a.features()).at(10 * top.m)
                    let fb = Forecaster.calibrated.forecast(b.features()).at(10 * top.m)
                    if fa.value > fb.value {
                        pair.aheadForecast += 1
                        if fa.low > fb.high { pair.clearlyAheadForecast += 1 }
                        if !ahead { pair.overtakesInForecast += 1 }
                    }
                }
                guard pair.datasets > 0 else { continue }
                crossings.sort()
                pair.medianCrossing = crossings.isEmpty ? nil : crossings[crossings.count / 2]
                pairs.append(pair)
            }
        }
        return pairs
    }

    /// The pairs as a table.
    public static func table(_ pairs: [Pair]) -> String {
        func pct(_ k: Int, _ n: Int) -> String { String(format: "%3.0f%%", 100 * Double(k) / Double(max(n, 1))) }
        let short = shortName
        let width = max(24, pairs.map { short($0.network).count + short($0.traditional).count + 4 }.max() ?? 0)
        var lines = ["Does the network overtake the traditional learner? (share of data sets where both were measured)",
                     "pair".padding(toLength: width, withPad: " ", startingAt: 0)
                        + "  sets  ahead at largest  overtook (median m)  ahead at 10x  clearly  only in forecast"]
        for p in pairs {
            let name = "\(short(p.network)) vs \(short(p.traditional))"
            lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + String(format: "  %4d", p.datasets) + "  " + pct(p.aheadMeasured, p.datasets).padding(toLength: 16, withPad: " ", startingAt: 0)
                         + "  " + (pct(p.overtookMeasured, p.datasets) + (p.medianCrossing.map { " (\(Analysis.count(Int($0))))" } ?? "")).padding(toLength: 19, withPad: " ", startingAt: 0)
                         + "  " + pct(p.aheadForecast, p.datasets).padding(toLength: 12, withPad: " ", startingAt: 0)
                         + "  " + pct(p.clearlyAheadForecast, p.datasets).padding(toLength: 7, withPad: " ", startingAt: 0)
                         + "  " + pct(p.overtakesInForecast, p.datasets))
        }
        return lines.joined(separator: "\n")
    }
}
