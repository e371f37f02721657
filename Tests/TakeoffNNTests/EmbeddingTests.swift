import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffNN

@Suite struct EmbeddingTests {
    /// Rows gathered side by side; an index repeated in the batch sums its gradients; both against central differences.
    @Test func embeddingGathersRowsAndItsGradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 5)
        let table = Tensor.randomNormal([6, 3], using: &rng)
        let indices = Tensor([0, 5, 2, 2, 5, 5, 1, 0], shape: [4, 2])  // rows 2 and 5 repeat
        let out = Tensor.embedding(indices, table: table)
        #expect(out.shape == [4, 6])
        for i in 0..<4 {
            for k in 0..<2 {
                let row = Int(indices[i, k])
                for j in 0..<3 { #expect(out[i, k * 3 + j] == table[row, j]) }
            }
        }
        let report = GradientCheck.run([table], epsilon: 1e-2) { xs in Tensor.embedding(indices, table: xs[0]).squared() }
        #expect(report.worst < 1e-2, "worst relative error \(report.worst)")
        // The gradient of Σ out is the count of each row's uses, in every column.
        let leaf = table.detached.copy().requiringGrad()
        Tensor.embedding(indices, table: leaf).sum().backward()
        let uses: [Float] = [2, 1, 2, 0, 0, 3]
        for r in 0..<6 { for j in 0..<3 { #expect(leaf.grad![r, j] == uses[r]) } }
    }

    /// In a model (the table in the parameter arena, its gradient accumulated in place), as training uses it.
    @Test func theLayerLooksUpEachFieldInItsOwnRows() {
        let model = Sequential(inputShape: [2], seed: 1) { Embedding(buckets: [3, 4], dimension: 2) }
        #expect(model.outputShape == [4] && model.parameterCount == 14)
        let x = Tensor([2, 0, 0, 3], shape: [2, 2])
        var context = ForwardContext(training: true)
        let y = model(x, context: &context)
        let table = model.namedParameters[0].parameter.value
        // Field 1's bucket b is row 3 + b of the shared table.
        #expect(y[0, 0] == table[2, 0] && y[0, 2] == table[3, 0] && y[1, 2] == table[6, 0] && y[1, 3] == table[6, 1])
        y.sum().backward()
        let g = model.namedParameters[0].parameter.value.grad!
        #expect(g[2, 0] == 1 && g[0, 0] == 1 && g[3, 1] == 1 && g[6, 1] == 1 && g[1, 0] == 0 && g[4, 0] == 0)
    }

    /// Each rewrite of a saved model's sizes once overflowed or ran out of memory building the network; the sizes
    /// are now checked against the file's tensors first, and the error names the file and the field.
    @Test func modelFileSizesThatDisagreeWithItsTensorsAreRefusedBeforeAnythingIsBuilt() throws {
        var records: [[String]] = [], labels: [Int] = []
        for i in 0..<40 { records.append(["u\(i % 5)", "i\(i % 7)"]); labels.append(i % 5 < 2 ? 1 : 0) }
        let data = Dataset(name: "clicks", categorical: try CategoricalFields(names: ["user", "item"], records: records), labels: labels,
                           classNames: ["no", "yes"])
        var learner = EmbeddingNetwork()
        (learner.dimension, learner.hidden, learner.epochs) = (2, [4], 1)
        let model = try learner.fit(data, seed: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        #expect(try EmbeddingNetworkModel.load(SavedModel(contentsOf: url)).scores(on: data).scalars == model.scores(on: data).scalars)
        let (tensors, metadata) = try Safetensors.read(from: url)
        let cases: [(rewrite: [String: String], field: String)] = [
            (["buckets": "9223372036854775807,9223372036854775807"], "buckets"),
            (["buckets": "8000000,8000000", "dimension": "100000"], "buckets"),
            (["dimension": "1099511627776"], "dimension"),
            (["hidden": "4000000000000"], "hidden"),
            (["hidden": "200000,200000"], "hidden"),
            (["hidden": "-4"], "hidden"),
            (["class_names": "[" + (0..<100_000).map { "\"\($0)\"" }.joined(separator: ",") + "]"], "class_names"),
        ]
        for c in cases {
            try Safetensors.write(tensors, metadata: metadata.merging(c.rewrite) { _, new in new }, to: url)
            #expect {
                _ = try EmbeddingNetworkModel.load(SavedModel(contentsOf: url))
            } throws: { error in
                error is CheckpointError && "\(error)".contains(url.path) && "\(error)".contains("__metadata__.\(c.field)")
            }
        }
    }
}
