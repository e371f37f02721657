import TakeoffData

extension EmbeddingNetwork {
    /// `embed-mlp`, as the registry knows it.
    public static let declaration = LearnerDeclaration(
        name: "embed-mlp", family: .neural,
        summary: "an 8-number embedding per categorical field (hashed buckets), then ReLU layers of 64 and 32: the deep click-prediction baseline (CPU)",
        options: [.epochs, .batchSize, .learningRate], takesCategorical: true,
        build: { o, context in
            var l = EmbeddingNetwork()
            (l.epochs, l.batchSize, l.learningRate, l.showProgress) = (o.epochs, o.batchSize, o.learningRate, context.showProgress)
            return l
        },
        load: { try EmbeddingNetworkModel.load($0) })
}
