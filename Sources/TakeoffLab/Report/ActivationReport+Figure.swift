import Foundation
import TakeoffNN

extension ActivationReport {
    /// Layer colours from the input (light) to the output (dark).
    static func layerColor(_ layer: Int, of count: Int) -> String {
        let ramp = ["#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#b30000", "#7f0000"]
        return ramp[Int((Double(layer) / Double(Swift.max(count - 1, 1)) * Double(ramp.count - 1)).rounded())]
    }

    /// Mean over seeds of the loss smoothed over `window` steps, thinned to at most `points` points,
    /// against the step or against the mean seconds at that step.
    func lossCurve(_ runs: [ActivationRace.Run], bySeconds: Bool, window: Int = 50, points: Int = 300) -> [(x: Double, y: Double)] {
        let done = runs.filter { $0.failure == nil && !$0.stepLosses.isEmpty }
        guard let steps = done.map(\.stepLosses.count).min(), steps > 0 else { return [] }
        let stride = Swift.max(1, steps / points)
        return Swift.stride(from: 0, to: steps, by: stride).map { i in
            let lo = Swift.max(0, i - window + 1)
            let loss = done.map { r in Double(r.stepLosses[lo...i].reduce(0, +)) / Double(i - lo + 1) }.reduce(0, +) / Double(done.count)
            let x = bySeconds ? done.map { $0.stepSeconds[i] }.reduce(0, +) / Double(done.count) : Double(i + 1)
            return (x, loss)
        }
    }

    /// Loss against steps and against seconds, then one panel per activation with each layer's
    /// weight-gradient norm against steps (seed 0), on one shared log scale.
    public var svg: String {
        let acts = race.activations
        let width = 1240.0, top = 60.0, panelHeight = 250.0
        let bottomTop = top + panelHeight + 80, smallHeight = 190.0
        let perRun = Dictionary(grouping: runs, by: \.activation)
        let byStep = acts.enumerated().map { i, a in
            Plot.Series(name: a.rawValue, color: Plot.palette[i], points: lossCurve(perRun[a] ?? [], bySeconds: false))
        }
        let bySeconds = acts.enumerated().map { i, a in
            Plot.Series(name: a.rawValue, color: Plot.palette[i], points: lossCurve(perRun[a] ?? [], bySeconds: true))
        }
        let losses = byStep.flatMap { $0.points.map(\.y) }
        let lossAxis = Plot.Axis.fitting(losses, log: true, label: "training loss (log, mean of seeds)")
        var panels = [
            Plot.Panel(title: "Training loss by step", x: .fitting(byStep.flatMap { $0.points.map(\.x) }, label: "step"),
                       y: lossAxis, series: byStep, frame: (80, top, 500, panelHeight)),
            Plot.Panel(title: "Training loss by wall time", x: .fitting(bySeconds.flatMap { $0.points.map(\.x) }, label: "seconds"),
                       y: lossAxis, series: bySeconds, frame: (700, top, 500, panelHeight)),
        ]
        let first = acts.compactMap { a in perRun[a]?.first { $0.failure == nil && !$0.gradientNorms.isEmpty } }
        let layers = first.first?.gradientNorms.first?.norms.count ?? 0
        let norms = first.flatMap { $0.gradientNorms.flatMap { $0.norms.map(Double.init) } }
        let normAxis = Plot.Axis.fitting(norms, log: true, label: "weight-gradient norm")
        var unlabelled = normAxis
        unlabelled.label = ""
        let smallWidth = (width - 80 - 40) / Double(Swift.max(acts.count, 1)) - 50
        for (i, a) in acts.enumerated() {
            let run = perRun[a]?.first { $0.failure == nil }
            let series = (0..<layers).map { l in
                Plot.Series(name: "layer \(l + 1)", color: Self.layerColor(l, of: layers),
                            points: (run?.gradientNorms ?? []).map { (Double($0.step + 1), Double($0.norms[l])) }, width: 1.4)
            }
            let title = run == nil ? "\(a.rawValue): diverged" : "\(a.rawValue): per layer"
            panels.append(Plot.Panel(title: title, x: .fitting(series.flatMap { $0.points.map(\.x) }, label: "step"),
                                     y: i == 0 ? normAxis : unlabelled, series: series,
                                     frame: (80 + Double(i) * (smallWidth + 50), bottomTop, smallWidth, smallHeight)))
        }
        let legend = acts.enumerated().map { (Plot.palette[$0.offset], $0.element.rawValue, false) }
            + (0..<layers).map { l in (Self.layerColor(l, of: layers), "layer \(l + 1)" + (l == 0 ? " (input)" : l == layers - 1 ? " (output)" : ""), false) }
        let legendTop = bottomTop + smallHeight + 60
        return Plot.figure(title: "Same network, different activation: \(data), \(race.depth) layers of \(race.width), \(race.optimizerName), lr \(race.learningRate)\(race.precision == .bf16 ? ", bf16" : "")",
                           width: width, height: legendTop + 20 * Double((legend.count + 6) / 7) + 20, panels: panels,
                           legend: legend, legendTop: legendTop, legendColumns: 7)
    }
}
