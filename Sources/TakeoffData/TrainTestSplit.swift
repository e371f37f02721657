import Foundation

/// A data set's training pool and its fixed test set.
public struct TrainTestSplit: Sendable {
    /// The pool that training subsets are drawn from.
    public var train: Dataset
    /// Held out until evaluation.
    public var test: Dataset
    /// Whether the test set is the one published with the data (else a seeded stratified split).
    public var officialTest: Bool

    public init(train: Dataset, test: Dataset, officialTest: Bool) {
        self.train = train
        self.test = test
        self.officialTest = officialTest
    }
}

extension Dataset {
    /// The same data with other class names (e.g. when one split lacks the highest label).
    func withClassNames(_ names: [String]) -> Dataset {
        var d = self
        d.classNames = names
        return d
    }
}
