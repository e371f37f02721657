import Foundation
import TakeoffEngine

/// The contents of a saved model file, as read, with where it came from.
public struct SavedModel: Sendable {
    public var tensors: [String: Tensor]
    public var metadata: [String: String]
    public var path: String

    public init(tensors: [String: Tensor], metadata: [String: String], path: String) {
        self.tensors = tensors; self.metadata = metadata; self.path = path
    }

    /// Reads the safetensors file at `url` (its metadata field `learner` names the learner that wrote it).
    public init(contentsOf url: URL) throws {
        let (tensors, metadata) = try Safetensors.read(from: url)
        self.init(tensors: tensors, metadata: metadata, path: url.path)
    }
}

/// A learner, declared once: its name, kind, the options it takes, what it needs of the data and how
/// its saved models load. The registry, the option checks, the sweep's data checks and model loading
/// all read this declaration; nothing else matches a learner by name or by type.
public struct LearnerDeclaration: Sendable {
    /// The lecture's two kinds of learner.
    public enum Family: String, Sendable, Codable { case traditional, neural }

    public let name: String
    public let family: Family
    /// One line for help texts and `takeoff learners`.
    public let summary: String
    /// The options it takes; any other set option is an error naming the learner.
    public let options: Set<LearnerOption>
    /// Whether its examples must be images (``Dataset/imageShape``).
    public let needsImages: Bool
    /// Whether it can train on a device other than the CPU.
    public let usesDevice: Bool
    /// Whether it learns from categorical fields (``Dataset/categorical``) and only from those; the
    /// others need dense features and refuse such data.
    public let takesCategorical: Bool
    let build: @Sendable (LearnerOptions, TrainingContext) throws -> any Learner
    let load: @Sendable (SavedModel) throws -> any TrainedModel

    public init(name: String, family: Family, summary: String, options: Set<LearnerOption>, needsImages: Bool = false,
                usesDevice: Bool = false, takesCategorical: Bool = false,
                build: @escaping @Sendable (LearnerOptions, TrainingContext) throws -> any Learner,
                load: @escaping @Sendable (SavedModel) throws -> any TrainedModel) {
        self.name = name; self.family = family; self.summary = summary; self.options = options
        self.needsImages = needsImages; self.usesDevice = usesDevice; self.takesCategorical = takesCategorical
        self.build = build; self.load = load
    }

    /// The learner configured with `options`, to train in `context`; throws ``LearnerError`` for an option it
    /// does not take or a value out of range.
    public func make(_ options: LearnerOptions = LearnerOptions(), context: TrainingContext = TrainingContext()) throws -> any Learner {
        if let (option, _) = options.given.first(where: { !self.options.contains($0.option) }) {
            throw LearnerError.optionNotTaken(learner: name, option: option, takes: self.options.sorted())
        }
        try options.validate()
        return try build(options, context)
    }

    /// The model saved in `file` by this learner.
    public func loadModel(_ file: SavedModel) throws -> any TrainedModel { try load(file) }

    /// Throws ``LearnerError/unsuitableData(learner:data:reason:)`` when `data` cannot be used by this learner.
    public func check(_ data: Dataset) throws {
        if needsImages && data.imageShape == nil {
            throw LearnerError.unsuitableData(learner: name, data: data.name, reason: "its examples are not images, and \(name) needs images")
        }
        if let fields = data.categorical, !takesCategorical {
            throw LearnerError.unsuitableData(learner: name, data: data.name, reason: "its examples are categorical fields (\(fields.names.joined(separator: ", "))) "
                                              + "with no dense features, and \(name) needs dense features; learners for such data: sparse-logreg, embed-mlp")
        }
        if takesCategorical && data.categorical == nil {
            throw LearnerError.unsuitableData(learner: name, data: data.name, reason: "\(name) learns from categorical fields (a click log's user, item, …), and its examples are dense features")
        }
    }

    /// Whether `data` can be used by this learner.
    public func suits(_ data: Dataset) -> Bool { (try? check(data)) != nil }
}

/// A learner that cannot be made as asked, naming the learner, option and value at fault.
public enum LearnerError: Error, CustomStringConvertible, Equatable {
    case unknownLearner(name: String, known: [String])
    case optionNotTaken(learner: String, option: LearnerOption, takes: [LearnerOption])
    case invalidValue(option: LearnerOption, value: String, reason: String)
    case unsuitableData(learner: String, data: String, reason: String)
    case unknownModel(path: String, learner: String?)

    public var description: String {
        switch self {
        case let .unknownLearner(n, known): "unknown learner '\(n)'; known: \(known.joined(separator: ", "))"
        case let .optionNotTaken(l, o, takes):
            "the option '\(o.rawValue)' does not apply to \(l)" + (takes.isEmpty ? "" : " (it takes \(takes.map(\.rawValue).joined(separator: ", ")))")
        case let .invalidValue(o, v, r): "option '\(o.rawValue)' = \(v): \(r)"
        case let .unsuitableData(l, d, r): "\(l) cannot use \(d): \(r)"
        case let .unknownModel(p, l): "\(p): " + (l.map { "written by an unknown learner '\($0)'" } ?? "no learner named in its metadata: not a Takeoff model")
        }
    }
}
