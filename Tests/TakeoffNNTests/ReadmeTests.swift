import Foundation
import Testing
import TakeoffData
import TakeoffEngine
import TakeoffNN

/// The README's Swift examples, compiled and run as written.
@Suite struct ReadmeTests {
    @Test func engineExample() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2]).requiringGrad()
        let w = Tensor([0.5, -1, 2, 0], shape: [2, 2]).requiringGrad()
        let loss = Tensor.softmaxCrossEntropy(logits: matmul(x, w).relu(), labels: [0, 1])
        loss.backward()
        #expect(loss.item.isFinite && w.grad != nil)
    }

    @Test func networkExample() throws {
        let train = blobs(perClass: 20, seed: 1), validation = blobs(perClass: 5, seed: 2)
        let model = Sequential(inputShape: [2], seed: 1) {
            Dense(256, activation: .relu)
            Dense(4)
        }
        let history = try Trainer(options: TrainingOptions()).fit(model, train: train, validation: validation, seed: 1)
        #expect(history.bestEpoch >= 1)
    }

    @Test func imageFolderExample() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-readme-photos-\(UUID().uuidString)")
        for (c, name) in ["cat", "dog"].enumerated() {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
            for i in 0..<5 {
                let pixels = (0..<40 * 30 * 3).map { UInt8(($0 * (c + 2) + i) % 256) }
                try ImageEncoder.png(pixels, width: 40, height: 30, colour: .rgb).write(to: root.appendingPathComponent("\(name)/\(i).png"))
            }
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-readme-out-\(UUID().uuidString)")
        // As in the README, with this folder and output folder.
        let photos = try DataCatalog.load(root.path, options: LoadOptions(imageSize: 32, cacheDirectory: out))
        #expect(photos.train.imageShape! == [3, 32, 32] && photos.notes.first!.contains("images 32×32, RGB"))
    }
}
