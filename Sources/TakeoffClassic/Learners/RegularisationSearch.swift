import TakeoffData
import TakeoffEngine

/// Picks the regularisation constant C from a grid by accuracy on a stratified validation split
/// drawn from inside the training set, so the test set never influences the choice.
enum RegularisationSearch {
    /// The fraction of each class held out for validation.
    static let validationFraction = 0.2

    /// The best C (ties go to the smaller, more regularised value) and the validation accuracy of each.
    static func choose(from grid: [Double], on train: Dataset, seed: UInt64,
                       fit: (Dataset, Double) throws -> any TrainedModel) throws -> (C: Double, accuracies: [Double]) {
        precondition(!grid.isEmpty, "RegularisationSearch: empty grid")
        if grid.count == 1 { return (grid[0], []) }
        guard let (fitPart, validation) = stratifiedSplit(train, seed: seed) else { return (grid[0], []) }
        var accuracies: [Double] = []
        for c in grid { accuracies.append(try fit(fitPart, c).accuracy(on: validation)) }
        let best = accuracies.indices.max { accuracies[$0] < accuracies[$1] || (accuracies[$0] == accuracies[$1] && $0 > $1) }!
        return (grid[best], accuracies)
    }

    /// A seeded split holding out ``validationFraction`` of every class; nil when some class is too small.
    // TODO(data): replace with the data layer's split helper once merged.
    static func stratifiedSplit(_ data: Dataset, seed: UInt64) -> (Dataset, Dataset)? {
        var byClass = [[Int]](repeating: [], count: data.classCount)
        for (i, y) in data.labels.enumerated() { byClass[y].append(i) }
        var rng = RandomGenerator(seed: seed).fork(0x5eed)
        var fitPart: [Int] = [], validation: [Int] = []
        for var members in byClass where !members.isEmpty {
            guard members.count >= 2 else { return nil }
            rng.shuffle(&members)
            let held = max(1, Int((Double(members.count) * validationFraction).rounded()))
            validation += members[..<held]
            fitPart += members[held...]
        }
        fitPart.sort(); validation.sort()
        return (data.subset(fitPart, name: data.name + "/fit"), data.subset(validation, name: data.name + "/validation"))
    }
}
