import TakeoffData

extension KernelSVM {
    /// `rbf-svm`, as the registry knows it.
    public static let declaration = LearnerDeclaration(
        name: "rbf-svm", family: .traditional, summary: "C-SVM with an RBF kernel (or linear, or polynomial), one-vs-one, by SMO",
        options: [.C, .gamma, .kernel, .degree, .tolerance, .cacheMB],
        build: { o, _ in
            var l = KernelSVM(C: o.C, gamma: o.gamma)
            if let s = o.kernel {
                guard let k = KernelKind(rawValue: s) else {
                    throw LearnerError.invalidValue(option: .kernel, value: s,
                                                    reason: "expected one of \(KernelKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                l.kernel = k
            }
            if let t = o.tolerance { l.tolerance = t }
            if let m = o.cacheMB { l.cacheMB = m }
            if let g = o.degree {
                // A degree with another kernel would change nothing: refused rather than ignored.
                guard l.kernel == .polynomial else {
                    throw LearnerError.invalidValue(option: .degree, value: "\(g)", reason: "applies to the polynomial kernel only (kernel \(l.kernel.rawValue))")
                }
                l.degree = g
            }
            return l
        },
        load: { file in
            let r = ClassicModelFile.Reader(file)
            let sv = try r.tensor("support_vectors", rank: 2), coef = try r.tensor("coefficients", rank: 2), rho = try r.tensor("rho", rank: 1)
            guard let k = Int(file.metadata["class_count"] ?? ""), k >= 1, case let (pairs, overflow) = k.multipliedReportingOverflow(by: k - 1),
                  !overflow, pairs / 2 == rho.count else {
                throw r.fail("metadata 'class_count' missing or inconsistent with \(rho.count) class pairs")
            }
            // With no features, the file would hold no bytes for however many support vectors it declared.
            guard sv.shape[1] > 0 else { throw r.fail("support_vectors \(sv.shape): expected at least one feature") }
            guard coef.shape == [sv.shape[0], rho.count] else {
                throw r.fail("coefficients \(coef.shape) do not match \(sv.shape[0]) support vectors and \(rho.count) pairs")
            }
            let kernel: SVMKernel
            switch file.metadata["kernel"] {
            case "linear": kernel = .linear
            case "rbf": kernel = .rbf(gamma: try r.number("gamma"))
            case "polynomial":
                guard let degree = Int(file.metadata["degree"] ?? ""), (1...SVMKernel.maximumDegree).contains(degree) else {
                    throw r.fail("metadata 'degree' (\(file.metadata["degree"] ?? "missing")) is not a whole number in 1...\(SVMKernel.maximumDegree)")
                }
                kernel = .polynomial(gamma: try r.number("gamma"), coef0: try r.number("coef0"), degree: degree)
            default: throw r.fail("unknown kernel '\(file.metadata["kernel"] ?? "missing")'")
            }
            return KernelSVMModel(kernel: kernel, supportVectors: sv, coefficients: coef, rho: rho, classCount: k, statistics: r.statistics)
        })
}

extension KernelSVMModel {
    public var featureCount: Int { supportVectors.shape[1] }
}
