import Foundation

/// A wall-clock time after which long work on this thread stops early: a sweep gives each cell the end
/// of its time budget, and training loops and solvers look at it between steps (``hasPassed``).
///
/// Work that stopped for it does not say so itself (a solver returns what it has): whoever set the
/// deadline asks ``hasPassed`` afterwards and discards the result.
public enum Deadline {
    /// The deadline of the work started on this thread, as ``Benchmarks/now()`` seconds; nil for none.
    @TaskLocal static var scoped: Double?

    /// Runs `body` with a deadline `seconds` from now (none when nil).
    public static func within<R>(_ seconds: Double?, _ body: () throws -> R) rethrows -> R {
        guard let seconds else { return try body() }
        return try $scoped.withValue(Benchmarks.now() + seconds, operation: body)
    }

    /// The enclosing deadline as ``Benchmarks/now()`` seconds, nil outside one: work that moves to other
    /// threads takes it along with ``until(_:_:)``.
    public static var end: Double? { scoped }

    /// Runs `body` with the deadline `end` (from ``end`` on the thread that started the work).
    public static func until<R>(_ end: Double?, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(end, operation: body)
    }

    /// Whether the enclosing ``within(_:_:)`` deadline has passed (false outside one).
    public static var hasPassed: Bool {
        guard let end = scoped else { return false }
        return Benchmarks.now() > end
    }

    /// Throws ``DeadlinePassed`` when ``hasPassed``.
    public static func check() throws {
        if hasPassed { throw DeadlinePassed() }
    }
}

/// Work stopped because its ``Deadline`` passed.
public struct DeadlinePassed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "stopped: its time ran out" }
}
