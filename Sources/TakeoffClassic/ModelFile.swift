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

    /// Checked reading of a classic model file: each learner's loader (in its declaration) asks for
    /// the tensors and numbers it needs, and gets an error naming the file and field when one is wrong.
    struct Reader {
        let file: SavedModel

        init(_ file: SavedModel) { self.file = file }

        func fail(_ reason: String) -> ClassicError { .badModelFile(path: file.path, reason: reason) }

        /// The solver statistics saved with the model (empty when missing).
        var statistics: [String: Double] {
            guard let s = file.metadata["statistics"],
                  let object = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Double] else { return [:] }
            return object
        }

        func tensor(_ name: String, rank: Int) throws -> Tensor {
            guard file.metadata["format"] == format else {
                throw fail("not a Takeoff classic model (metadata format is \(file.metadata["format"] ?? "missing"), expected \(format))")
            }
            guard let t = file.tensors[name] else { throw fail("missing tensor '\(name)'") }
            guard t.rank == rank else { throw fail("tensor '\(name)' has shape \(t.shape), expected rank \(rank)") }
            guard t.scalars.allSatisfy(\.isFinite) else { throw fail("tensor '\(name)' holds NaN or infinite values") }
            return t
        }

        func number(_ key: String) throws -> Float {
            guard let s = file.metadata[key], let v = Float(s), v.isFinite else { throw fail("metadata '\(key)' missing or not a number") }
            return v
        }

        /// `weights` [d, k] and `bias` [k] of a linear model.
        func linearWeights() throws -> (Tensor, Tensor) {
            let w = try tensor("weights", rank: 2), b = try tensor("bias", rank: 1)
            guard w.shape[1] == b.count else { throw fail("weights \(w.shape) do not match bias \(b.shape)") }
            return (w, b)
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
