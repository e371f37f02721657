import TakeoffData

extension LinearSVM {
    /// `linear-svm`, as the registry knows it.
    public static let declaration = LearnerDeclaration(
        name: "linear-svm", family: .traditional, summary: "linear SVM per class (one-vs-rest), squared hinge or hinge, by dual coordinate descent",
        options: [.C, .loss, .tolerance, .maxIterations],
        build: { o, _ in
            var l = LinearSVM(C: o.C)
            if let s = o.loss {
                guard let loss = DualCoordinateDescent.Loss(rawValue: s) else {
                    throw LearnerError.invalidValue(option: .loss, value: s, reason: "expected hinge or squared-hinge")
                }
                l.loss = loss
            }
            if let t = o.tolerance { l.tolerance = t }
            if let m = o.maxIterations { l.maxEpochs = m }
            return l
        },
        load: { file in
            let r = ClassicModelFile.Reader(file)
            let (w, b) = try r.linearWeights()
            return LinearSVMModel(weights: w, bias: b, statistics: r.statistics)
        })
}

extension LinearSVMModel {
    public var featureCount: Int { weights.shape[0] }
}
