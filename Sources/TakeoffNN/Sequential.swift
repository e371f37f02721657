import TakeoffData
import TakeoffEngine

/// Collects the layers of a ``Sequential`` declaration.
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    public static func buildEither(first: [any Layer]) -> [any Layer] { first }
    public static func buildEither(second: [any Layer]) -> [any Layer] { second }
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
}

/// Layers applied one after another, declared with a result builder:
///
/// ```swift
/// let model = Sequential(inputShape: [784], seed: 1) {
///     Dense(256, activation: .relu)
///     Dense(10)
/// }
/// ```
///
/// Building infers every layer's input size and gathers all parameters into one
/// ``ParameterArena``.
public final class Sequential: @unchecked Sendable {
    public let layers: [any Layer]
    /// The shape of one input example.
    public let inputShape: [Int]
    /// The shape after each layer.
    public let shapes: [[Int]]
    public let arena: ParameterArena

    public init(inputShape: [Int], seed: UInt64, @LayerBuilder _ layers: () -> [any Layer]) {
        self.layers = layers()
        self.inputShape = inputShape
        var rng = RandomGenerator(seed: seed)
        var shape = inputShape
        var shapes: [[Int]] = []
        for (i, layer) in self.layers.enumerated() {
            var layerRNG = rng.fork(UInt64(i))
            shape = layer.build(inputShape: shape, rng: &layerRNG)
            shapes.append(shape)
        }
        _ = rng.next()
        self.shapes = shapes
        arena = ParameterArena(self.layers.flatMap(\.parameters))
    }

    /// The per-example output shape.
    public var outputShape: [Int] { shapes.last ?? inputShape }

    /// Where the parameters live and the layers run.
    public var device: Device { arena.device }

    /// Moves the parameters and buffers (running statistics) to `device`; later forward passes run there.
    public func move(to device: Device) {
        arena.move(to: device)
        for layer in layers {
            for buffer in layer.buffers { layer.setBuffer(buffer.name, buffer.value.to(device)) }
        }
    }

    /// Runs the layers on a batch [n, inputShape…].
    public func callAsFunction(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == inputShape,
                     "Sequential: input batch \(x.shape) does not match per-example shape \(inputShape)")
        var h = x
        for layer in layers { h = layer.forward(h, context: &context) }
        return h
    }

    /// Evaluates without recording, in batches, in inference mode, on the model's device; the
    /// result is on the input's device.
    public func predict(_ x: Tensor, batchSize: Int = 1024) -> Tensor {
        withoutGradients {
            let n = x.shape[0]
            if n == 0 { return Tensor.zeros([0] + outputShape).to(x.device) }
            var parts: [Tensor] = []
            var context = ForwardContext(training: false)
            for start in stride(from: 0, to: n, by: batchSize) {
                let rows = Swift.min(batchSize, n - start)
                let batch = x.slice(axis: 0, start..<(start + rows)).to(device)
                parts.append(callAsFunction(batch, context: &context))
            }
            return (parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)).to(x.device)
        }
    }

    /// Every parameter with a checkpoint name `layerIndex.name`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, l in l.parameters.map { ("\(i).\($0.name)", $0) } }
    }

    /// Every buffer with a checkpoint name `layerIndex.name`.
    public var namedBuffers: [(name: String, layer: any Layer, key: String, value: Tensor)] {
        layers.enumerated().flatMap { i, l in l.buffers.map { ("\(i).\($0.name)", l, $0.name, $0.value) } }
    }

    /// The number of trainable numbers.
    public var parameterCount: Int { arena.count }

    /// FLOPs of one forward pass per example (a multiply-add counts 2).
    public var flopsPerExample: Int {
        zip(layers, [inputShape] + shapes).reduce(0) { $0 + $1.0.flops(inputShape: $1.1) }
    }

    /// FLOPs of products one training step does per example: the forward pass, and backward's two per layer (the
    /// weight's gradient and the input's) less the first computing layer's input gradient, which nothing needs.
    public var trainingProductFLOPsPerExample: Int {
        let flops = zip(layers, [inputShape] + shapes).map { $0.0.flops(inputShape: $0.1) }
        return 3 * flops.reduce(0, +) - (flops.first { $0 > 0 } ?? 0)
    }

    /// A table of layers, output shapes and parameter counts, with totals.
    public var summary: String {
        var lines = ["layer                          output shape        parameters"]
        for (layer, shape) in zip(layers, shapes) {
            let count = layer.parameters.reduce(0) { $0 + $1.value.count }
            lines.append(layer.summary.padding(toLength: 30, withPad: " ", startingAt: 0) + " "
                + "\(shape)".padding(toLength: 19, withPad: " ", startingAt: 0) + " \(count)")
        }
        lines.append("total parameters: \(parameterCount), forward FLOPs per example: \(flopsPerExample)")
        return lines.joined(separator: "\n")
    }
}
