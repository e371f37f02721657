import TakeoffData
import TakeoffEngine

/// Picks the regularisation constant C from a grid by accuracy on a stratified validation split
/// drawn from inside the training set, so the test set never influences the choice.
enum RegularisationSearch {
    /// The fraction of each class held out for validation.
    static let validationFraction = 0.2

    /// The smallest C whose validation accuracy is within one standard error of the best (the
    /// one-standard-error rule: on a small validation set a larger C rarely wins by more than noise,
    /// and a large C also risks a solver stopped short of convergence), with the accuracy of each;
    /// the grid's middle value when the set is too small to hold out a validation part.
    static func choose(from grid: [Double], on train: Dataset, seed: UInt64,
                       fit: (Dataset, Double) throws -> any TrainedModel) throws -> (C: Double, accuracies: [Double]) {
        precondition(!grid.isEmpty, "RegularisationSearch: empty grid")
        if grid.count == 1 { return (grid[0], []) }
        guard let (fitPart, validation) = try? train.validationSplit(fraction: validationFraction, seed: seed) else {
            return (grid[grid.count / 2], [])
        }
        var accuracies: [Double] = []
        for c in grid { accuracies.append(try fit(fitPart, c).accuracy(on: validation)) }
        let best = accuracies.max()!
        let standardError = (best * (1 - best) / Double(validation.count)).squareRoot()
        let chosen = grid.indices.sorted { grid[$0] < grid[$1] }.first { accuracies[$0] >= best - standardError }!
        return (grid[chosen], accuracies)
    }
}
