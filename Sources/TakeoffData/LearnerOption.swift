import TakeoffEngine

/// A setting a user may give a learner. Each is declared once, in ``declaration``: where its value is kept,
/// its type, its help text and its range check. Parsing (the command line's one group of learner flags),
/// validation and help all read that declaration; which learners take it, each learner says in its own
/// ``LearnerDeclaration/options``.
public enum LearnerOption: String, CaseIterable, Sendable, Comparable {
    case C, gamma, kernel, degree, loss, tolerance
    case maxIterations = "max-iterations"
    case cacheMB = "cache-mb"
    case activation, epochs
    case batchSize = "batch-size"
    case learningRate = "lr"
    case dropout
    case augment
    case precision

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// The flag that sets it on the command line, e.g. `--max-iterations`.
    public var flag: String { "--" + rawValue }

    /// The option, declared: its value in ``LearnerOptions``, type, help and check. Help says what it does;
    /// the learners that take it are added from their declarations.
    public var declaration: LearnerOptionDeclaration {
        switch self {
        case .C: .positive(\.C, help: "Fix the regularisation C (default: chosen on a validation split inside the training set).")
        case .gamma: .positive(\.gamma, help: "Kernel width γ of the rbf and polynomial kernels (default: 1/(d·Var(X))).")
        case .kernel: .choice(\.kernel, among: ["rbf", "linear", "polynomial"], help: "Kernel of the SVM (default rbf; polynomial is (γ a·b)^degree).")
        case .degree: .count(\.degree, atMost: LearnerOptions.maxDegree, help: "Degree of the polynomial kernel, at most \(LearnerOptions.maxDegree) (default 3; with --kernel polynomial).")
        case .loss: .choice(\.loss, among: ["squared-hinge", "hinge"], help: "Loss of the linear SVM (default squared-hinge).")
        case .tolerance: .positive(\.tolerance, help: "Solver tolerance (stopping threshold).")
        case .maxIterations: .count(\.maxIterations, help: "Solver limit: L-BFGS iterations (logistic regressions) or dual epochs (linear-svm).")
        case .cacheMB: .count(\.cacheMB, atMost: LearnerOptions.maxCacheMB, unit: "MiB, 1 PiB",
                              help: "Kernel cache budget per binary problem, in MiB (default 1024).")
        case .activation: .choice(\.activation, among: Activation.allCases, help: "Activation of the hidden layers (default relu).")
        case .epochs: .count(\.epochs, atMost: LearnerOptions.maxEpochs, help: "Maximum epochs, at most \(LearnerOptions.maxEpochs) (default: the recipe for m).")
        case .batchSize: .count(\.batchSize, atMost: LearnerOptions.maxBatchSize, help: "Mini-batch size, at most \(LearnerOptions.maxBatchSize) (default: the recipe for m).")
        case .learningRate: .positive(\.learningRate, help: "Learning rate (default: the recipe for m).")
        case .dropout: .fraction(\.dropout, help: "Dropout probability after hidden layers, in [0, 1) (default: the preset's).")
        case .augment: .init(\.augment, help: "Random changes to the training images each epoch: flip, crop or flip,crop (default: none).",
                             valueName: "list", choices: ImageAugmentation.names, requirement: "expected flip, crop or flip,crop",
                             parse: { try? ImageAugmentation(parsing: $0) }, show: \.description) { _ in nil }
        case .precision: .choice(\.precision, among: Precision.allCases,
                                 help: "Number format of a network's products: fp32, bf16 (bfloat16 operands; float32 sums, weights and optimizer) or auto (default fp32).")
        }
    }
}

/// How one ``LearnerOption`` is kept, read from text, shown and checked. Made by ``positive(_:help:)``,
/// ``count(_:atMost:unit:help:)``, ``fraction(_:help:)`` or a ``choice`` constructor, one per value type.
public struct LearnerOptionDeclaration {
    /// What it does, one sentence.
    public let help: String
    /// The value's placeholder in help, e.g. `x`, `n`, `name`.
    public let valueName: String
    /// The values it takes, for an option that names one.
    public let choices: [String]?
    /// Sets the option from `text`; the reason when `text` is not a value of its type.
    let assign: (inout LearnerOptions, String) -> String?
    /// The value as text (``LearnerOptions/value(of:)``: the text learners' configurations were built from).
    let read: (LearnerOptions) -> String?
    let clear: (inout LearnerOptions) -> Void
    /// Why the value set is out of range, nil when it is in range or unset.
    let check: (LearnerOptions) -> String?

    /// An option kept at `path`, read with `parse` (nil: not a value; refused with `requirement`), shown with
    /// `show`, and refused with the reason `refusal` gives.
    init<Value>(_ path: WritableKeyPath<LearnerOptions, Value?>, help: String, valueName: String, choices: [String]? = nil,
                requirement: String, parse: @escaping (String) -> Value?, show: @escaping (Value) -> String = { "\($0)" },
                refusal: @escaping (Value) -> String?) {
        self.help = help
        self.valueName = valueName
        self.choices = choices
        assign = { options, text in
            guard let value = parse(text) else { return requirement }
            options[keyPath: path] = value
            return nil
        }
        read = { $0[keyPath: path].map(show) }
        clear = { $0[keyPath: path] = nil }
        check = { $0[keyPath: path].flatMap(refusal) }
    }

    /// A positive, finite real number.
    static func positive<Value: BinaryFloatingPoint & LosslessStringConvertible>(_ path: WritableKeyPath<LearnerOptions, Value?>,
                                                                                help: String) -> Self {
        let requirement = "must be a positive number"
        return Self(path, help: help, valueName: "x", requirement: requirement, parse: Value.init) { $0 > 0 && $0.isFinite ? nil : requirement }
    }

    /// A positive integer, at most `limit` (in `unit`) when given.
    static func count(_ path: WritableKeyPath<LearnerOptions, Int?>, atMost limit: Int? = nil, unit: String? = nil, help: String) -> Self {
        let requirement = "must be a positive integer"
        return Self(path, help: help, valueName: "n", requirement: requirement, parse: { Int($0) }) { v in
            if v <= 0 { return requirement }
            if let limit, v > limit { return "must be at most \(limit)" + (unit.map { " (\($0))" } ?? "") }
            return nil
        }
    }

    /// A probability in [0, 1).
    static func fraction(_ path: WritableKeyPath<LearnerOptions, Float?>, help: String) -> Self {
        let requirement = "must be in [0, 1)"
        return Self(path, help: help, valueName: "p", requirement: requirement, parse: { Float($0) }) { $0 >= 0 && $0 < 1 ? nil : requirement }
    }

    /// One of `names`, kept as text (the learner that reads it maps it to its own type; a test checks the names agree).
    static func choice(_ path: WritableKeyPath<LearnerOptions, String?>, among names: [String], help: String) -> Self {
        let requirement = "expected one of \(names.joined(separator: ", "))"
        return Self(path, help: help, valueName: "name", choices: names, requirement: requirement, parse: { $0 }) { names.contains($0) ? nil : requirement }
    }

    /// One of a type's cases, by raw value.
    static func choice<Value: RawRepresentable<String> & CaseIterable>(_ path: WritableKeyPath<LearnerOptions, Value?>, among all: Value.AllCases,
                                                                      help: String) -> Self {
        let names = all.map(\.rawValue)
        return Self(path, help: help, valueName: "name", choices: names, requirement: "expected one of \(names.joined(separator: ", "))",
                    parse: Value.init(rawValue:), show: \.rawValue) { _ in nil }
    }
}

/// Settings for a learner, one per ``LearnerOption``; nil keeps the learner's default. A learner refuses a
/// setting it does not declare, so no option is ever silently ignored. Where and how the learner runs
/// (device, MPI ranks, progress) is not a setting: see ``TrainingContext``.
public struct LearnerOptions: Sendable, Equatable {
    /// Regularisation; nil chooses it inside the training set.
    public var C: Double?
    /// Kernel width; nil is 1/(d·Var(X)).
    public var gamma: Double?
    /// Kernel of a kernel SVM, by name.
    public var kernel: String?
    /// Degree of a polynomial kernel.
    public var degree: Int?
    /// Loss of a linear SVM, by name.
    public var loss: String?
    /// Solver tolerance.
    public var tolerance: Double?
    /// Iteration or epoch limit of a solver.
    public var maxIterations: Int?
    /// Kernel cache budget in MiB.
    public var cacheMB: Int?
    public var activation: Activation?
    /// Maximum epochs of a network.
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var dropout: Float?
    /// Random flips and crops of a network's training images each epoch; nil: none.
    public var augment: ImageAugmentation?
    /// The number format of a network's products.
    public var precision: Precision?

    public init() {}

    /// The largest kernel cache budget, in MiB: its size in bytes must not overflow.
    public static let maxCacheMB = 1 << 30
    /// The largest polynomial degree: the kernel raises to it by repeated multiplication.
    public static let maxDegree = 20
    /// The most epochs and the largest batch: a run's step count (epochs × steps per epoch) must not overflow.
    public static let maxEpochs = 1_000_000
    public static let maxBatchSize = 10_000_000

    /// The options that are set, with their values as text, in ``LearnerOption/allCases`` order.
    public var given: [(option: LearnerOption, value: String)] {
        LearnerOption.allCases.compactMap { option in value(of: option).map { (option, $0) } }
    }

    /// The value of `option` as text, nil when unset.
    public func value(of option: LearnerOption) -> String? { option.declaration.read(self) }

    /// Sets `option` from its text on a command line; throws ``LearnerError/invalidValue(option:value:reason:)``
    /// when `text` is not a value of its type (its range is checked by ``validate()``).
    public mutating func set(_ option: LearnerOption, parsing text: String) throws {
        if let reason = option.declaration.assign(&self, text) { throw LearnerError.invalidValue(option: option, value: text, reason: reason) }
    }

    /// Unsets `option`.
    public mutating func clear(_ option: LearnerOption) { option.declaration.clear(&self) }

    /// Checks every set value's range and names, by its option's declaration.
    public func validate() throws {
        for option in LearnerOption.allCases {
            if let reason = option.declaration.check(self) {
                throw LearnerError.invalidValue(option: option, value: value(of: option) ?? "", reason: reason)
            }
        }
    }

    /// These options with every one that `options` does not list left unset.
    public func restricted(to options: Set<LearnerOption>) -> LearnerOptions {
        var o = self
        for (option, _) in given where !options.contains(option) { o.clear(option) }
        return o
    }
}

/// Where and how a learner trains, apart from its settings: the run's context, chosen by whoever runs it
/// (a command, a sweep, an MPI job), not by the user per learner, and never part of ``LearnerOptions``.
public struct TrainingContext: Sendable {
    /// Where learners that can use a device train (the others use the CPU whatever this says).
    public var device: Device
    /// Data-parallel training over these processes (MPI ranks), for learners that can (the networks).
    public var dataParallel: (any DataParallelGroup)?
    /// Whether training draws progress on standard error.
    public var showProgress: Bool

    public init(device: Device = .cpu, dataParallel: (any DataParallelGroup)? = nil, showProgress: Bool = false) {
        (self.device, self.dataParallel, self.showProgress) = (device, dataParallel, showProgress)
    }
}
