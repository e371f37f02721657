import TakeoffData

/// Resolves the classic learners by name: `logreg`, `linear-svm`, `rbf-svm`.
public enum ClassicRegistry {
    /// The names this registry knows.
    public static let names = ["logreg", "linear-svm", "rbf-svm"]
    /// The largest kernel cache budget, in MiB: its size in bytes must not overflow.
    public static let maxCacheMB = 1 << 30

    /// Hyperparameters a caller may set; nil leaves each learner's default.
    public struct Options: Sendable {
        /// Fixes C; nil chooses it on a validation split inside the training set.
        public var C: Double?
        /// `rbf-svm`: kernel width; nil is 1/(d·Var(X)).
        public var gamma: Double?
        /// Solver tolerance (gradient ∞-norm for `logreg`, projected-gradient spread for `linear-svm`, SMO gap for `rbf-svm`).
        public var tolerance: Double?
        /// `rbf-svm`: kernel cache budget in MiB.
        public var cacheMB: Int?
        /// `rbf-svm`: `rbf`, `linear` or `polynomial`.
        public var kernel: String?
        /// `rbf-svm` polynomial kernel degree.
        public var degree: Int?
        /// `linear-svm`: `hinge` or `squared-hinge`.
        public var loss: String?
        /// Iteration (logreg) or epoch (linear-svm) limit.
        public var maxIterations: Int?

        public init(C: Double? = nil, gamma: Double? = nil, tolerance: Double? = nil, cacheMB: Int? = nil, kernel: String? = nil,
                    degree: Int? = nil, loss: String? = nil, maxIterations: Int? = nil) {
            self.C = C; self.gamma = gamma; self.tolerance = tolerance; self.cacheMB = cacheMB
            self.kernel = kernel; self.degree = degree; self.loss = loss; self.maxIterations = maxIterations
        }
    }

    /// The learner called `name` with `options`; throws ``ClassicError`` for an unknown name, a bad value
    /// or an option that does not apply to that learner.
    public static func learner(named name: String, options: Options = Options()) throws -> any Learner {
        func positive(_ v: Double?, _ option: String) throws {
            if let v, !(v > 0 && v.isFinite) { throw ClassicError.invalidOption(option: option, value: "\(v)", reason: "must be a positive number") }
        }
        func positive(_ v: Int?, _ option: String) throws {
            if let v, v <= 0 { throw ClassicError.invalidOption(option: option, value: "\(v)", reason: "must be a positive integer") }
        }
        func notFor(_ v: Any?, _ option: String) throws {
            if let v { throw ClassicError.invalidOption(option: option, value: "\(v)", reason: "does not apply to \(name)") }
        }
        try positive(options.C, "C"); try positive(options.gamma, "gamma"); try positive(options.tolerance, "tolerance")
        try positive(options.cacheMB, "cache-mb"); try positive(options.degree, "degree"); try positive(options.maxIterations, "max-iterations")
        if let mb = options.cacheMB, mb > maxCacheMB {
            throw ClassicError.invalidOption(option: "cache-mb", value: "\(mb)", reason: "must be at most \(maxCacheMB) (MiB, 1 PiB)")
        }
        switch name {
        case "logreg":
            try notFor(options.gamma, "gamma"); try notFor(options.cacheMB, "cache-mb"); try notFor(options.kernel, "kernel")
            try notFor(options.degree, "degree"); try notFor(options.loss, "loss")
            var l = LogisticRegression(C: options.C)
            if let t = options.tolerance { l.tolerance = t }
            if let m = options.maxIterations { l.maxIterations = m }
            return l
        case "linear-svm":
            try notFor(options.gamma, "gamma"); try notFor(options.cacheMB, "cache-mb"); try notFor(options.kernel, "kernel")
            try notFor(options.degree, "degree")
            var l = LinearSVM(C: options.C)
            if let s = options.loss {
                guard let loss = DualCoordinateDescent.Loss(rawValue: s) else {
                    throw ClassicError.invalidOption(option: "loss", value: s, reason: "expected hinge or squared-hinge")
                }
                l.loss = loss
            }
            if let t = options.tolerance { l.tolerance = t }
            if let m = options.maxIterations { l.maxEpochs = m }
            return l
        case "rbf-svm":
            try notFor(options.loss, "loss"); try notFor(options.maxIterations, "max-iterations")
            var l = KernelSVM(C: options.C, gamma: options.gamma)
            if let s = options.kernel {
                guard let k = KernelSVM.KernelKind(rawValue: s) else {
                    throw ClassicError.invalidOption(option: "kernel", value: s,
                                                     reason: "expected one of \(KernelSVM.KernelKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                l.kernel = k
            }
            if let t = options.tolerance { l.tolerance = t }
            if let m = options.cacheMB { l.cacheMB = m }
            if let g = options.degree { l.degree = g }
            return l
        default:
            throw ClassicError.unknownLearner(name: name, known: names)
        }
    }
}
