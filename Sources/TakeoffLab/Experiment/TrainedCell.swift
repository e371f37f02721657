import Foundation
import TakeoffData
import TakeoffEngine

/// One learner trained on one nested subset and scored on the test set: the unit of work of
/// `takeoff train`, of every sweep cell, and of an MPI worker.
public struct TrainedCell {
    public let model: any TrainedModel
    public let metrics: Metrics
    public let fitSeconds: Double
    public let predictSeconds: Double
    /// Training examples m.
    public let trainSize: Int
    public let testSize: Int

    /// Trains `learner` with `seed` on the pool rows `indices` of `split` (preprocessing fitted on
    /// them) and scores it on the test set. Throws what training throws, a GPU's failure as
    /// ``GPUError``, and ``NonFiniteScores`` when a score is NaN or infinite.
    public init(training learner: any Learner, split: TrainTestSplit, indices: [Int], seed: UInt64) throws {
        let subset = split.train.subset(indices, name: "\(split.train.name)[m=\(indices.count),seed=\(seed)]")
        let (train, test, _) = split.prepared(subset)
        let fitStart = Benchmarks.now()
        model = try learner.fit(train, seed: seed)
        fitSeconds = Benchmarks.now() - fitStart
        let predictStart = Benchmarks.now()
        let scores = model.scores(on: test)
        predictSeconds = Benchmarks.now() - predictStart
        // NaN read back from a GPU that failed is its failure, not divergence (asking starts no GPU on CPU runs).
        if learner.device != .cpu { try GPU.throwIfFailed() }
        metrics = try Metrics(scores: scores, labels: test.labels, probabilities: model.givesProbabilities)
        (trainSize, testSize) = (indices.count, test.count)
    }
}

extension CellResult {
    /// The result of training the cell `key` with `learner` on the pool rows `indices`: a score, or
    /// the status and message of why there is none (divergence, failure, a failed GPU). Never throws.
    public init(evaluating key: CellKey, learner: any Learner, split: TrainTestSplit, indices: [Int]) {
        do {
            let cell = try TrainedCell(training: learner, split: split, indices: indices, seed: key.seed)
            self.init(key: key, status: .ok, accuracy: cell.metrics.accuracy, logLoss: cell.metrics.logLoss.flatMap { $0.isFinite ? $0 : nil },
                      fitSeconds: cell.fitSeconds, predictSeconds: cell.predictSeconds, parameters: cell.model.parameterCount,
                      trainingFLOPs: cell.model.statistics["training_flops"],
                      precision: cell.metrics.positive?.precision, recall: cell.metrics.positive?.recall, auc: cell.metrics.positive?.auc)
        } catch let e as GPUError {
            if case .stopped = e { self.init(key: key, status: .gpuFailed, error: e.description) } else { self.init(key: key, status: .failed, error: e.description) }
        } catch let e as NonFiniteScores {
            self.init(key: key, status: .diverged, error: e.description)
        } catch let e as TrainingError {
            if case .diverged = e { self.init(key: key, status: .diverged, error: e.description) } else { self.init(key: key, status: .failed, error: e.description) }
        } catch {
            self.init(key: key, status: .failed, error: "\(error)")
        }
    }
}
