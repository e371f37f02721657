import Foundation
import TakeoffData
import TakeoffEngine

/// `embed-mlp`: the deep click-prediction baseline. Each categorical field's value is hashed into that field's
/// buckets (``FieldHasher``) and looked up in its own ``Embedding`` table; the vectors, side by side, go
/// through an MLP that can combine fields (user × genre) where a linear model adds them. It holds out 10%
/// of the training set for early stopping and trains with the networks' recipe (``NeuralLearner/Recipe``),
/// on the CPU (the embedding op has no CUDA kernel in this version).
public struct EmbeddingNetwork: Learner {
    /// Numbers per embedding vector.
    public var dimension = 8
    /// Widths of the hidden ReLU layers.
    public var hidden = [64, 32]
    /// A field's buckets: 4× its distinct values in the training set, to a power of two, at most this, so a
    /// field with millions of values costs at most this many rows.
    public var maxBucketsPerField = 1 << 16
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var showProgress = false

    public init() {}

    public var name: String { Self.declaration.name }
    public var configuration: [String: String] {
        var c = ["dimension": "\(dimension)", "hidden": hidden.map(String.init).joined(separator: ","), "activation": "relu",
                 "max_buckets_per_field": "\(maxBucketsPerField)", "hashing": "fnv1a64-field-aware", "recipe": NeuralLearner.Recipe.version]
        if let epochs { c["epochs"] = "\(epochs)" }
        if let batchSize { c["batch_size"] = "\(batchSize)" }
        if let learningRate { c["lr"] = "\(learningRate)" }
        return c
    }

    /// The buckets of each field for `fields`: 4× the distinct values used, rounded up to a power of two, capped.
    func buckets(for fields: CategoricalFields) -> [Int] {
        (0..<fields.fieldCount).map { k in
            var used = Set<Int32>()
            for r in 0..<fields.rowCount { used.insert(fields.codes[r * fields.fieldCount + k]) }
            var b = 8
            while b < 4 * used.count && b < maxBucketsPerField { b *= 2 }
            return min(b, maxBucketsPerField)
        }
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        try Self.declaration.check(train)
        guard let fields = train.categorical, train.count > 0 else {
            throw TrainingError.unsuitableData(learner: name, reason: "\(train.name) has no examples with categorical fields")
        }
        let buckets = buckets(for: fields)
        let encoder = try EmbeddingNetworkModel.Encoder(fields: fields.names, buckets: buckets)
        let canValidate = train.count >= 4 * train.classCount
        let (fitPart, validation) = canValidate ? try train.validationSplit(fraction: 0.1, seed: seed) : (train, nil)
        let network = EmbeddingNetworkModel.network(fields: fields.fieldCount, buckets: buckets, dimension: dimension, hidden: hidden,
                                                    classes: train.classCount, seed: seed)
        var options = NeuralLearner.Recipe.options(examples: fitPart.count, epochs: epochs, batchSize: batchSize)
        if let learningRate { options.learningRate = learningRate }
        options.showProgress = showProgress
        let history = try Trainer(options: options, name: name).fit(network, train: encoder.encode(fitPart),
                                                                    validation: validation.map(encoder.encode), seed: seed &+ 1)
        var statistics: [String: Double] = ["epochs": Double(history.epochs.count), "best_epoch": Double(history.bestEpoch),
                                            "train_seconds": history.seconds,
                                            "training_flops": 3 * Double(network.flopsPerExample) * Double(fitPart.count * history.epochs.count)]
        if let v = history.epochs.first(where: { $0.epoch == history.bestEpoch })?.validationAccuracy { statistics["validation_accuracy"] = v }
        return EmbeddingNetworkModel(network: network, encoder: encoder, dimension: dimension, hidden: hidden, classNames: train.classNames,
                                     statistics: statistics)
    }
}

/// A trained ``EmbeddingNetwork``.
public struct EmbeddingNetworkModel: TrainedModel, @unchecked Sendable {
    public let network: Sequential
    public let encoder: Encoder
    public let dimension: Int
    public let hidden: [Int]
    public let classNames: [String]
    public var statistics: [String: Double]

    /// Categorical fields to the network's input: each field's value hashed into that field's buckets, as Float.
    public struct Encoder: Sendable {
        public let fields: [String]
        public let buckets: [Int]
        let hashers: [FieldHasher]

        public init(fields: [String], buckets: [Int]) throws {
            precondition(fields.count == buckets.count, "EmbeddingNetworkModel.Encoder: \(fields.count) fields, \(buckets.count) bucket counts")
            self.fields = fields
            self.buckets = buckets
            hashers = try buckets.map { try FieldHasher(dimension: $0) }
        }

        /// The input rows of `data`, [n, fields]; stops with a message naming a field `data` lacks.
        public func features(_ data: Dataset) -> Tensor {
            guard let given = data.categorical else {
                preconditionFailure("embed-mlp: \(data.name) has no categorical fields")
            }
            let f = given.fieldCount
            let out = Tensor(uninitializedShape: [data.count, fields.count])
            for (k, name) in fields.enumerated() {
                guard let j = given.names.firstIndex(of: name) else {
                    preconditionFailure("embed-mlp: \(data.name) has no field '\(name)' (it has \(given.names.joined(separator: ", ")))")
                }
                let table = given.buckets(field: j, hasher: hashers[k])
                for r in 0..<data.count { out.pointer[r * fields.count + k] = Float(table[Int(given.codes[r * f + j])]) }
            }
            return out
        }

        /// `data` with the input rows as its features, for the trainer.
        func encode(_ data: Dataset) -> Dataset {
            Dataset(name: data.name, features: features(data), labels: data.labels, classNames: data.classNames)
        }
    }

    /// The network: an ``Embedding`` per field, then `hidden` ReLU layers and a linear output per class.
    static func network(fields: Int, buckets: [Int], dimension: Int, hidden: [Int], classes: Int, seed: UInt64) -> Sequential {
        Sequential(inputShape: [fields], seed: seed) {
            Embedding(buckets: buckets, dimension: dimension)
            for width in hidden { Dense(width, activation: .relu) }
            Dense(classes)
        }
    }

    public var learnerName: String { EmbeddingNetwork.declaration.name }
    public var classCount: Int { classNames.count }
    /// It reads no dense features.
    public var featureCount: Int { 0 }
    public var parameterCount: Int { network.parameterCount }
    public var categoricalFields: [String] { encoder.fields }
    public var givesProbabilities: Bool { true }

    /// It scores categorical fields, which dense features do not carry: use ``scores(on:)``.
    public func scores(_ features: Tensor) -> Tensor {
        preconditionFailure("\(learnerName) scores a data set's categorical fields, not dense features: call scores(on:)")
    }

    /// Class probabilities [n, classCount].
    public func scores(on data: Dataset) -> Tensor {
        withoutGradients { network.predict(encoder.features(data)).softmax(axis: -1) }
    }

    /// Writes every parameter by its layer-qualified name, with the fields, buckets and widths that rebuild the network.
    public func save(to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (name, p) in network.namedParameters { tensors[name] = p.value.detached.to(.cpu) }
        let classes = String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)
        try Safetensors.write(tensors, metadata: [
            "format": Self.format, "learner": learnerName, "fields": encoder.fields.joined(separator: "\t"),
            "buckets": encoder.buckets.map(String.init).joined(separator: ","), "dimension": "\(dimension)",
            "hidden": hidden.map(String.init).joined(separator: ","), "class_names": classes, "takeoff_version": TakeoffVersion.string,
        ], to: url)
    }

    static let format = "takeoff-embedding-network/1"

    /// The model in a file written by ``save(to:)``; an error names the file and the field at fault.
    public static func load(_ file: SavedModel) throws -> EmbeddingNetworkModel {
        func field(_ key: String) throws -> String {
            guard let v = file.metadata[key] else { throw CheckpointError.missing(file: file.path, field: "__metadata__.\(key)") }
            return v
        }
        func invalid(_ key: String, _ detail: String) -> CheckpointError {
            .invalid(file: file.path, field: "__metadata__.\(key)", detail: detail)
        }
        func positive(_ key: String) throws -> [Int] {
            let values = try field(key).split(separator: ",").map { Int($0) }
            guard values.allSatisfy({ ($0 ?? 0) > 0 }) else { throw invalid(key, "not a list of positive whole numbers") }
            return values.map { $0! }
        }
        guard file.metadata["format"] == format else { throw invalid("format", "not a Takeoff embedding network (expected \(format))") }
        let fields = try field("fields").split(separator: "\t").map(String.init)
        let buckets = try positive("buckets"), hidden = try positive("hidden"), dimensions = try positive("dimension")
        guard !fields.isEmpty, fields.count == buckets.count else { throw invalid("buckets", "\(buckets.count) bucket counts for \(fields.count) fields") }
        guard dimensions.count == 1 else { throw invalid("dimension", "\(dimensions.count) numbers, expected one") }
        var rows = 0
        for b in buckets {
            guard b <= (1 << 24) - rows else { throw invalid("buckets", "more than 2^24 rows in all (an Embedding's limit)") }
            rows += b
        }
        guard let classNames = try? JSONDecoder().decode([String].self, from: Data(try field("class_names").utf8)), classNames.count >= 2 else {
            throw invalid("class_names", "not a list of at least two names")
        }
        // Each size in the metadata is checked against the tensor that holds it before the network is built:
        // sizes the file's tensors do not hold would exhaust memory in the build.
        func tensor(_ name: String) throws -> Tensor {
            guard let t = file.tensors[name] else { throw CheckpointError.missing(file: file.path, field: name) }
            return t
        }
        let dimension = dimensions[0], table = try tensor("0.table")
        guard table.rank == 2, table.shape[0] == rows else { throw invalid("buckets", "\(rows) rows in all, but the tensor 0.table has shape \(table.shape)") }
        guard table.shape[1] == dimension else { throw invalid("dimension", "\(dimension), but the tensor 0.table has shape \(table.shape)") }
        var inputs = fields.count * dimension  // at most the table's size, which the file holds
        for (i, width) in (hidden + [classNames.count]).enumerated() {
            let (key, layer) = i < hidden.count ? ("hidden", "hidden layer \(i + 1)") : ("class_names", "the output layer")
            for (name, shape) in [("\(i + 1).weight", [width, inputs]), ("\(i + 1).bias", [width])] {
                let t = try tensor(name)
                guard t.shape == shape else { throw invalid(key, "gives \(layer) a \(name) of shape \(shape), but the file's is \(t.shape)") }
            }
            inputs = width
        }
        let network = network(fields: fields.count, buckets: buckets, dimension: dimension, hidden: hidden, classes: classNames.count, seed: 0)
        for (name, p) in network.namedParameters {
            guard let t = file.tensors[name] else { throw CheckpointError.missing(file: file.path, field: name) }
            guard t.shape == p.value.shape else {
                throw CheckpointError.invalid(file: file.path, field: name, detail: "shape \(t.shape), expected \(p.value.shape)")
            }
            p.value.pointer.update(from: t.pointer, count: t.count)
        }
        return EmbeddingNetworkModel(network: network, encoder: try Encoder(fields: fields, buckets: buckets), dimension: dimension,
                                     hidden: hidden, classNames: classNames, statistics: [:])
    }
}
