import Testing
import TakeoffData
import TakeoffEngine
import TakeoffLab

/// The option table: every option reads its text, refuses an out-of-range value by name, and is taken
/// only by the learners that declare it.
@Suite struct LearnerOptionTests {
    /// A value each option takes, and one it refuses (as text, as on a command line).
    static let samples: [LearnerOption: (good: String, bad: String)] = [
        .C: ("0.5", "0"), .gamma: ("0.1", "-1"), .kernel: ("polynomial", "sigmoid"), .degree: ("2", "0"), .loss: ("hinge", "log"),
        .tolerance: ("1e-3", "inf"), .maxIterations: ("10", "-3"), .cacheMB: ("64", "0"), .activation: ("tanh", "swish"),
        .epochs: ("2", "0"), .batchSize: ("16", "0"), .learningRate: ("0.01", "nan"), .dropout: ("0.1", "1"), .augment: ("flip,crop", "rotate"),
        .precision: ("bf16", "bf17"),
    ]

    @Test func everyOptionHasSamples() {
        #expect(Set(Self.samples.keys) == Set(LearnerOption.allCases))
    }

    @Test(arguments: LearnerOption.allCases)
    func eachOptionParsesAndValidates(_ option: LearnerOption) throws {
        var o = LearnerOptions()
        try o.set(option, parsing: try #require(Self.samples[option], "no sample for \(option)").good)
        try o.validate()
        #expect(o.given.map(\.option) == [option])
        o.clear(option)
        #expect(o.given.isEmpty && o == LearnerOptions())
    }

    /// Out of range, or not a value of its type: either way an error naming the option and the value.
    @Test(arguments: LearnerOption.allCases)
    func eachOptionRefusesABadValueByName(_ option: LearnerOption) throws {
        let bad = try #require(Self.samples[option], "no sample for \(option)").bad
        var o = LearnerOptions()
        do {
            try o.set(option, parsing: bad)
            try o.validate()
            Issue.record("\(option) = \(bad) was accepted")
        } catch let LearnerError.invalidValue(named, value, reason) {
            #expect(named == option && (value == bad || Double(value) == Double(bad)), "\(value)")
            #expect(!reason.isEmpty)
            #expect("\(LearnerError.invalidValue(option: named, value: value, reason: reason))".contains("'\(option.rawValue)'"))
        }
    }

    /// A count that sets a loop's length or a product's size has a ceiling: past it, even at the largest Int,
    /// it is refused by name, and the ceiling itself is taken.
    @Test(arguments: [(LearnerOption.degree, LearnerOptions.maxDegree), (.epochs, LearnerOptions.maxEpochs),
                      (.batchSize, LearnerOptions.maxBatchSize), (.cacheMB, LearnerOptions.maxCacheMB)])
    func aCountPastItsCeilingIsRefusedByName(_ option: LearnerOption, _ ceiling: Int) throws {
        var o = LearnerOptions()
        try o.set(option, parsing: "\(ceiling)")
        try o.validate()
        for bad in [ceiling + 1, Int.max] {
            try o.set(option, parsing: "\(bad)")
            #expect { try o.validate() } throws: { error in
                guard case let LearnerError.invalidValue(named, value, reason) = error else { return false }
                return named == option && value == "\(bad)" && reason.hasPrefix("must be at most \(ceiling)")
            }
        }
        #expect(LearnerOptions.maxDegree == 20)
    }

    @Test func textFollowsTheStoredConfigurationFormat() throws {
        var o = LearnerOptions()
        for (option, sample) in Self.samples { try o.set(option, parsing: sample.good) }
        // The text learners' configurations and stores were built from: Swift's own description of each value.
        #expect(o.value(of: .C) == "0.5" && o.value(of: .degree) == "2" && o.value(of: .activation) == "tanh" && o.value(of: .learningRate) == "0.01")
        #expect(o.given.map(\.option) == LearnerOption.allCases)
        #expect(o.restricted(to: [.C, .epochs]).given.map(\.option) == [.C, .epochs])
    }

    /// Each option is taken by some learner; a learner refuses, by name, every option it does not declare.
    @Test(arguments: LearnerOption.allCases)
    func anOptionALearnerDoesNotTakeIsRefusedByName(_ option: LearnerOption) throws {
        #expect(!LearnerRegistry.names(taking: option).isEmpty)
        var o = LearnerOptions()
        try o.set(option, parsing: try #require(Self.samples[option], "no sample for \(option)").good)
        for declaration in LearnerRegistry.declarations where !declaration.options.contains(option) {
            #expect(throws: LearnerError.optionNotTaken(learner: declaration.name, option: option, takes: declaration.options.sorted())) {
                try declaration.make(o)
            }
        }
    }

    @Test func helpNamesTheValuesAndTheLearnersThatTakeIt() {
        #expect(LearnerRegistry.help(for: .loss).contains("One of: squared-hinge, hinge.") && LearnerRegistry.help(for: .loss).hasSuffix("Taken by linear-svm."))
        #expect(LearnerRegistry.help(for: .activation).contains(Activation.allCases.map(\.rawValue).joined(separator: ", ")))
    }

    /// The training context reaches the learners that use it (its device shows in a network's configuration,
    /// keeping GPU results apart) and never counts as an option.
    @Test func theContextReachesTheNetworksOnly() throws {
        let context = TrainingContext(device: .cuda)
        let network = try LearnerRegistry.learner(named: "mlp-small", context: context)
        #expect(network.device == .cuda && network.configuration["device"] == "cuda")
        let classic = try LearnerRegistry.learner(named: "logreg", context: context)
        #expect(classic.device == .cpu && classic.configuration["device"] == nil)
        var curve = CurveRequest(data: "xor", compute: try Compute(threads: 1))
        (curve.learners, curve.context) = (["logreg", "mlp-small"], context)
        let train = try DataCatalog.load("xor", options: LoadOptions(size: 400, seed: 0)).train
        #expect(try curve.makeLearners(for: train).map(\.device) == [.cpu, .cuda])
    }

    /// A sweep gives each learner the options it takes; an option none of its learners takes is refused.
    @Test func aSweepRefusesAnOptionNoneOfItsLearnersTakes() throws {
        var curve = CurveRequest(data: "xor", compute: try Compute(threads: 1))
        (curve.learners, curve.learnerOptions.C) = (["logreg", "mlp-small"], 1)
        let train = try DataCatalog.load("xor", options: LoadOptions(size: 400, seed: 0)).train
        #expect(try curve.makeLearners(for: train).map { $0.configuration["C"] } == ["1.0", nil])
        curve.learners = ["mlp-small"]
        #expect(throws: LearnerError.self) { try curve.makeLearners(for: train) }
    }
}

@Suite struct CommaListTests {
    @Test func itemsAreTrimmedAndEmptyOnesDropped() {
        #expect(CommaList.items(" logreg, mlp-small,,") == ["logreg", "mlp-small"])
        #expect(CommaList.items("").isEmpty)
    }

    @Test func positiveIntegersAllowGroupingAndNameTheBadItem() throws {
        #expect(try CommaList.positiveIntegers("100, 1_000,60000", option: "sizes") == [100, 1_000, 60_000])
        for (text, detail) in [("100,ten", "'ten' is not a positive whole number"), ("0", "'0' is not a positive whole number"),
                               ("-5", "'-5' is not a positive whole number"), (" , ", "lists no value")] {
            #expect(throws: LabError.invalidOption(option: "sizes", detail: detail)) { try CommaList.positiveIntegers(text, option: "sizes") }
        }
    }
}
