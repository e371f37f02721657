import Foundation
import Testing
import TakeoffClassic
import TakeoffData
import TakeoffEngine

@Suite struct ModelFileTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-classic-\(ProcessInfo.processInfo.processIdentifier)-\(name).safetensors")
    }

    @Test(arguments: ["logreg", "linear-svm", "rbf-svm"])
    func roundTripGivesTheSameScores(name: String) throws {
        let data = separableBlobs(count: 90, seed: 31)
        var options = LearnerOptions()
        options.C = 1
        let declaration = try #require(ClassicRegistry.declarations.first { $0.name == name })
        let model = try declaration.make(options).fit(data, seed: 1)
        let url = temporaryURL(name)
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try declaration.loadModel(SavedModel(contentsOf: url))
        #expect(loaded.learnerName == name)
        #expect(loaded.scores(data.features).scalars == model.scores(data.features).scalars)
        #expect(loaded.statistics["C"] == 1)
    }

    @Test func polynomialKernelRoundTrips() throws {
        let data = separableBlobs(count: 60, seed: 32)
        let model = try KernelSVM(C: 1, kernel: .polynomial).fit(data, C: 1)
        let url = temporaryURL("poly")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try #require(try KernelSVM.declaration.loadModel(SavedModel(contentsOf: url)) as? KernelSVMModel)
        #expect(loaded.kernel == model.kernel)
    }

    @Test func foreignFileIsRejectedWithItsPath() throws {
        let url = temporaryURL("foreign")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(["w": Tensor.zeros([2])], metadata: [:], to: url)
        #expect { try LogisticRegression.declaration.loadModel(SavedModel(contentsOf: url)) } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("not a Takeoff classic model")
        }
    }

    /// A class count whose pair count overflows, or a degree that would make every kernel value a loop of that
    /// many multiplies, is refused on loading with the file and the field named.
    @Test func kernelModelWithAnImpossibleClassCountOrDegreeIsRefused() throws {
        let url = temporaryURL("svm-metadata")
        defer { try? FileManager.default.removeItem(at: url) }
        let tensors = ["support_vectors": Tensor([0.5, 0.5], shape: [1, 2]), "coefficients": Tensor([1], shape: [1, 1]), "rho": Tensor([0], shape: [1])]
        let metadata = ["format": ClassicModelFile.format, "learner": "rbf-svm", "kernel": "polynomial", "gamma": "1", "coef0": "1",
                        "class_count": "2", "degree": "\(SVMKernel.maximumDegree)", "statistics": "{}"]
        try Safetensors.write(tensors, metadata: metadata, to: url)
        let loaded = try #require(try KernelSVM.declaration.loadModel(SavedModel(contentsOf: url)) as? KernelSVMModel)
        #expect(loaded.kernel == .polynomial(gamma: 1, coef0: 1, degree: SVMKernel.maximumDegree))
        let cases = [("class_count", "9223372036854775807"), ("class_count", "-9223372036854775808"), ("class_count", "3"),
                     ("degree", "9223372036854775807"), ("degree", "\(SVMKernel.maximumDegree + 1)"), ("degree", "0")]
        for (key, value) in cases {
            try Safetensors.write(tensors, metadata: metadata.merging([key: value]) { _, new in new }, to: url)
            #expect {
                _ = try KernelSVM.declaration.loadModel(SavedModel(contentsOf: url))
            } throws: { error in
                "\(error)".contains(url.path) && "\(error)".contains("'\(key)'")
            }
        }
        // Support vectors of no features take no bytes, however many the shape declares: refused by the file's own
        // checks or the loader's, naming the file.
        try Safetensors.write(["support_vectors": Tensor.zeros([1 << 62, 0]), "coefficients": Tensor.zeros([1 << 62, 0]), "rho": Tensor.zeros([0])],
                              metadata: metadata.merging(["class_count": "1"]) { _, new in new }, to: url)
        #expect {
            _ = try KernelSVM.declaration.loadModel(SavedModel(contentsOf: url))
        } throws: { error in
            "\(error)".contains(url.path) && ["support_vectors", "coefficients"].contains { "\(error)".contains($0) }
        }
    }
}
