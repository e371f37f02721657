import TakeoffData

extension NeuralPreset {
    /// One line on the architecture, for help texts.
    public var summary: String {
        switch self {
        case .mlpSmall: "MLP, one hidden layer of 64"
        case .mlpMedium: "MLP, two hidden layers of 256"
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
            options: [.activation, .epochs, .batchSize, .learningRate, .dropout], needsImages: preset.needsImages, usesDevice: true,
            build: { o in
                var l = NeuralLearner(preset: preset)
                if let a = o.activation { l.activation = a }
                (l.epochs, l.batchSize, l.learningRate) = (o.epochs, o.batchSize, o.learningRate)
                if let d = o.dropout { l.dropout = d }
                (l.device, l.showProgress, l.group) = (o.device, o.showProgress, o.dataParallel)
                return l
            },
            load: { file in try NeuralModel.load(file) })
    }
}
