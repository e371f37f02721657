import TakeoffData

extension NeuralPreset {
    /// One line on the architecture, for help texts.
    public var summary: String {
        switch self {
        case .mlpSmall: "MLP, one hidden layer of 64"
        case .mlpMedium: "MLP, two hidden layers of 256, dropout 0.2"
        case .mlpLarge: "MLP, two hidden layers of 1,024, dropout 0.2"
        case .cnn: "CNN, two 5×5 convolutions (32, 64) with max-pooling, dense 256, dropout 0.2"
        }
    }

    /// The preset as the registry knows it.
    public var declaration: LearnerDeclaration { NeuralLearner.declarations[NeuralPreset.allCases.firstIndex(of: self)!] }
}

extension NeuralLearner {
    /// Every preset's declaration, in ``NeuralPreset/allCases`` order.
    public static let declarations = NeuralPreset.allCases.map { preset in
        LearnerDeclaration(
            name: preset.rawValue, family: .neural, summary: preset.summary,
            options: [.activation, .epochs, .batchSize, .learningRate, .dropout, .augment, .precision], needsImages: preset.needsImages, usesDevice: true,
            build: { o, context in try NeuralLearner(architecture: .preset(preset), options: o, context: context) },
            load: { file in try NeuralModel.load(file) })
    }
}

extension NeuralLearner {
    /// The declaration of the network of `shape`: not in the registry (a scaling sweep makes one per
    /// width), it takes the presets' options and loads its saved models alike.
    public static func declaration(for shape: NetworkShape) -> LearnerDeclaration {
        LearnerDeclaration(
            name: shape.name, family: .neural, summary: shape.summary,
            options: [.activation, .epochs, .batchSize, .learningRate, .dropout, .augment, .precision], needsImages: shape.needsImages, usesDevice: true,
            build: { o, context in try NeuralLearner(architecture: .shape(shape), options: o, context: context) },
            load: { file in try NeuralModel.load(file) })
    }
}

extension NeuralLearner {
    /// The network of `architecture` with the options a declaration checked, to train in `context`; bf16 where it
    /// cannot run (on a GPU, over data-parallel ranks) is refused by name.
    init(architecture: NeuralArchitecture, options o: LearnerOptions, context: TrainingContext) throws {
        self.init(architecture: architecture)
        if let a = o.activation { activation = a }
        (epochs, batchSize, learningRate) = (o.epochs, o.batchSize, o.learningRate)
        if let d = o.dropout { dropout = d }
        augmentation = o.augment
        if let p = o.precision { precision = p.resolved.precision }
        if precision == .bf16, context.device != .cpu || context.dataParallel != nil {
            throw LearnerError.invalidValue(option: .precision, value: "bf16", reason: "bf16 trains on the CPU in one process in this version")
        }
        (device, showProgress, group) = (context.device, context.showProgress, context.dataParallel)
    }
}
