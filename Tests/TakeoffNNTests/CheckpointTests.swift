import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffNN

@Suite struct CheckpointTests {
    func trained() throws -> NeuralModel {
        var learner = NeuralLearner(preset: .mlpSmall)
        learner.epochs = 2
        return try learner.fitNetwork(blobs(perClass: 20, seed: 1), seed: 3).model
    }

    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-\(UUID().uuidString).safetensors")
    }

    @Test func roundTripIsBitExact() throws {
        let model = try trained()
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try NeuralModel.load(from: url)
        #expect(loaded.network.arena.snapshot() == model.network.arena.snapshot())
        let x = blobs(perClass: 5, seed: 9).features
        #expect(loaded.scores(x).scalars == model.scores(x).scalars)
        let again = temporaryFile()
        defer { try? FileManager.default.removeItem(at: again) }
        try loaded.save(to: again)
        #expect(try Data(contentsOf: again) == Data(contentsOf: url))
    }

    @Test func aNetworkWithDropoutRoundTrips() throws {
        var learner = NeuralLearner(preset: .mlpMedium)
        (learner.epochs, learner.dropout) = (1, 0.3)
        let model = try learner.fitNetwork(blobs(perClass: 20, seed: 1), seed: 3).model
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let x = blobs(perClass: 5, seed: 9).features
        let loaded = try NeuralModel.load(from: url)
        #expect(loaded.dropout == 0.3)
        #expect(loaded.scores(x).scalars == model.scores(x).scalars)
        // A checkpoint written before the dropout field existed: the layout is found from its names.
        let (tensors, written) = try Safetensors.read(from: url)
        try Safetensors.write(tensors, metadata: written.filter { $0.key != "dropout" }, to: url)
        #expect(try NeuralModel.load(from: url).scores(x).scalars == model.scores(x).scalars)
    }

    @Test func scoringNoRowsGivesNoRows() throws {
        let model = try trained()
        #expect(model.scores(Tensor.zeros([0, 2])).shape == [0, 4])
    }

    @Test func truncatedOrCorruptedCheckpointIsRefused() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try trained().save(to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 10).write(to: url)
        #expect(throws: (any Error).self) { _ = try NeuralModel.load(from: url) }
        var corrupt = bytes
        corrupt[20] = UInt8(ascii: "}")
        try corrupt.write(to: url)
        #expect(throws: (any Error).self) { _ = try NeuralModel.load(from: url) }
        // A valid safetensors file that is not a Takeoff network.
        try Safetensors.write(["0.weight": Tensor.zeros([2, 2])], metadata: ["format": "takeoff-neural", "learner": "mlp-small",
            "activation": "relu", "input_shape": "2", "class_names": "[\"a\",\"b\"]"], to: url)
        #expect {
            _ = try NeuralModel.load(from: url)
        } throws: { error in
            "\(error)".contains("0.weight") && "\(error)".contains(url.path)
        }
    }

    @Test func metadataThatDisagreesWithTheTensorsIsRefusedBeforeAnythingIsBuilt() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try trained().save(to: url)
        let (tensors, metadata) = try Safetensors.read(from: url)
        // Each rewrite of the metadata once trapped in a layer's build or ran out of memory allocating it.
        let cases: [(key: String, value: String, says: [String])] = [
            ("input_shape", "1,5,5", ["input_shape", "flat inputs"]),
            ("input_shape", "999999999999", ["[999999999999] inputs", "6.4e+13 parameters", "hold 456 numbers"]),
            ("input_shape", "1", ["[1] is 1 features", "input.scale has 2"]),
            ("learner", "cnn", ["input_shape", "images [C, H, W]"]),
            ("class_names", "[" + (0..<100_000).map { "\"\($0)\"" }.joined(separator: ",") + "]", ["100000 classes", "hold"]),
        ]
        for c in cases {
            var rewritten = metadata
            rewritten[c.key] = c.value
            try Safetensors.write(tensors, metadata: rewritten, to: url)
            #expect {
                _ = try NeuralModel.load(from: url)
            } throws: { error in
                c.says.allSatisfy { "\(error)".contains($0) } && "\(error)".contains(url.path)
            }
        }
        var sized = metadata
        (sized["network"], sized["width"], sized["depth"]) = ("mlp", "100000000000", "4")
        try Safetensors.write(tensors, metadata: sized, to: url)
        #expect(throws: CheckpointError.self) { _ = try NeuralModel.load(from: url) }
    }

    @Test func learnerRecordsItsConfigurationAndFitsBlobs() throws {
        let learner = NeuralLearner(preset: .mlpSmall)
        #expect(learner.configuration["activation"] == "relu")
        let model = try learner.fit(blobs(perClass: 40, seed: 2), seed: 1)
        #expect(model.accuracy(on: blobs(perClass: 40, seed: 3)) > 0.9)
        #expect(model.parameterCount == 2 * 64 + 64 + 64 * 4 + 4)
    }

    @Test func cnnRefusesDataWithoutImages() {
        #expect(throws: TrainingError.self) { _ = try NeuralLearner(preset: .cnn).fit(blobs(perClass: 10, seed: 1), seed: 1) }
    }
}
