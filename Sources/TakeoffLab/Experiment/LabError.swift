/// A request the lab cannot carry out, naming the setting at fault (by the name its option has).
public enum LabError: Error, CustomStringConvertible, Equatable {
    case invalidOption(option: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidOption(option, detail): "\(option): \(detail)"
        }
    }
}
