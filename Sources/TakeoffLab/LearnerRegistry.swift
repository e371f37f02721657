import Foundation
import TakeoffClassic
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// Hyperparameters a user may set on any learner; each applies to the learners that have it.
public struct LearnerOptions: Sendable {
    public var classic = ClassicRegistry.Options()
    public var activation: Activation?
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var dropout: Float?
    /// Where neural networks train (classic learners always run on the CPU).
    public var device: Device = .cpu
    public var showProgress = false

    public init() {}
}

/// Every learner Takeoff knows, by name: the classic ones and the neural presets.
public enum LearnerRegistry {
    /// All learner names, classic first.
    public static let names = ClassicRegistry.names + NeuralPreset.allCases.map(\.rawValue)

    /// The learner called `name` configured with `options`.
    public static func learner(named name: String, options: LearnerOptions = LearnerOptions()) throws -> any Learner {
        if let preset = NeuralPreset(rawValue: name) {
            let c = options.classic
            for (option, value) in [("C", c.C as Any?), ("gamma", c.gamma), ("kernel", c.kernel), ("cache-mb", c.cacheMB)] where value != nil {
                throw LabError.invalidOption(option: option, detail: "does not apply to the neural network \(name)")
            }
            var l = NeuralLearner(preset: preset)
            if let a = options.activation { l.activation = a }
            if let e = options.epochs {
                guard e > 0 else { throw LabError.invalidOption(option: "epochs", detail: "must be positive, got \(e)") }
                l.epochs = e
            }
            if let b = options.batchSize {
                guard b > 0 else { throw LabError.invalidOption(option: "batch-size", detail: "must be positive, got \(b)") }
                l.batchSize = b
            }
            if let r = options.learningRate {
                guard r > 0, r.isFinite else { throw LabError.invalidOption(option: "lr", detail: "must be a positive number, got \(r)") }
                l.learningRate = r
            }
            if let d = options.dropout {
                guard d >= 0, d < 1 else { throw LabError.invalidOption(option: "dropout", detail: "must be in [0, 1), got \(d)") }
                l.dropout = d
            }
            l.showProgress = options.showProgress
            l.device = options.device
            return l
        }
        guard ClassicRegistry.names.contains(name) else { throw LabError.unknownLearner(name: name, known: names) }
        for (option, value) in [("activation", options.activation as Any?), ("epochs", options.epochs), ("batch-size", options.batchSize),
                                ("lr", options.learningRate), ("dropout", options.dropout)] where value != nil {
            throw LabError.invalidOption(option: option, detail: "does not apply to the classic learner \(name)")
        }
        return try ClassicRegistry.learner(named: name, options: options.classic)
    }

    /// Loads a model saved by any learner, by the format its checkpoint declares.
    public static func loadModel(from url: URL) throws -> any TrainedModel {
        let (tensors, metadata) = try Safetensors.read(from: url)
        if metadata["format"] == ClassicModelFile.format {
            return try ClassicModelFile.load(tensors: tensors, metadata: metadata, path: url.path)
        }
        return try NeuralModel.load(from: url)
    }
}

extension LearnerRegistry {
    /// The number of features each example must have for `model` (nil for a kind of model this registry does not make).
    public static func featureCount(of model: any TrainedModel) -> Int? {
        switch model {
        case let m as LogisticRegressionModel: m.weights.shape[0]
        case let m as LinearSVMModel: m.weights.shape[0]
        case let m as KernelSVMModel: m.supportVectors.shape[1]
        case let m as NeuralModel: m.inputScale.count
        default: nil
        }
    }
}

/// A request the lab cannot carry out, naming the option or learner at fault.
public enum LabError: Error, CustomStringConvertible {
    case unknownLearner(name: String, known: [String])
    case invalidOption(option: String, detail: String)

    public var description: String {
        switch self {
        case let .unknownLearner(name, known): "unknown learner '\(name)'; known: \(known.joined(separator: ", "))"
        case let .invalidOption(option, detail): "--\(option): \(detail)"
        }
    }
}
