/// Errors from resolving or configuring a classic learner.
public enum ClassicError: Error, CustomStringConvertible, Equatable {
    /// No classic learner has this name.
    case unknownLearner(name: String, known: [String])
    /// An option's value is out of its range or does not apply.
    case invalidOption(option: String, value: String, reason: String)
    /// A saved model file is malformed.
    case badModelFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownLearner(n, known): "unknown learner '\(n)'; classic learners are: \(known.joined(separator: ", "))"
        case let .invalidOption(o, v, r): "option \(o) = \(v): \(r)"
        case let .badModelFile(p, r): "\(p): \(r)"
        }
    }
}
