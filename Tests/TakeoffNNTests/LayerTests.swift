import Testing
import TakeoffEngine
import TakeoffNN

/// Checks a layer's gradients (input and every parameter) against central differences,
/// through a one-layer model so parameters live in an arena as in training.
func layerGradientCheck(_ layer: any Layer, inputShape: [Int], batch: Int, training: Bool = true,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    let model = Sequential(inputShape: inputShape, seed: 3) { layer }
    var rng = RandomGenerator(seed: 4)
    let x = Tensor.randomUniform([batch] + inputShape, low: -1, high: 1, using: &rng).requiringGrad()
    let projection = Tensor.randomNormal([batch] + model.outputShape, using: &rng)
    func objective(_ input: Tensor) -> Tensor {
        var context = ForwardContext(training: training, rng: RandomGenerator(seed: 1))
        return (model(input, context: &context) * projection).sum()
    }
    model.arena.zeroGradients()
    objective(x).backward()
    let eps: Float = 1e-2
    func numeric(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Float {
        let old = p[i]
        p[i] = old + eps
        let up = withoutGradients { objective(x.detached).item }
        p[i] = old - eps
        let down = withoutGradients { objective(x.detached).item }
        p[i] = old
        return (up - down) / (2 * eps)
    }
    var worst: Float = 0
    let gx = x.grad!
    for i in 0..<x.count { let n = numeric(x.pointer, i); worst = max(worst, abs(gx.pointer[i] - n) / max(1, abs(n))) }
    let values = model.arena.values.base, grads = model.arena.gradients.base
    for i in 0..<model.arena.count { let n = numeric(values, i); worst = max(worst, abs(grads[i] - n) / max(1, abs(n))) }
    #expect(worst < 2e-2, "\(layer.summary): worst gradient error \(worst)", sourceLocation: sourceLocation)
}

@Suite struct LayerTests {
    @Test(arguments: Activation.allCases)
    func denseGradients(activation: Activation) { layerGradientCheck(Dense(3, activation: activation), inputShape: [4], batch: 5) }

    @Test func convolutionGradients() {
        layerGradientCheck(Conv2D(3, kernel: 3, activation: .tanh), inputShape: [2, 5, 5], batch: 2)
        layerGradientCheck(Conv2D(2, kernel: 3, stride: 2, padding: 1), inputShape: [1, 6, 5], batch: 2)
    }

    @Test func poolFlattenDropoutGradients() {
        layerGradientCheck(MaxPool2D(2), inputShape: [2, 4, 4], batch: 2)
        layerGradientCheck(Flatten(), inputShape: [2, 3, 3], batch: 2)
        layerGradientCheck(Dropout(0.5), inputShape: [6], batch: 4)
        layerGradientCheck(ActivationLayer(.gelu), inputShape: [6], batch: 2)
    }

    @Test func batchNormGradientsAndStatistics() {
        layerGradientCheck(BatchNorm(), inputShape: [3], batch: 6)
        layerGradientCheck(BatchNorm(), inputShape: [2, 3, 3], batch: 3)
        let bn = BatchNorm(momentum: 1)
        var rng = RandomGenerator(seed: 1)
        _ = bn.build(inputShape: [2], rng: &rng)
        var train = ForwardContext(training: true)
        let x = Tensor([1, 10, 3, 20, 5, 30], shape: [3, 2])
        let y = bn.forward(x, context: &train)
        #expect(abs(y.mean(axis: 0).scalars[0]) < 1e-5)
        var eval = ForwardContext(training: false)
        // With momentum 1 the running statistics are the last batch's (unbiased variance).
        let z = bn.forward(x, context: &eval)
        #expect(abs(z.scalars[4] - 2 / Float(4).squareRoot() * 1) < 1e-3)
    }

    @Test func dropoutIsIdentityAtInference() {
        let layer = Dropout(0.5)
        var rng = RandomGenerator(seed: 1)
        _ = layer.build(inputShape: [4], rng: &rng)
        var context = ForwardContext(training: false)
        let x = Tensor([1, 2, 3, 4], shape: [1, 4])
        #expect(layer.forward(x, context: &context).scalars == x.scalars)
    }

    @Test func tinyCNNOverfitsASmallBatchToZeroLoss() throws {
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.randomNormal([8, 1, 8, 8], using: &rng)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1]
        let model = Sequential(inputShape: [1, 8, 8], seed: 2) {
            Conv2D(4, kernel: 3, activation: .relu)
            MaxPool2D(2)
            Flatten()
            Dense(3)
        }
        let optimizer = OptimizerKind.adam().make(for: model.arena)
        var context = ForwardContext(training: true)
        var loss: Float = .infinity
        for _ in 0..<300 {
            model.arena.zeroGradients()
            let l = Loss.crossEntropy(model(x, context: &context), labels)
            loss = l.item
            l.backward()
            optimizer.step(model.arena, learningRate: 0.01)
        }
        #expect(loss < 1e-3)
    }

    @Test func lossGradients() {
        var rng = RandomGenerator(seed: 5)
        let z = Tensor.randomNormal([4, 3], using: &rng), t = Tensor.randomUniform([4, 3], using: &rng)
        let report = GradientCheck.run([z]) { Loss.binaryCrossEntropy(logits: $0[0], targets: t) }
        #expect(report.worst < 1e-2)
        #expect(GradientCheck.run([z]) { Loss.meanSquaredError($0[0], t) }.worst < 1e-2)
        // BCE from logits equals the direct formula where that is stable.
        let p = z.sigmoid()
        let direct = -(t * p.log() + (1 - t) * (1 - p).log()).mean()
        #expect(abs(Loss.binaryCrossEntropy(logits: z, targets: t).item - direct.item) < 1e-5)
    }
}
