import Foundation

/// A data set's training pool and its fixed test set.
public struct TrainTestSplit: Sendable {
    /// The pool that training subsets are drawn from.
    public var train: Dataset
    /// Held out until evaluation.
    public var test: Dataset
    /// Whether the test set is the one published with the data (else a seeded stratified split).
    public var officialTest: Bool
    /// The preprocessing this kind of data calls for, fitted on each training subset.
    public var preprocessing: Preprocessing
    /// What the reader decided that the user should know (e.g. which columns were one-hot encoded).
    public var notes: [String]

    /// A split; `preprocessing` and `notes` describe how to use it.
    public init(train: Dataset, test: Dataset, officialTest: Bool, preprocessing: Preprocessing = .none, notes: [String] = []) {
        self.train = train
        self.test = test
        self.officialTest = officialTest
        self.preprocessing = preprocessing
        self.notes = notes
    }

    /// `subset` (drawn from ``train``) and the test set after ``preprocessing`` fitted on `subset` only.
    public func prepared(_ subset: Dataset) -> (train: Dataset, test: Dataset, transform: any FittedTransform) {
        let t = preprocessing.fit(subset)
        return (t.apply(to: subset), t.apply(to: test), t)
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
