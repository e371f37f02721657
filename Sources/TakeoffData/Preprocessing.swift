import Foundation
import TakeoffEngine

/// A transform whose numbers were fitted on a training subset and are applied unchanged to
/// any other data (validation, test), so nothing about held-out data leaks into training.
public protocol FittedTransform: Sendable {
    /// `data` transformed with the fitted numbers.
    func apply(to data: Dataset) -> Dataset
}

/// The preprocessing a data set calls for.
public enum Preprocessing: String, Sendable, CaseIterable {
    /// Use the features as read (images already scaled to [0, 1]).
    case none
    /// ``Standardizer``: zero mean, unit variance per feature.
    case standardize
    /// ``MinMaxScaler``: each feature's training range mapped to [0, 1].
    case minMax = "min-max"
    /// ``TFIDF``: inverse-document-frequency weighting of counts, rows scaled to unit length.
    case tfidf

    /// How results keyed by the data name this preprocessing: its raw value, with a version where what
    /// learners do with its output changed (tfidf 2: networks take unit rows as they are instead of standardising each feature).
    public var key: String { self == .tfidf ? "tfidf-2" : rawValue }

    /// The transform fitted on `train`.
    public func fit(_ train: Dataset) -> any FittedTransform {
        switch self {
        case .none: Identity()
        case .standardize: Standardizer.fit(train)
        case .minMax: MinMaxScaler.fit(train)
        case .tfidf: TFIDF.fit(train)
        }
    }
}

/// Leaves data unchanged.
public struct Identity: FittedTransform {
    /// The identity.
    public init() {}
    public func apply(to data: Dataset) -> Dataset { data }
}

/// `x ↦ x * scale + shift` per feature, the form every fitted scaler here takes.
public struct AffineFeatureMap: FittedTransform {
    /// Per-feature factor.
    public let scale: [Float]
    /// Per-feature offset, added after scaling.
    public let shift: [Float]

    /// The map that leaves `featureCount` features as they are.
    public static func identity(featureCount: Int) -> AffineFeatureMap {
        AffineFeatureMap(scale: [Float](repeating: 1, count: featureCount), shift: [Float](repeating: 0, count: featureCount))
    }

    /// The map `x * scale + shift`.
    public init(scale: [Float], shift: [Float]) {
        precondition(scale.count == shift.count, "AffineFeatureMap: \(scale.count) scales but \(shift.count) shifts")
        self.scale = scale
        self.shift = shift
    }

    public func apply(to data: Dataset) -> Dataset {
        precondition(data.featureCount == scale.count,
                     "AffineFeatureMap: fitted on \(scale.count) features, applied to \(data.featureCount)")
        var out = data
        out.features = data.features.copy()
        let d = scale.count, p = out.features.pointer
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { b in
                Parallel.ranges(data.count, cost: d) { lo, hi in
                    for r in lo..<hi {
                        let row = p + r * d
                        for j in 0..<d { row[j] = row[j] * s[j] + b[j] }
                    }
                }
            }
        }
        return out
    }
}

/// Per-feature means and standard deviations of the columns of `data`, in Double.
func columnMoments(_ data: Dataset) -> (mean: [Double], std: [Double]) {
    let n = data.count, d = data.featureCount, p = data.features.pointer
    var mean = [Double](repeating: 0, count: d), m2 = [Double](repeating: 0, count: d)
    for r in 0..<n { for j in 0..<d { mean[j] += Double(p[r * d + j]) } }
    for j in 0..<d { mean[j] /= Double(max(n, 1)) }
    for r in 0..<n { for j in 0..<d { let e = Double(p[r * d + j]) - mean[j]; m2[j] += e * e } }
    return (mean, m2.map { ($0 / Double(max(n, 1))).squareRoot() })
}

/// Standardisation: subtracts the training mean and divides by the training standard deviation
/// (features constant in training are only centred).
public enum Standardizer {
    /// The map fitted on `train`.
    public static func fit(_ train: Dataset) -> AffineFeatureMap {
        let (mean, std) = columnMoments(train)
        let scale = std.map { $0 > 1e-12 ? Float(1 / $0) : 1 }
        return AffineFeatureMap(scale: scale, shift: zip(mean, scale).map { Float(-$0) * $1 })
    }

    /// The map fitted on `train` with one mean and one standard deviation over all its features, for features
    /// that share their units (the pixels of an image); a constant training set is only centred. Colour images
    /// ([C, H, W] with C > 1) get one mean and standard deviation per channel, since red, green and blue differ
    /// in level and spread; one channel is fitted exactly as before.
    public static func fitShared(_ train: Dataset) -> AffineFeatureMap {
        let (mean, std) = columnMoments(train)
        let channels = train.imageShape.map { $0.count == 3 && $0[0] > 0 && mean.count % $0[0] == 0 ? $0[0] : 1 } ?? 1
        let plane = mean.count / channels
        var scale: [Float] = [], shift: [Float] = []
        for c in 0..<channels {
            let (m, s) = (Array(mean[c * plane..<(c + 1) * plane]), Array(std[c * plane..<(c + 1) * plane]))
            let d = Double(max(m.count, 1))
            let sharedMean = m.reduce(0, +) / d
            // The pooled variance: each feature's variance plus its mean's spread around the shared mean.
            let variance = zip(m, s).reduce(0) { $0 + $1.1 * $1.1 + ($1.0 - sharedMean) * ($1.0 - sharedMean) } / d
            let factor: Float = variance > 1e-24 ? Float(1 / variance.squareRoot()) : 1
            scale += [Float](repeating: factor, count: m.count)
            shift += [Float](repeating: Float(-sharedMean) * factor, count: m.count)
        }
        return AffineFeatureMap(scale: scale, shift: shift)
    }
}

/// Min–max scaling: the training range of each feature becomes [0, 1] (pixel scaling for
/// images whose raw values are 0...255); other data may fall outside it.
public enum MinMaxScaler {
    /// The map fitted on `train`.
    public static func fit(_ train: Dataset) -> AffineFeatureMap {
        let d = train.featureCount, p = train.features.pointer
        var lo = [Float](repeating: .infinity, count: d), hi = [Float](repeating: -.infinity, count: d)
        for r in 0..<train.count { for j in 0..<d { lo[j] = min(lo[j], p[r * d + j]); hi[j] = max(hi[j], p[r * d + j]) } }
        let scale = (0..<d).map { hi[$0] > lo[$0] ? 1 / (hi[$0] - lo[$0]) : 1 }
        return AffineFeatureMap(scale: scale, shift: (0..<d).map { lo[$0].isFinite ? -lo[$0] * scale[$0] : 0 })
    }
}

/// TF-IDF for count features: each count times `log((1 + n) / (1 + df)) + 1`, where `df` is the
/// number of training rows in which the feature occurs; then each row is scaled to unit length.
public struct TFIDF: FittedTransform {
    /// The inverse document frequency of each feature, from the training subset.
    public let idf: [Float]

    /// The weights fitted on `train`.
    public static func fit(_ train: Dataset) -> TFIDF {
        let d = train.featureCount, p = train.features.pointer
        var df = [Int](repeating: 0, count: d)
        for r in 0..<train.count { for j in 0..<d where p[r * d + j] != 0 { df[j] += 1 } }
        let n = Double(train.count)
        return TFIDF(idf: df.map { Float(Foundation.log((1 + n) / (1 + Double($0))) + 1) })
    }

    public func apply(to data: Dataset) -> Dataset {
        precondition(data.featureCount == idf.count, "TFIDF: fitted on \(idf.count) features, applied to \(data.featureCount)")
        var out = data
        out.features = data.features.copy()
        out.unitRows = true
        let d = idf.count, p = out.features.pointer
        for r in 0..<data.count {
            let row = p + r * d
            var norm: Float = 0
            for j in 0..<d where row[j] != 0 { row[j] *= idf[j]; norm += row[j] * row[j] }
            if norm > 0 {
                let inv = 1 / norm.squareRoot()
                for j in 0..<d { row[j] *= inv }
            }
        }
        return out
    }
}
