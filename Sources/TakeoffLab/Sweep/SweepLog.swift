import Foundation
import TakeoffEngine

/// A sweep's lines on standard error, numbered as cells finish, each clearing the progress bar's line
/// on a terminal first: what every sweep command (curve, scale, activations) prints while it runs.
public final class SweepLog: @unchecked Sendable {
    private var count = 0
    private let interactive = isatty(2) == 1
    private let lock = NSLock()

    public init() {}

    /// One finished or skipped cell, e.g. `[3] logreg m=100 seed 0: ok 81.20% …`.
    public func line(_ text: String) {
        let number = lock.withLock { count += 1; return count }
        StandardStreams.error((interactive ? "\r\u{1B}[K" : "") + "[\(number)] " + text + "\n")
    }

    /// A line before the sweep starts (what will run).
    public func announce(_ text: String) { StandardStreams.error(text + "\n") }
}
