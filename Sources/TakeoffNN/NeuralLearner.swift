import Foundation
import TakeoffData
import TakeoffEngine

/// A neural network as a ``Learner`` (a preset, or a network of explicit width and depth): scales inputs on
/// its training set and trains with a recipe that scales with the number of examples, choosing its epochs
/// inside them from m = 2,000 up (see ``Recipe``).
public struct NeuralLearner: Learner {
    public var architecture: NeuralArchitecture
    public var activation: Activation = .relu
    /// Overrides of the recipe; nil keeps the recipe's choice for the data size.
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var optimizer: OptimizerKind = .adam()
    /// Dropout after hidden layers; defaults to the preset's (see ``NeuralPreset/defaultDropout``).
    public var dropout: Float
    /// Random flips and crops of the training images each epoch (images only); nil: none.
    public var augmentation: ImageAugmentation?
    /// The number format of the products in training (fp32 or bf16; `auto` is decided when set from options).
    public var precision: Precision = .fp32
    /// Where the network trains; the returned model stays there, so it scores there too.
    public var device: Device = .cpu
    /// Trains data-parallel over this group's processes (MPI ranks), each taking a shard of every batch.
    public var group: (any DataParallelGroup)?
    public var showProgress = false

    public init(preset: NeuralPreset) { self.init(architecture: .preset(preset)) }

    /// A network of `shape`'s width and depth, trained with the presets' recipe.
    public init(shape: NetworkShape) { self.init(architecture: .shape(shape)) }

    public init(architecture: NeuralArchitecture) {
        self.architecture = architecture
        dropout = architecture.defaultDropout
    }

    /// The preset it builds, nil for a sized network.
    public var preset: NeuralPreset? { if case let .preset(p) = architecture { p } else { nil } }

    public var name: String { architecture.name }

    public var configuration: [String: String] {
        var c = ["activation": activation.rawValue, "optimizer": optimizer.description, "dropout": "\(dropout)", "recipe": Recipe.version]
        switch architecture {
        case let .preset(p): c["preset"] = p.rawValue  // the key of every stored curve cell: unchanged
        case let .shape(s): (c["network"], c["width"], c["depth"]) = (s.family.rawValue, "\(s.width)", "\(s.depth)")
        }
        if let epochs { c["epochs"] = "\(epochs)" }
        if let batchSize { c["batch_size"] = "\(batchSize)" }
        if let learningRate { c["lr"] = "\(learningRate)" }
        if device != .cpu { c["device"] = device.rawValue }  // GPU sums round differently: keep their results apart
        if dropout > 0 { c["dropout_masks"] = "hashed" }  // hashed per entry: not the masks of results stored before
        if let group { c["data_parallel"] = "\(group.size)" }  // sums in another order, dropout masks per shard
        if let augmentation { c["augment"] = augmentation.description }
        if precision != .fp32 { c["precision"] = precision.rawValue }  // other numbers: kept apart from fp32 results
        return c
    }

    /// Forward FLOPs per example of this network for inputs of `shape`.
    func flopsPerExample(inputShape shape: [Int], classes: Int) -> Int {
        architecture.model(inputShape: shape, classes: classes, activation: activation, dropout: dropout, seed: 0).flopsPerExample
    }

    /// The recipe's options for `m` examples with this learner's overrides.
    func options(examples m: Int, flopsPerExample: Int) -> TrainingOptions {
        var o = Recipe.options(examples: m, epochs: epochs, batchSize: batchSize, flopsPerExample: flopsPerExample)
        if let learningRate { o.learningRate = learningRate }
        o.optimizer = optimizer
        o.augmentation = augmentation
        o.precision = precision
        o.showProgress = showProgress
        return o
    }

    /// The per-example input shape for `data`.
    func inputShape(for data: Dataset) throws -> [Int] {
        if architecture.needsImages {
            guard let shape = data.imageShape else {
                throw TrainingError.unsuitableData(learner: name, reason: "\(data.name) has no image shape; the CNN needs images")
            }
            return shape
        }
        return [data.featureCount]
    }

    public func fit(_ train: Dataset, seed: UInt64) throws -> any TrainedModel {
        try fitNetwork(train, seed: seed).model
    }

    /// Training FLOPs the recipe plans for `m` examples like `data` (``Recipe/plannedFLOPs(examples:flopsPerExample:epochs:batchSize:)``).
    public func plannedWork(examples m: Int, like data: Dataset) -> Double? {
        guard let shape = try? inputShape(for: data) else { return nil }
        return Recipe.plannedFLOPs(examples: m, flopsPerExample: flopsPerExample(inputShape: shape, classes: data.classCount),
                                   epochs: epochs, batchSize: batchSize)
    }

    /// Trains and returns the model with its training history, its epochs chosen as ``Recipe`` says.
    public func fitNetwork(_ train: Dataset, seed: UInt64) throws -> (model: NeuralModel, history: TrainingHistory) {
        let shape = try inputShape(for: train)
        if let augmentation, train.imageShape?.count != 3 {
            throw TrainingError.unsuitableData(learner: name, reason: "--augment \(augmentation) changes images; \(train.name) has none")
        }
        let flops = flopsPerExample(inputShape: shape, classes: train.classCount)
        let scaling = Recipe.inputScaling(examples: train.count, of: train)
        switch Recipe.selection(examples: train.count) {
        case .none:
            let o = options(examples: train.count, flopsPerExample: flops)
            return try run(train, validation: nil, options: o, scaling: scaling, shape: shape, seed: seed)
        case let .holdOut(fraction):
            let (fitPart, validation) = try train.validationSplit(fraction: fraction, seed: seed)
            let o = options(examples: fitPart.count, flopsPerExample: flops)
            return try run(fitPart, validation: validation, options: o, scaling: scaling, shape: shape, seed: seed)
        }
    }

    /// Trains a new network on `data` (inputs scaled on it as `scaling` says) with `options`, stopping on
    /// `validation` when given.
    private func run(_ data: Dataset, validation: Dataset?, options o: TrainingOptions, scaling: Recipe.InputScaling, shape: [Int],
                     seed: UInt64) throws -> (model: NeuralModel, history: TrainingHistory) {
        // TF-IDF rows (unit length) go in as they are. Standardised per feature, a bucket seen in a few training
        // messages is divided by its tiny standard deviation: at m = 600 of sms-spam the median test message had an
        // input 34 standard deviations out, and mlp-small called 98% of spam spam but also so many ham messages that
        // its accuracy fell to 63% (seed 0; "always ham" scores 86.8%). Scaled by one factor to a mean square of 1
        // (what He initialisation assumes) it scored 90.4%; as they are, 92.6%, and 98.2% on the whole pool.
        let standardizer = switch scaling {
        case .none: AffineFeatureMap.identity(featureCount: data.featureCount)
        case .perFeature: Standardizer.fit(data)
        case .shared: Standardizer.fitShared(data)
        }
        let model = architecture.model(inputShape: shape, classes: data.classCount, activation: activation,
                                       dropout: dropout, seed: seed)
        var trainer = Trainer(options: o, name: name)
        trainer.group = group
        model.move(to: device)
        let history = try trainer.fit(model, train: standardizer.apply(to: data),
                                      validation: validation.map { standardizer.apply(to: $0) }, seed: seed &+ 1)
        let network = NeuralModel(network: model, architecture: architecture, activation: activation, dropout: dropout, classNames: data.classNames,
                                  inputScale: Tensor(standardizer.scale, shape: [data.featureCount]),
                                  inputShift: Tensor(standardizer.shift, shape: [data.featureCount]), history: history,
                                  examplesTrained: data.count * history.epochs.count)
        return (network, history)
    }
}
