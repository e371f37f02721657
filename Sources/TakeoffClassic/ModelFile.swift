import Foundation
import TakeoffData
import TakeoffEngine

/// Saving and loading fitted classic models as safetensors: the learned tensors, with the learner's
/// name, kernel settings and solver statistics in the header's metadata.
public enum ClassicModelFile {
    /// The `format` value in the metadata of every classic model file.
    public static let format = "takeoff-classic/1"

    static func write(_ tensors: [String: Tensor], learner: String, extra: [String: String] = [:],
                      statistics: [String: Double], to url: URL) throws {
        let stats = String(decoding: try JSONSerialization.data(withJSONObject: statistics, options: [.sortedKeys]), as: UTF8.self)
        let metadata = extra.merging(["format": format, "learner": learner, "statistics": stats]) { _, b in b }
        try Safetensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads a model written by `save(to:)` of a classic model.
    public static func load(from url: URL) throws -> any TrainedModel {
        let (tensors, metadata) = try Safetensors.read(from: url)
        return try load(tensors: tensors, metadata: metadata, path: url.path)
    }

    /// A model from the contents of a safetensors file already read from `path`.
    public static func load(tensors: [String: Tensor], metadata: [String: String], path: String) throws -> any TrainedModel {
        func fail(_ reason: String) -> ClassicError { .badModelFile(path: path, reason: reason) }
        guard metadata["format"] == format else {
            throw fail("not a Takeoff classic model (metadata format is \(metadata["format"] ?? "missing"), expected \(format))")
        }
        func tensor(_ name: String, rank: Int) throws -> Tensor {
            guard let t = tensors[name] else { throw fail("missing tensor '\(name)'") }
            guard t.rank == rank else { throw fail("tensor '\(name)' has shape \(t.shape), expected rank \(rank)") }
            guard t.scalars.allSatisfy(\.isFinite) else { throw fail("tensor '\(name)' holds NaN or infinite values") }
            return t
        }
        func number(_ key: String) throws -> Float {
            guard let s = metadata[key], let v = Float(s), v.isFinite else { throw fail("metadata '\(key)' missing or not a number") }
            return v
        }
        var statistics: [String: Double] = [:]
        if let s = metadata["statistics"], let object = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Double] {
            statistics = object
        }
        switch metadata["learner"] {
        case "logreg", "linear-svm":
            let w = try tensor("weights", rank: 2), b = try tensor("bias", rank: 1)
            guard w.shape[1] == b.count else { throw fail("weights \(w.shape) do not match bias \(b.shape)") }
            return metadata["learner"] == "logreg"
                ? LogisticRegressionModel(weights: w, bias: b, statistics: statistics)
                : LinearSVMModel(weights: w, bias: b, statistics: statistics)
        case "rbf-svm":
            let sv = try tensor("support_vectors", rank: 2), coef = try tensor("coefficients", rank: 2), rho = try tensor("rho", rank: 1)
            guard let k = Int(metadata["class_count"] ?? ""), k >= 1, k * (k - 1) / 2 == rho.count else {
                throw fail("metadata 'class_count' missing or inconsistent with \(rho.count) class pairs")
            }
            guard coef.shape == [sv.shape[0], rho.count] else {
                throw fail("coefficients \(coef.shape) do not match \(sv.shape[0]) support vectors and \(rho.count) pairs")
            }
            let kernel: SVMKernel
            switch metadata["kernel"] {
            case "linear": kernel = .linear
            case "rbf": kernel = .rbf(gamma: try number("gamma"))
            case "polynomial":
                guard let degree = Int(metadata["degree"] ?? ""), degree > 0 else { throw fail("metadata 'degree' missing or not positive") }
                kernel = .polynomial(gamma: try number("gamma"), coef0: try number("coef0"), degree: degree)
            default: throw fail("unknown kernel '\(metadata["kernel"] ?? "missing")'")
            }
            return KernelSVMModel(kernel: kernel, supportVectors: sv, coefficients: coef, rho: rho, classCount: k, statistics: statistics)
        default:
            throw fail("unknown learner '\(metadata["learner"] ?? "missing")'")
        }
    }
}

extension LogisticRegressionModel {
    /// Writes `weights` and `bias` to a safetensors file.
    public func save(to url: URL) throws {
        try ClassicModelFile.write(["weights": weights, "bias": bias], learner: learnerName, statistics: statistics, to: url)
    }
}

extension LinearSVMModel {
    /// Writes `weights` and `bias` to a safetensors file.
    public func save(to url: URL) throws {
        try ClassicModelFile.write(["weights": weights, "bias": bias], learner: learnerName, statistics: statistics, to: url)
    }
}

extension KernelSVMModel {
    /// Writes the support vectors, their pairwise coefficients and offsets, and the kernel, to a safetensors file.
    public func save(to url: URL) throws {
        var extra = ["class_count": "\(classCount)"]
        switch kernel {
        case .linear: extra["kernel"] = "linear"
        case let .rbf(gamma): extra["kernel"] = "rbf"; extra["gamma"] = "\(gamma)"
        case let .polynomial(gamma, coef0, degree):
            extra.merge(["kernel": "polynomial", "gamma": "\(gamma)", "coef0": "\(coef0)", "degree": "\(degree)"]) { _, b in b }
        }
        try ClassicModelFile.write(["support_vectors": supportVectors, "coefficients": coefficients, "rho": rho],
                                   learner: learnerName, extra: extra, statistics: statistics, to: url)
    }
}
