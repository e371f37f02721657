import Foundation
import TakeoffNN

extension ActivationReport {
    /// Plain-language findings: speed-ups over sigmoid and what the gradient norms show.
    public var findings: [String] {
        var lines: [String] = []
        let steps = race.seeds.count
        guard let sigmoid = summaries.first(where: { $0.activation == "sigmoid" }) else {
            return ["Sigmoid was not in the race, so no speed-up over it is reported."]
        }
        let seeds = "mean of \(steps) seed\(steps == 1 ? "" : "s")"
        lines.append(sigmoid.stepsToTargetLoss.map { String(format: "To reach a training loss of %@, sigmoid needed %.0f steps (%@).", "\(race.targetLoss)", $0.mean, seeds) }
            ?? "Sigmoid did not reach a training loss of \(race.targetLoss) in the steps it ran (\(seeds)).")
        for s in summaries where s.activation != "sigmoid" {
            if s.diverged == s.runs {
                lines.append("\(s.activation) diverged in every run (learning rate \(race.learningRate)).")
            } else if let speedup = s.speedupOverSigmoid, let reached = s.stepsToTargetLoss {
                lines.append(String(format: "%@ reached it in %.0f steps: %@%.1f× fewer steps than sigmoid (±%.1f over seeds).",
                                    s.activation, reached.mean, s.speedupIsLowerBound ? "at least " : "", speedup.mean, speedup.std))
            } else {
                lines.append("\(s.activation) did not reach it either.")
            }
        }
        for s in summaries where s.earlyGradientNorms.count >= 2 {
            let first = s.earlyGradientNorms.first!, last = s.earlyGradientNorms.last!
            lines.append(String(format: "In the first epoch, %@'s weight gradient was %.2g at the layer nearest the input and %.2g at the output layer (ratio %.2g).",
                                s.activation, first, last, first / last))
        }
        if let relu = summaries.first(where: { $0.activation == "relu" }), relu.earlyGradientNorms.count >= 2,
           sigmoid.earlyGradientNorms.count >= 2 {
            let sig = sigmoid.earlyGradientNorms.first! / sigmoid.earlyGradientNorms.last!
            let rel = relu.earlyGradientNorms.first! / relu.earlyGradientNorms.last!
            lines.append(sig < rel
                ? "Sigmoid's gradients shrink layer by layer toward the input (its derivative is at most 0.25), so its lower layers barely learn; ReLU passes gradients through unchanged where it is active. That is why ReLU trains faster."
                : "In this run sigmoid's lower-layer gradients did not shrink more than ReLU's.")
        }
        return lines
    }

    /// A self-contained page: setup, findings, the figure and the table.
    public var html: String {
        func cell(_ s: ActivationRace.Spread?, _ format: String, scale: Double = 1) -> String {
            guard let s else { return "not reached" }
            return String(format: format, s.mean * scale) + (s.count > 1 ? String(format: " ± " + format, s.std * scale) : "")
        }
        var rows = ""
        for s in summaries {
            let speedup = s.speedupText { cell($0, "%.1f") }
            rows += "<tr><td>\(s.activation)</td><td>\(cell(s.stepsToTargetLoss, "%.0f"))</td><td>\(cell(s.secondsToTargetLoss, "%.1f"))</td>"
                + "<td>\(cell(s.stepsToTargetAccuracy, "%.0f"))</td><td>\(speedup)</td><td>\(cell(s.finalTestAccuracy, "%.2f%%", scale: 100))</td>"
                + "<td>\(s.diverged)/\(s.runs)</td></tr>\n"
        }
        let setup = "\(Plot.escape(data)): \(race.depth) hidden layers of \(race.width), \(race.optimizerName), learning rate \(race.learningRate), batch \(race.batchSize), \(race.seeds.count) seed(s), on \(race.device == .cpu ? "the CPU" : "the GPU")\(race.precision == .bf16 ? ", bfloat16 products" : "")"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Takeoff: activation race</title>
        <style>body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:1280px;margin:24px auto;padding:0 16px;color:#222}
        table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
        td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}svg{max-width:100%;height:auto}</style></head>
        <body>
        <h1>Sigmoid versus ReLU, and why</h1>
        <p>\(setup). Only the activation differs (with the initialiser that suits it: Xavier for sigmoid and tanh, He for the ReLU family).</p>
        <h2>What the run says</h2>
        <ul>\(findings.map { "<li>\(Plot.escape($0))</li>" }.joined())</ul>
        \(svg)
        <h2>Table</h2>
        <table><tr><th>activation</th><th>steps to loss \(race.targetLoss)</th><th>seconds to loss \(race.targetLoss)</th><th>steps to \(String(format: "%.0f%%", race.targetAccuracy * 100)) test accuracy</th><th>× faster than sigmoid (steps)</th><th>final test accuracy</th><th>diverged</th></tr>
        \(rows)</table>
        <p>Steps to a loss count from the first step whose loss averaged over the last 10 steps is at or below the target. A “≥” speed-up means sigmoid never reached the target, so all the steps it ran are counted.</p>
        </body></html>

        """
    }
}
