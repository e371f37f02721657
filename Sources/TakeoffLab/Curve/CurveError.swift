import Foundation

/// A sweep that cannot start or a store that cannot be used, named so the user can fix it.
public enum CurveError: Error, CustomStringConvertible, Equatable {
    case invalidGrid(String)
    case sizeExceedsPool(m: Int, pool: Int, dataset: String)
    case incompatibleStore(path: String, found: Int, expected: Int)
    case unreadableStore(path: String, detail: String)
    case unwritableOutput(path: String, detail: String)
    /// Another run is writing to this store (``StoreLock``); `holder` is what it wrote about itself.
    case storeInUse(store: String, holder: String)

    public var description: String {
        switch self {
        case let .invalidGrid(d): d
        case let .sizeExceedsPool(m, pool, d): "--sizes: m = \(m) exceeds the training pool of \(pool) examples of \(d)"
        case let .incompatibleStore(p, f, e):
            "\(p) was written by an incompatible version of Takeoff (store schema \(f), this version reads \(e)); "
                + "move it away or use another store"
        case let .unreadableStore(p, d): "\(p) is not a usable results store: \(d)"
        case let .unwritableOutput(p, d): "cannot write to the output folder \(p): \(d)"
        case let .storeInUse(s, h):
            "\(s) is in use by another run (\(h)); wait for it to finish, or run beside it with --out set to another folder "
                + "(a later run on this one resumes from its cells)"
        }
    }
}
