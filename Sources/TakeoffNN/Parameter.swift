import TakeoffEngine

/// A trainable tensor of a layer. After the model is built, its value and gradient are views
/// into the model's two flat buffers, so an optimizer updates every parameter in one pass.
public final class Parameter: @unchecked Sendable {
    /// The layer-qualified name, e.g. `0.weight`; checkpoints use it as the tensor name.
    public let name: String
    /// The current value, a leaf of the tape whose gradient accumulates into the flat buffer.
    public internal(set) var value: Tensor
    /// Whether weight decay applies (weights yes; biases and normalisation scales no).
    public let decays: Bool

    init(name: String, value: Tensor, decays: Bool) {
        self.name = name
        self.value = value
        self.decays = decays
    }
}

/// The flat value and gradient buffers behind a model's parameters, decaying ones first.
public final class ParameterArena: @unchecked Sendable {
    /// All parameters, in arena order.
    public let parameters: [Parameter]
    /// Every parameter value, concatenated.
    public let values: Storage
    /// Every parameter gradient, concatenated.
    public let gradients: Storage
    /// Elements `0..<decayCount` are subject to weight decay.
    public let decayCount: Int

    init(_ parameters: [Parameter]) {
        let ordered = parameters.filter(\.decays) + parameters.filter { !$0.decays }
        let total = ordered.reduce(0) { $0 + $1.value.count }
        values = Storage(zeros: total)
        gradients = Storage(zeros: total)
        decayCount = ordered.filter(\.decays).reduce(0) { $0 + $1.value.count }
        self.parameters = ordered
        var offset = 0
        for p in ordered {
            let shape = p.value.shape
            (values.base + offset).update(from: p.value.pointer, count: p.value.count)
            p.value = Tensor(storage: values, offset: offset, shape: shape)
                .requiringGrad(gradBuffer: Tensor(storage: gradients, offset: offset, shape: shape))
            offset += p.value.count
        }
    }

    /// The number of trainable numbers.
    public var count: Int { values.count }

    /// Clears every gradient with one fill.
    public func zeroGradients() { gradients.base.update(repeating: 0, count: gradients.count) }

    /// A copy of every value (for best-weights restore).
    public func snapshot() -> [Float] { Array(UnsafeBufferPointer(start: values.base, count: values.count)) }

    /// Restores values from ``snapshot()``.
    public func restore(_ snapshot: [Float]) {
        precondition(snapshot.count == values.count, "restore: snapshot of \(snapshot.count) values for \(values.count) parameters")
        snapshot.withUnsafeBufferPointer { values.base.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Whether every value is finite.
    public var allFinite: Bool {
        UnsafeBufferPointer(start: values.base, count: values.count).allSatisfy(\.isFinite)
    }

    /// The L2 norm of each parameter's gradient, by name.
    public func gradientNorms() -> [(name: String, norm: Float)] {
        parameters.map { p in
            let g = p.value.grad!
            var s: Float = 0
            for i in 0..<g.count { s += g.pointer[i] * g.pointer[i] }
            return (p.name, s.squareRoot())
        }
    }
}
