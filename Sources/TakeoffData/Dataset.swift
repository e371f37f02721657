import Foundation
import TakeoffEngine

/// A labeled data set held in memory: a dense feature matrix and one class label per row.
public struct Dataset: Sendable {
    /// A short name used in reports (e.g. `fashion-mnist/train`).
    public var name: String
    /// Features, shape [count, featureCount], row-major Float32.
    public var features: Tensor
    /// Class index of each row, in `0..<classNames.count`.
    public var labels: [Int]
    /// Human-readable name of each class.
    public var classNames: [String]
    /// The shape of one example when it is an image, channels first (e.g. [1, 28, 28]).
    public var imageShape: [Int]?
    /// Whether each row was scaled to unit length (``TFIDF``): the features' sizes relative to each other
    /// carry the weighting, so a learner must not rescale them one by one (networks take them as they are).
    public var unitRows = false
    /// Categorical fields (a click log's user, item, genre, …), when the examples are those rather than
    /// dense features; ``features`` is then [count, 0], and only learners that declare
    /// ``LearnerDeclaration/takesCategorical`` use such data.
    public var categorical: CategoricalFields?

    /// A data set; stops with a message when the parts disagree.
    public init(name: String, features: Tensor, labels: [Int], classNames: [String], imageShape: [Int]? = nil) {
        precondition(features.rank == 2, "Dataset \(name): features must be [n, d], got \(features.shape)")
        precondition(features.shape[0] == labels.count,
                     "Dataset \(name): \(features.shape[0]) feature rows but \(labels.count) labels")
        if let imageShape {
            precondition(imageShape.reduce(1, *) == features.shape[1],
                         "Dataset \(name): image shape \(imageShape) does not match \(features.shape[1]) features")
        }
        self.name = name
        self.features = features
        self.labels = labels
        self.classNames = classNames
        self.imageShape = imageShape
    }

    /// A data set of categorical fields and no dense features.
    public init(name: String, categorical: CategoricalFields, labels: [Int], classNames: [String]) {
        precondition(categorical.rowCount == labels.count, "Dataset \(name): \(categorical.rowCount) categorical rows but \(labels.count) labels")
        self.init(name: name, features: Tensor.zeros([labels.count, 0]), labels: labels, classNames: classNames)
        self.categorical = categorical
    }

    /// The number of examples.
    public var count: Int { labels.count }
    /// The number of features per example.
    public var featureCount: Int { features.shape[1] }
    /// The number of classes.
    public var classCount: Int { classNames.count }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int], name: String? = nil) -> Dataset {
        let d = featureCount
        let out = Tensor(uninitializedShape: [indices.count, d])
        for (r, i) in indices.enumerated() {
            precondition(i >= 0 && i < count, "Dataset \(self.name): index \(i) out of range 0..<\(count)")
            (out.pointer + r * d).update(from: features.pointer + i * d, count: d)
        }
        var picked = Dataset(name: name ?? self.name, features: out, labels: indices.map { labels[$0] },
                             classNames: classNames, imageShape: imageShape)
        picked.unitRows = unitRows
        picked.categorical = categorical?.rows(indices)
        return picked
    }

    /// Examples per class.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classCount)
        for y in labels { c[y] += 1 }
        return c
    }

    /// A content hash (FNV-1a, 64-bit, hex) over the shape, features, labels and class names;
    /// results are keyed by it, so the same data gives the same key wherever it was read from.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        }
        withUnsafeBytes(of: (count, featureCount)) { mix($0) }
        features.withUnsafeBufferPointer { mix(UnsafeRawBufferPointer($0)) }
        labels.withUnsafeBytes { mix($0) }
        for n in classNames { Array(n.utf8).withUnsafeBytes { mix($0) } }
        if let categorical {
            // Names and values by content, so the same log read twice has one fingerprint.
            for (name, values) in zip(categorical.names, categorical.values) {
                Array(name.utf8).withUnsafeBytes { mix($0) }
                withUnsafeBytes(of: values.count) { mix($0) }
                for v in values { Array(v.utf8).withUnsafeBytes { mix($0) }; withUnsafeBytes(of: UInt8(0x1F)) { mix($0) } }
            }
            categorical.codes.withUnsafeBytes { mix($0) }
        }
        return String(format: "%016llx", h)
    }
}
