import Foundation
import TakeoffData
import TakeoffEngine

/// A trained network with the input standardisation it was trained with.
public struct NeuralModel: TrainedModel, @unchecked Sendable {
    public let network: Sequential
    public let architecture: NeuralArchitecture
    public let activation: Activation
    /// The dropout rate it was built with (its Dropout layers shift the layer numbers of the names).
    public let dropout: Float
    public let classNames: [String]
    /// Per-feature `x · scale + shift`, fitted on the training set.
    public let inputScale: Tensor, inputShift: Tensor
    public var statistics: [String: Double]

    /// `examplesTrained`: the examples training went through, summed over its epochs and runs (for the training FLOPs).
    init(network: Sequential, architecture: NeuralArchitecture, activation: Activation, dropout: Float, classNames: [String],
         inputScale: Tensor, inputShift: Tensor, history: TrainingHistory?, examplesTrained: Int? = nil) {
        self.network = network
        self.architecture = architecture
        self.activation = activation
        self.dropout = dropout
        self.classNames = classNames
        self.inputScale = inputScale
        self.inputShift = inputShift
        var stats: [String: Double] = ["parameters": Double(network.parameterCount),
                                       "flops_per_example": Double(network.flopsPerExample)]
        if let h = history {
            stats["epochs"] = Double(h.epochs.count)
            stats["best_epoch"] = Double(h.bestEpoch)
            stats["train_seconds"] = h.seconds
            stats["examples_per_second"] = h.examplesPerSecond
            if h.allreduceSeconds > 0 { stats["allreduce_seconds"] = h.allreduceSeconds }
            stats["final_train_loss"] = Double(h.epochs.last?.trainLoss ?? .nan)
            // Forward and backward (about twice the forward) over every example of every epoch run.
            if let examplesTrained { stats["training_flops"] = 3 * Double(network.flopsPerExample) * Double(examplesTrained) }
            if let v = h.epochs.first(where: { $0.epoch == h.bestEpoch })?.validationAccuracy { stats["validation_accuracy"] = v }
        }
        statistics = stats
    }

    /// A network of `shape` trained outside ``NeuralLearner`` (an activation race's entrant) on inputs
    /// mapped by `input`, fitted on its training set.
    public init(trained network: Sequential, shape: NetworkShape, activation: Activation, classNames: [String], input: AffineFeatureMap,
                history: TrainingHistory, examplesTrained: Int) {
        self.init(network: network, architecture: .shape(shape), activation: activation, dropout: 0, classNames: classNames,
                  inputScale: Tensor(input.scale, shape: [input.scale.count]), inputShift: Tensor(input.shift, shape: [input.shift.count]),
                  history: history, examplesTrained: examplesTrained)
    }

    /// The preset it was built from, nil for a sized network.
    public var preset: NeuralPreset? { if case let .preset(p) = architecture { p } else { nil } }
    public var learnerName: String { architecture.name }
    public var classCount: Int { classNames.count }
    public var featureCount: Int { inputScale.count }
    public var parameterCount: Int { network.parameterCount }
    public var givesProbabilities: Bool { true }

    /// Class probabilities for raw (unstandardised) features [n, d].
    public func scores(_ features: Tensor) -> Tensor {
        withoutGradients {
            let x = features * inputScale + inputShift
            return network.predict(x.reshaped([features.shape[0]] + network.inputShape)).softmax(axis: -1)
        }
    }

    /// Writes a safetensors checkpoint: every parameter and buffer by its layer-qualified name,
    /// the input standardisation, and metadata that rebuilds the architecture.
    public func save(to url: URL) throws {
        var tensors: [String: Tensor] = ["input.scale": inputScale, "input.shift": inputShift]
        for (name, p) in network.namedParameters { tensors[name] = p.value.detached.to(.cpu) }
        for b in network.namedBuffers { tensors[b.name] = b.value.to(.cpu) }
        if network.device == .cuda { try GPU.throwIfFailed() }  // else the copies read back NaN
        let classes = String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)
        var metadata = [
            "format": "takeoff-neural", "learner": learnerName, "activation": activation.rawValue, "dropout": "\(dropout)",
            "input_shape": network.inputShape.map(String.init).joined(separator: ","), "class_names": classes,
            "takeoff_version": TakeoffVersion.string,
        ]
        if case let .shape(s) = architecture { (metadata["network"], metadata["width"], metadata["depth"]) = (s.family.rawValue, "\(s.width)", "\(s.depth)") }
        try Safetensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads a checkpoint written by ``save(to:)``, refusing one whose metadata, names or
    /// shapes do not describe this architecture.
    public static func load(from url: URL) throws -> NeuralModel { try load(SavedModel(contentsOf: url)) }

    /// The network in a checkpoint already read (see ``load(from:)``).
    public static func load(_ file: SavedModel) throws -> NeuralModel {
        let (tensors, meta, url) = (file.tensors, file.metadata, URL(fileURLWithPath: file.path))
        func field(_ key: String) throws -> String {
            guard let v = meta[key] else { throw CheckpointError.missing(file: url.path, field: "__metadata__.\(key)") }
            return v
        }
        guard meta["format"] == "takeoff-neural" else {
            throw CheckpointError.invalid(file: url.path, field: "__metadata__.format", detail: "not a Takeoff network checkpoint")
        }
        let architecture: NeuralArchitecture
        if let family = meta["network"] {
            guard let f = NetworkShape.Family(rawValue: family), let w = meta["width"].flatMap({ Int($0) }), let d = meta["depth"].flatMap({ Int($0) }),
                  w > 0, d > 0 else {
                throw CheckpointError.invalid(file: url.path, field: "__metadata__.network", detail: "not a network family with a positive width and depth")
            }
            architecture = .shape(NetworkShape(f, width: w, depth: d))
        } else {
            guard let preset = NeuralPreset(rawValue: try field("learner")) else {
                throw CheckpointError.invalid(file: url.path, field: "__metadata__.learner", detail: "unknown preset '\(meta["learner"]!)'")
            }
            architecture = .preset(preset)
        }
        guard let activation = Activation(rawValue: try field("activation")) else {
            throw CheckpointError.invalid(file: url.path, field: "__metadata__.activation", detail: "unknown activation")
        }
        let shape = try field("input_shape").split(separator: ",").map { Int($0) }
        guard !shape.isEmpty, shape.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw CheckpointError.invalid(file: url.path, field: "__metadata__.input_shape", detail: "not a list of positive sizes")
        }
        guard let classNames = try? JSONDecoder().decode([String].self, from: Data(try field("class_names").utf8)),
              classNames.count >= 2 else {
            throw CheckpointError.invalid(file: url.path, field: "__metadata__.class_names", detail: "not a list of at least two names")
        }
        let inputShape = shape.map { $0! }
        // The metadata is checked against the tensors before a network is built from it: a shape that does not
        // fit the architecture, or sizes the file's tensors cannot hold, would trap or exhaust memory in the build.
        if let problem = architecture.unsuitableInput(inputShape) {
            throw CheckpointError.invalid(file: url.path, field: "__metadata__.input_shape", detail: problem)
        }
        let held = tensors.values.reduce(0) { $0 + $1.count }
        let needed = architecture.parameterEstimate(inputShape: inputShape, classes: classNames.count)
        guard needed <= Double(held) else {
            let names = tensors.keys.sorted()
            throw CheckpointError.invalid(file: url.path, field: "__metadata__",
                                          detail: "describes a \(architecture.name) of " + String(format: "%.3g", needed)
                                              + " parameters for \(inputShape) inputs and \(classNames.count) classes, but the file's tensors ("
                                              + names.prefix(6).joined(separator: ", ") + (names.count > 6 ? ", …" : "") + ") hold \(held) numbers in all")
        }
        let featureCount = inputShape.map(Double.init).reduce(1, *)
        if let scale = tensors["input.scale"], featureCount != Double(scale.count) {
            throw CheckpointError.invalid(file: url.path, field: "__metadata__.input_shape",
                                          detail: "\(inputShape) is " + String(format: "%.0f", featureCount) + " features, but the tensor input.scale has \(scale.count)")
        }
        // Checkpoints from before the dropout field was written: the layout whose names the file has
        // (with dropout, its rate is unknown, but inference does not use it).
        let dropouts: [Float]
        if let text = meta["dropout"] {
            guard let d = Float(text), d >= 0, d < 1 else {
                throw CheckpointError.invalid(file: url.path, field: "__metadata__.dropout", detail: "'\(text)' is not a rate in [0, 1)")
            }
            dropouts = [d]
        } else {
            dropouts = [0, architecture.defaultDropout > 0 ? architecture.defaultDropout : 0.5]
        }
        let candidates = dropouts.map { d in (d, architecture.model(inputShape: inputShape, classes: classNames.count, activation: activation, dropout: d, seed: 0)) }
        let (dropout, network) = candidates.first { _, n in n.namedParameters.allSatisfy { tensors[$0.name] != nil } } ?? candidates[0]
        func tensor(_ name: String, shape: [Int]) throws -> Tensor {
            guard let t = tensors[name] else { throw CheckpointError.missing(file: url.path, field: name) }
            guard t.shape == shape else {
                throw CheckpointError.invalid(file: url.path, field: name, detail: "shape \(t.shape), expected \(shape)")
            }
            return t
        }
        for (name, p) in network.namedParameters {
            let t = try tensor(name, shape: p.value.shape)
            p.value.pointer.update(from: t.pointer, count: t.count)
        }
        for b in network.namedBuffers { b.layer.setBuffer(b.key, try tensor(b.name, shape: b.value.shape)) }
        let features = inputShape.reduce(1, *)
        let expected = Set(network.namedParameters.map(\.name) + network.namedBuffers.map(\.name) + ["input.scale", "input.shift"])
        if let extra = Set(tensors.keys).subtracting(expected).sorted().first {
            throw CheckpointError.invalid(file: url.path, field: extra, detail: "tensor not part of a \(architecture.name) model")
        }
        return NeuralModel(network: network, architecture: architecture, activation: activation, dropout: dropout, classNames: classNames,
                           inputScale: try tensor("input.scale", shape: [features]),
                           inputShift: try tensor("input.shift", shape: [features]), history: nil)
    }
}

/// A checkpoint that cannot be used, naming the file and the field or tensor at fault.
public enum CheckpointError: Error, CustomStringConvertible {
    case missing(file: String, field: String)
    case invalid(file: String, field: String, detail: String)

    public var description: String {
        switch self {
        case let .missing(file, field): "\(file): checkpoint has no '\(field)'"
        case let .invalid(file, field, detail): "\(file): checkpoint field '\(field)': \(detail)"
        }
    }
}
