import Foundation
import TakeoffClassic
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// Every learner Takeoff knows: the classic ones and the neural presets, each by its declaration.
/// To add a learner, declare it beside its type (see `LogisticRegression+Declaration.swift`) and list it here.
public enum LearnerRegistry {
    /// All declarations, classic first; the click-data network last.
    public static let declarations = ClassicRegistry.declarations + NeuralLearner.declarations + [EmbeddingNetwork.declaration]

    /// All learner names, classic first.
    public static let names = declarations.map(\.name)

    /// The declaration of the learner called `name`.
    public static func declaration(named name: String) throws -> LearnerDeclaration {
        guard let d = declarations.first(where: { $0.name == name }) else { throw LearnerError.unknownLearner(name: name, known: names) }
        return d
    }

    /// The learner called `name` configured with `options`, to train in `context`; an option it does not take is an error naming it.
    public static func learner(named name: String, options: LearnerOptions = LearnerOptions(),
                               context: TrainingContext = TrainingContext()) throws -> any Learner {
        try declaration(named: name).make(options, context: context)
    }

    /// The names of the learners that take `option`, in registry order.
    public static func names(taking option: LearnerOption) -> [String] { declarations.filter { $0.options.contains(option) }.map(\.name) }

    /// `option`'s help: what it does, the values it names (if it names one) and which learners take it.
    public static func help(for option: LearnerOption) -> String {
        let declaration = option.declaration, takers = names(taking: option)
        return declaration.help + (declaration.choices.map { " One of: \($0.joined(separator: ", "))." } ?? "")
            + " Taken by " + (takers.isEmpty ? "no learner" : takers.joined(separator: ", ")) + "."
    }

    /// Loads a model saved by any learner: the learner named in its metadata reads it.
    public static func loadModel(from url: URL) throws -> any TrainedModel {
        let file = try SavedModel(contentsOf: url)
        guard let name = file.metadata["learner"] else { throw LearnerError.unknownModel(path: url.path, learner: nil) }
        guard let d = declarations.first(where: { $0.name == name }) else { throw LearnerError.unknownModel(path: url.path, learner: name) }
        return try d.loadModel(file)
    }

    /// The registry's learners that suit `data` (all but the CNN when the examples are not images).
    public static func names(suiting data: Dataset) -> [String] { declarations.filter { $0.suits(data) }.map(\.name) }
}
