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

    /// The learner called `name` configured with `options`; an option it does not take is an error naming it.
    public static func learner(named name: String, options: LearnerOptions = LearnerOptions()) throws -> any Learner {
        try declaration(named: name).make(options)
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
