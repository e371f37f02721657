import Foundation
import TakeoffEngine

/// A one-line progress bar with ETA on standard error, redrawn in place on a terminal and
/// printed at most every few seconds otherwise.
public final class ProgressBar: @unchecked Sendable {
    let total: Int
    let label: String
    let start = Date()
    let interactive = isatty(2) == 1
    var lastPrint = Date.distantPast

    public init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    /// Shows `done` of `total` units with a trailing status such as `loss 0.31 acc 0.89`.
    public func update(_ done: Int, status: String, force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastPrint) > (interactive ? 0.1 : 5) else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let fraction = Double(done) / Double(max(total, 1))
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let width = 24, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "\(label) \(bar) \(Int(fraction * 100))% \(ProgressBar.clock(elapsed)) ETA \(ProgressBar.clock(eta)) \(status)"
        StandardStreams.error((interactive ? "\r\u{1B}[K" : "") + line + (interactive ? "" : "\n"))
    }

    /// Ends the bar's line.
    public func finish(status: String) {
        update(total, status: status, force: true)
        if interactive { StandardStreams.error("\n") }
    }

    /// `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
