import TakeoffData

extension LogisticRegression {
    /// `logreg`, as the registry knows it.
    public static let declaration = LearnerDeclaration(
        name: "logreg", family: .traditional, summary: "multinomial logistic regression, L2, by L-BFGS to convergence",
        options: [.C, .tolerance, .maxIterations],
        build: { o, _ in
            var l = LogisticRegression(C: o.C)
            if let t = o.tolerance { l.tolerance = t }
            if let m = o.maxIterations { l.maxIterations = m }
            return l
        },
        load: { file in
            let r = ClassicModelFile.Reader(file)
            let (w, b) = try r.linearWeights()
            return LogisticRegressionModel(weights: w, bias: b, statistics: r.statistics)
        })
}

extension LogisticRegressionModel {
    public var featureCount: Int { weights.shape[0] }
}
