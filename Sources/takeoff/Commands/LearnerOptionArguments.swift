import ArgumentParser
import TakeoffData
import TakeoffLab

/// The learner options as flags, one group shared by every command that takes them (train, curve, scale,
/// bench classic). Each flag's name, value and help come from its ``LearnerOption/declaration`` (and the
/// learners that take it from their declarations); its value is read and range-checked by ``LearnerOptions``.
/// Each takes the next word as its value even when it starts with `-` (`--C -1` is a value out of range,
/// refused by name). To add an option, declare it in `LearnerOption.swift` and add its one line here.
struct LearnerOptionArguments: ParsableArguments {
    @Option(name: .customLong(LearnerOption.C.rawValue), parsing: .unconditional, help: learnerHelp(.C)) var C: String?
    @Option(name: .customLong(LearnerOption.gamma.rawValue), parsing: .unconditional, help: learnerHelp(.gamma)) var gamma: String?
    @Option(name: .customLong(LearnerOption.kernel.rawValue), parsing: .unconditional, help: learnerHelp(.kernel)) var kernel: String?
    @Option(name: .customLong(LearnerOption.degree.rawValue), parsing: .unconditional, help: learnerHelp(.degree)) var degree: String?
    @Option(name: .customLong(LearnerOption.loss.rawValue), parsing: .unconditional, help: learnerHelp(.loss)) var loss: String?
    @Option(name: .customLong(LearnerOption.tolerance.rawValue), parsing: .unconditional, help: learnerHelp(.tolerance)) var tolerance: String?
    @Option(name: .customLong(LearnerOption.maxIterations.rawValue), parsing: .unconditional, help: learnerHelp(.maxIterations)) var maxIterations: String?
    @Option(name: .customLong(LearnerOption.cacheMB.rawValue), parsing: .unconditional, help: learnerHelp(.cacheMB)) var cacheMB: String?
    @Option(name: .customLong(LearnerOption.activation.rawValue), parsing: .unconditional, help: learnerHelp(.activation)) var activation: String?
    @Option(name: .customLong(LearnerOption.epochs.rawValue), parsing: .unconditional, help: learnerHelp(.epochs)) var epochs: String?
    @Option(name: .customLong(LearnerOption.batchSize.rawValue), parsing: .unconditional, help: learnerHelp(.batchSize)) var batchSize: String?
    @Option(name: .customLong(LearnerOption.learningRate.rawValue), parsing: .unconditional, help: learnerHelp(.learningRate)) var learningRate: String?
    @Option(name: .customLong(LearnerOption.dropout.rawValue), parsing: .unconditional, help: learnerHelp(.dropout)) var dropout: String?
    @Option(name: .customLong(LearnerOption.augment.rawValue), parsing: .unconditional, help: learnerHelp(.augment)) var augment: String?
    @Option(name: .customLong(LearnerOption.precision.rawValue), parsing: .unconditional, help: learnerHelp(.precision)) var precision: String?

    /// Each option with the text given for it.
    private var texts: [LearnerOption: String?] {
        [.C: C, .gamma: gamma, .kernel: kernel, .degree: degree, .loss: loss, .tolerance: tolerance, .maxIterations: maxIterations,
         .cacheMB: cacheMB, .activation: activation, .epochs: epochs, .batchSize: batchSize, .learningRate: learningRate, .dropout: dropout,
         .augment: augment, .precision: precision]
    }

    /// The options given, read and range-checked; a bad value is an error naming its flag.
    func options() throws -> LearnerOptions {
        precondition(Set(texts.keys) == Set(LearnerOption.allCases), "a learner option has no flag in LearnerOptionArguments")
        var options = LearnerOptions()
        for option in LearnerOption.allCases {
            if let text = texts[option] ?? nil { try options.set(option, parsing: text) }
        }
        try options.validate()
        return options
    }

    /// Checked as the command line is parsed, before anything runs; says where `--precision` runs other than its name promises.
    func validate() throws {
        let options: LearnerOptions
        do { options = try self.options() } catch { throw ValidationError(Takeoff.flagMessage(error) ?? "\(error)") }
        _ = options.precision?.announced()
    }
}

/// A learner option's help on the command line: what it does, its values and the learners that take it.
private func learnerHelp(_ option: LearnerOption) -> ArgumentHelp {
    ArgumentHelp(LearnerRegistry.help(for: option), valueName: option.declaration.valueName)
}
