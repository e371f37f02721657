import TakeoffData

extension SparseLogisticRegression {
    /// `sparse-logreg`, as the registry knows it.
    public static let declaration = LearnerDeclaration(
        name: "sparse-logreg", family: .traditional,
        summary: "binary logistic regression, L2, on categorical fields hashed into 2^20 sparse features, by L-BFGS to convergence",
        options: [.C, .tolerance, .maxIterations], takesCategorical: true,
        build: { o, _ in
            var l = SparseLogisticRegression(C: o.C)
            if let t = o.tolerance { l.tolerance = t }
            if let m = o.maxIterations { l.maxIterations = m }
            return l
        },
        load: { file in
            let r = ClassicModelFile.Reader(file)
            let w = try r.tensor("weights", rank: 1), b = try r.tensor("bias", rank: 1)
            guard b.count == 1, w.count > 0 else { throw r.fail("weights \(w.shape) and bias \(b.shape): expected [buckets] and [1]") }
            guard w.count <= Int(Int32.max) else { throw r.fail("weights \(w.shape): more than \(Int32.max) hash buckets") }
            guard let fields = file.metadata["fields"]?.split(separator: "\t").map(String.init), !fields.isEmpty else {
                throw r.fail("metadata 'fields' (the categorical fields, tab-separated) missing")
            }
            return SparseLogisticModel(weights: w, bias: b.scalars[0], fields: fields, statistics: r.statistics)
        })
}
