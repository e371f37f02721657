import Foundation
import TakeoffData
import TakeoffEngine

/// Picks the regularisation constant C from a grid by validation accuracy measured inside the training
/// set, so the test set never influences the choice: on a stratified 20% split, or, when that split would
/// hold fewer than ``crossValidationBelow`` examples, by stratified 5-fold cross-validation over all of them.
/// Above ``searchedAtMost`` examples the search runs on a seeded nested stratified subsample of that many of
/// them, so its cost stops growing with m; the learner then fits once on all m with the chosen C.
enum RegularisationSearch {
    /// The fraction of each class held out for validation.
    static let validationFraction = 0.2
    /// Below this many validation examples one split is too noisy to choose C by (20 examples at m = 100).
    /// Measured on Fashion-MNIST, cross-validation gained 0.5–2 points at m = 100, up to 0.7 at 250, and
    /// under 0.25 from 620 on, for about four times the fit time, which grows with m: so below m = 1,000.
    static let crossValidationBelow = 200
    static let folds = 5
    /// The most training examples the search looks at. The losses are summed over the examples (C·Σ loss +
    /// ½‖w‖²), so the penalty per example already shrinks as 1/m and the best C moves slowly with m; where it
    /// moves, a subsample tends to pick the same or a larger C (fewer examples need a larger C for the same
    /// fit), not a more regularised one. On Fashion-MNIST at m = 60,000 (seed 0), logreg and linear-svm chose the
    /// full search's C with the same test accuracy (BENCHMARKS.md, "Choosing C at large m"), for a fifth of
    /// the examples per search fit. 12,000 keeps 2,400 validation examples, whose standard error (0.7 points
    /// at 85%) is about the rule's half-point margin.
    static let searchedAtMost = 12_000

    /// How a learner's configuration names its C: the fixed value, or the grid and the choice rule
    /// (part of the result store's key, so results chosen by an earlier rule are not mixed in).
    static func describe(C: Double?, grid: [Double], scaled: Bool = false) -> String {
        C.map { "\($0)" } ?? "grid:" + grid.map { "\($0)" }.joined(separator: ",") + ";within:min(1se,0.005);cv\(folds)<\(crossValidationBelow)"
            + ";on:nested\(searchedAtMost)"
            + (scaled ? ";scaled:decades(\(tunedMeanSquaredNorm)/mean|x|^2)" : "")
    }

    /// The mean squared row norm of the data the grids were tuned on: Fashion-MNIST, pixels in [0, 1].
    static let tunedMeanSquaredNorm = 157.0

    /// `grid` times the power of ten nearest to `tunedMeanSquaredNorm / mean‖x‖²` over `train`. Scaling x by
    /// a scales the C that regularises alike by 1/a², so a grid tuned on pixels must move on other data:
    /// TF-IDF rows have ‖x‖² = 1, and on sms-spam logreg with C ≤ 1 scored exactly the share of ham
    /// (86.8%) up to m = 250 and 88.3% at m = 600, where C = 100 gives 90.1% and 93.6%. Whole decades keep
    /// the grid's round values, and keep it unchanged wherever mean‖x‖² lies within a factor of √10 of
    /// Fashion-MNIST's (50–496).
    static func scaled(_ grid: [Double], to train: Dataset) -> (grid: [Double], factor: Double) {
        let n = train.count * train.featureCount, p = train.features.pointer
        var sum = 0.0
        for i in 0..<n { sum += Double(p[i]) * Double(p[i]) }
        let meanSquaredNorm = sum / Double(max(train.count, 1))
        guard meanSquaredNorm > 0 else { return (grid, 1) }
        let factor = pow(10, (log10(tunedMeanSquaredNorm / meanSquaredNorm)).rounded())
        return factor == 1 ? (grid, 1) : (grid.map { $0 * factor }, factor)
    }

    /// The smallest C whose validation accuracy is within ``margin(best:validationCount:)`` of the best,
    /// with the accuracy of each (pooled over the folds when cross-validating); the grid's middle value
    /// when the set is too small to hold out a validation part. `fit` is called for each C in grid order
    /// (for every fold before the next C).
    static func choose(from grid: [Double], on train: Dataset, seed: UInt64,
                       fit: (Dataset, Double) throws -> any TrainedModel) throws -> (C: Double, accuracies: [Double]) {
        try choose(from: grid, on: train, seed: seed) { part, _, c in try fit(part, c) }
    }

    /// As ``choose(from:on:seed:fit:)``, telling `fit` which part it fits (0 for the single split, the fold
    /// otherwise), so a learner can warm-start from its fit at the previous C on the same rows. The search
    /// looks at `limit` of the examples at most (a test may lift it to compare with the full search).
    static func choose(from grid: [Double], on train: Dataset, seed: UInt64, atMost limit: Int = searchedAtMost,
                       fitPart fit: (_ part: Dataset, _ index: Int, _ C: Double) throws -> any TrainedModel) throws -> (C: Double, accuracies: [Double]) {
        precondition(!grid.isEmpty, "RegularisationSearch: empty grid")
        if grid.count == 1 { return (grid[0], []) }
        let searched = train.count > limit ? try train.nestedSubset(limit, seed: seed) : train
        let parts: [(train: Dataset, validation: Dataset)]
        if Double(searched.count) * validationFraction < Double(crossValidationBelow), let folds = try? searched.stratifiedFolds(folds, seed: seed) {
            parts = folds
        } else if let split = try? searched.validationSplit(fraction: validationFraction, seed: seed) {
            parts = [split]
        } else {
            return (grid[grid.count / 2], [])
        }
        let validated = parts.map(\.validation.count).reduce(0, +)
        var accuracies: [Double] = []
        for c in grid {
            var correct = 0.0
            for (index, part) in parts.enumerated() {
                correct += try fit(part.train, index, c).accuracy(on: part.validation) * Double(part.validation.count)
            }
            accuracies.append(correct / Double(validated))
        }
        let best = accuracies.max()!
        let margin = margin(best: best, validationCount: validated)
        let chosen = grid.indices.sorted { grid[$0] < grid[$1] }.first { accuracies[$0] >= best - margin }!
        return (grid[chosen], accuracies)
    }

    /// How far below the best validation accuracy a smaller C may fall and still be chosen: one standard
    /// error of that accuracy (a larger C that wins by less is likely noise, and a large C also risks a
    /// solver stopped short of convergence), but at most half a point. Uncapped, the standard error of a
    /// small validation set (0.11 for 20 examples) let the smallest C win every time, and that C
    /// underfits: logreg at m = 100 scored 60.9% (3 seeds) where the best validation choice gets 67–70%.
    static func margin(best: Double, validationCount: Int) -> Double {
        min((best * (1 - best) / Double(max(validationCount, 1))).squareRoot(), 0.005)
    }
}
