import Foundation
import TakeoffNN

/// The files of an activation race: per-step and per-epoch CSV and a JSON summary.
public struct ActivationReport {
    public var race: ActivationRace
    public var runs: [ActivationRace.Run]
    public var summaries: [ActivationRace.Summary]
    public var data: String

    public init(race: ActivationRace, runs: [ActivationRace.Run], summaries: [ActivationRace.Summary], data: String) {
        (self.race, self.runs, self.summaries, self.data) = (race, runs, summaries, data)
    }

    /// Writes `activations.svg` (and its `activations.png`), `report.html`, `activations.csv` and `summary.json` into `folder`.
    public func write(to folder: URL) throws {
        try PNGRenderer.writeFigure(svg: svg, to: folder.appendingPathComponent("activations.svg"))
        try ReportFile.write(html, to: folder.appendingPathComponent("report.html"))
        var csv = "activation,seed,kind,step,epoch,seconds,value,layer\n"
        for r in runs {
            let a = r.activation.rawValue
            for (i, l) in r.stepLosses.enumerated() { csv += "\(a),\(r.seed),train_loss,\(i + 1),,\(r.stepSeconds[i]),\(l),\n" }
            var elapsed = 0.0
            for e in r.epochs {
                elapsed += e.seconds
                let end = e.epoch * e.steps
                if let acc = e.monitorAccuracy { csv += "\(a),\(r.seed),test_accuracy,\(end),\(e.epoch),\(elapsed),\(acc),\n" }
            }
            for sample in r.gradientNorms {
                for (layer, n) in sample.norms.enumerated() { csv += "\(a),\(r.seed),grad_norm,\(sample.step + 1),,,\(n),\(layer + 1)\n" }
            }
        }
        try ReportFile.write(csv, to: folder.appendingPathComponent("activations.csv"))
        struct Setup: Codable { var data: String, depth: Int, width: Int, optimizer: String, lr: Float, batch: Int, seeds: Int,
                                targetLoss: Float, targetAccuracy: Double, device: String, precision: String }
        struct Document: Codable { var setup: Setup; var activations: [ActivationRace.Summary]; var failures: [String] }
        let doc = Document(setup: Setup(data: data, depth: race.depth, width: race.width, optimizer: race.optimizer.description,
                                        lr: race.learningRate, batch: race.batchSize, seeds: race.seeds.count,
                                        targetLoss: race.targetLoss, targetAccuracy: race.targetAccuracy, device: race.device.rawValue,
                                        precision: race.precision.rawValue),
                           activations: summaries,
                           failures: runs.compactMap { r in r.failure.map { "\(r.activation.rawValue) seed \(r.seed): \($0)" } })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try ReportFile.write(encoder.encode(doc), to: folder.appendingPathComponent("summary.json"))
    }

    /// A terminal table: time to the targets, speed-up over sigmoid, final accuracy, early gradient norms.
    public static func table(_ summaries: [ActivationRace.Summary], race: ActivationRace) -> String {
        func f(_ s: ActivationRace.Spread?, _ format: String, scale: Double = 1) -> String {
            guard let s else { return "not reached" }
            return String(format: format, s.mean * scale) + (s.count > 1 ? String(format: " ±" + format, s.std * scale) : "")
                + (s.count < race.seeds.count ? " (\(s.count)/\(race.seeds.count))" : "")
        }
        func row(_ cells: [String]) -> String {
            zip(cells, [11, 20, 18, 18, 17, 0]).map { $1 == 0 ? $0 : $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: " ")
        }
        var lines = [row(["activation", "steps to loss \(race.targetLoss)", "seconds to loss", "× faster (steps)", "test accuracy",
                          "grad norm per layer, 1st epoch (input → output)"])]
        for s in summaries {
            let norms = s.earlyGradientNorms.map { String(format: "%.2g", $0) }.joined(separator: " ")
            let speedup = s.speedupText { f($0, "%.1f") }
            lines.append(row([s.activation, f(s.stepsToTargetLoss, "%.0f"), f(s.secondsToTargetLoss, "%.1f"), speedup,
                              f(s.finalTestAccuracy, "%.2f%%", scale: 100), norms])
                         + (s.diverged > 0 ? "  [\(s.diverged) diverged]" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
