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
}
