import Foundation
import TakeoffEngine

/// A setting a user may give a learner; each learner declares the ones it takes (``LearnerDeclaration/options``).
public enum LearnerOption: String, CaseIterable, Sendable, Comparable {
    case C, gamma, kernel, degree, loss, tolerance
    case maxIterations = "max-iterations"
    case cacheMB = "cache-mb"
    case activation, epochs
    case batchSize = "batch-size"
    case learningRate = "lr"
    case dropout
    case augment

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// Settings for a learner; nil keeps the learner's default. A learner refuses a setting it does not
/// declare, so no option is ever silently ignored.
public struct LearnerOptions: Sendable {
    /// Regularisation; nil chooses it inside the training set.
    public var C: Double?
    /// Kernel width; nil is 1/(d·Var(X)).
    public var gamma: Double?
    /// Kernel of a kernel SVM, by name.
    public var kernel: String?
    /// Degree of a polynomial kernel.
    public var degree: Int?
    /// Loss of a linear SVM, by name.
    public var loss: String?
    /// Solver tolerance.
    public var tolerance: Double?
    /// Iteration or epoch limit of a solver.
    public var maxIterations: Int?
    /// Kernel cache budget in MiB.
    public var cacheMB: Int?
    public var activation: Activation?
    /// Maximum epochs of a network.
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var dropout: Float?
    /// Random flips and crops of a network's training images each epoch; nil: none.
    public var augment: ImageAugmentation?
    /// Where learners that can use a device train (the others use the CPU whatever this says).
    public var device: Device = .cpu
    /// Data-parallel training over these processes (MPI ranks), for learners that can (the networks).
    public var dataParallel: (any DataParallelGroup)?
    /// Whether training draws progress on standard error.
    public var showProgress = false

    public init() {}

    /// The options that are set, with their values as text.
    public var given: [(option: LearnerOption, value: String)] {
        LearnerOption.allCases.compactMap { option in value(of: option).map { (option, $0) } }
    }

    /// The value of `option` as text, nil when unset.
    public func value(of option: LearnerOption) -> String? {
        let v: Any? = switch option {
        case .C: C
        case .gamma: gamma
        case .kernel: kernel
        case .degree: degree
        case .loss: loss
        case .tolerance: tolerance
        case .maxIterations: maxIterations
        case .cacheMB: cacheMB
        case .activation: activation?.rawValue
        case .epochs: epochs
        case .batchSize: batchSize
        case .learningRate: learningRate
        case .dropout: dropout
        case .augment: augment?.description
        }
        return v.map { "\($0)" }
    }

    /// Unsets `option`.
    public mutating func clear(_ option: LearnerOption) {
        switch option {
        case .C: C = nil
        case .gamma: gamma = nil
        case .kernel: kernel = nil
        case .degree: degree = nil
        case .loss: loss = nil
        case .tolerance: tolerance = nil
        case .maxIterations: maxIterations = nil
        case .cacheMB: cacheMB = nil
        case .activation: activation = nil
        case .epochs: epochs = nil
        case .batchSize: batchSize = nil
        case .learningRate: learningRate = nil
        case .dropout: dropout = nil
        case .augment: augment = nil
        }
    }

    /// The largest kernel cache budget, in MiB: its size in bytes must not overflow.
    public static let maxCacheMB = 1 << 30

    /// Checks every set value's range (names are checked by the learner that reads them).
    public func validate() throws {
        func require(_ ok: Bool, _ option: LearnerOption, _ value: Any, _ reason: String) throws {
            if !ok { throw LearnerError.invalidValue(option: option, value: "\(value)", reason: reason) }
        }
        for (option, v) in [(LearnerOption.C, C), (.gamma, gamma), (.tolerance, tolerance)] { if let v { try require(v > 0 && v.isFinite, option, v, "must be a positive number") } }
        for (option, v) in [(LearnerOption.degree, degree), (.maxIterations, maxIterations), (.epochs, epochs), (.batchSize, batchSize)] {
            if let v { try require(v > 0, option, v, "must be a positive integer") }
        }
        if let v = cacheMB {
            try require(v > 0, .cacheMB, v, "must be a positive integer")
            try require(v <= Self.maxCacheMB, .cacheMB, v, "must be at most \(Self.maxCacheMB) (MiB, 1 PiB)")
        }
        if let v = learningRate { try require(v > 0 && v.isFinite, .learningRate, v, "must be a positive number") }
        if let v = dropout { try require(v >= 0 && v < 1, .dropout, v, "must be in [0, 1)") }
    }
}

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
    let build: @Sendable (LearnerOptions) throws -> any Learner
    let load: @Sendable (SavedModel) throws -> any TrainedModel

    public init(name: String, family: Family, summary: String, options: Set<LearnerOption>, needsImages: Bool = false,
                usesDevice: Bool = false, takesCategorical: Bool = false, build: @escaping @Sendable (LearnerOptions) throws -> any Learner,
                load: @escaping @Sendable (SavedModel) throws -> any TrainedModel) {
        self.name = name; self.family = family; self.summary = summary; self.options = options
        self.needsImages = needsImages; self.usesDevice = usesDevice; self.takesCategorical = takesCategorical
        self.build = build; self.load = load
    }

    /// The learner configured with `options`; throws ``LearnerError`` for an option it does not take or a value out of range.
    public func make(_ options: LearnerOptions = LearnerOptions()) throws -> any Learner {
        if let (option, _) = options.given.first(where: { !self.options.contains($0.option) }) {
            throw LearnerError.optionNotTaken(learner: name, option: option, takes: self.options.sorted())
        }
        try options.validate()
        return try build(options)
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
