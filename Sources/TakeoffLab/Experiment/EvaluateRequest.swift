import Foundation
import TakeoffData

/// What `takeoff evaluate` asks for: a saved model scored on a data set's test set.
public struct EvaluateRequest: Sendable {
    /// A model file written by ``TrainRequest/save``.
    public var model: String
    /// A built-in data set, a file or an MNIST-layout directory.
    public var data: String
    /// How to read it; its seed fixes a non-official test split (as used in training).
    public var loading = LoadOptions()

    public init(model: String, data: String) { (self.model, self.data) = (model, data) }

    /// Loads the model and the data, checks they fit each other, and scores the model.
    public func run() throws -> EvaluateResult {
        let model = try LearnerRegistry.loadModel(from: URL(fileURLWithPath: self.model))
        let split = try DataCatalog.load(data, options: loading)
        guard split.preprocessing == .none else {
            throw LabError.invalidOption(option: "data", detail: "\(data) is preprocessed per training subset (\(split.preprocessing.rawValue)); "
                                         + "evaluate supports data used as read (e.g. fashion-mnist) — use `takeoff train` to evaluate it")
        }
        guard split.test.classCount == model.classCount else {
            throw LabError.invalidOption(option: "model", detail: "\(self.model) has \(model.classCount) classes; \(data) has \(split.test.classCount)")
        }
        guard model.featureCount == split.test.featureCount else {
            throw LabError.invalidOption(option: "model", detail: "\(self.model) takes \(model.featureCount) features; \(data) has \(split.test.featureCount)")
        }
        let fields = split.test.categorical?.names ?? []
        if let missing = model.categoricalFields.first(where: { !fields.contains($0) }) {
            throw LabError.invalidOption(option: "model", detail: "\(self.model) reads the categorical field '\(missing)'; \(data) has no such field "
                                         + "(its fields: \(fields.isEmpty ? "none" : fields.joined(separator: ", ")))")
        }
        let metrics = try Metrics(scores: model.scores(on: split.test), labels: split.test.labels, probabilities: model.givesProbabilities)
        return EvaluateResult(learnerName: model.learnerName, data: data, metrics: metrics, testSize: split.test.count)
    }
}

/// What `takeoff evaluate` found.
public struct EvaluateResult: Sendable {
    public var learnerName: String
    public var data: String
    public var metrics: Metrics
    public var testSize: Int

    /// The result as one JSON object (the `--json` output).
    public var json: [String: Any] {
        var r: [String: Any] = ["learner": learnerName, "data": data, "test_accuracy": metrics.accuracy, "test_size": testSize]
        if let l = metrics.logLoss { r["test_log_loss"] = l }
        return r
    }
}
