/// Errors from configuring a classic learner or reading its model file.
public enum ClassicError: Error, CustomStringConvertible, Equatable {
    /// An option's value is out of its range.
    case invalidOption(option: String, value: String, reason: String)
    /// A saved model file is malformed.
    case badModelFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidOption(o, v, r): "option \(o) = \(v): \(r)"
        case let .badModelFile(p, r): "\(p): \(r)"
        }
    }
}
