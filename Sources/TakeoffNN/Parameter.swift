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
    /// Where the value and gradient start in the arena's flat buffers.
    var offset = 0

    /// The L2 norm of the accumulated gradient (0 before any backward pass; summed on a GPU, which
    /// then waits for its queue).
    public var gradientNorm: Float {
        guard let g = value.grad else { return 0 }
        switch g.device {
        case .cpu:
            var s: Float = 0
            for i in 0..<g.count { s += g.pointer[i] * g.pointer[i] }
            return s.squareRoot()
        case .cuda:
            return withoutGradients { g.squared().sum().item }.squareRoot()
        }
    }

    init(name: String, value: Tensor, decays: Bool) {
        self.name = name
        self.value = value
        self.decays = decays
    }
}

/// The flat value and gradient buffers behind a model's parameters, decaying ones first, on one device.
public final class ParameterArena: @unchecked Sendable {
    /// All parameters, in arena order.
    public let parameters: [Parameter]
    /// Every parameter value, concatenated.
    public private(set) var values: Storage
    /// Every parameter gradient, concatenated.
    public private(set) var gradients: Storage
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
            (values.base + offset).update(from: p.value.pointer, count: p.value.count)
            offset += p.value.count
        }
        bind()
    }

    /// Points every parameter's value and gradient at its range of the flat buffers.
    private func bind() {
        var offset = 0
        for p in parameters {
            let shape = p.value.shape
            p.value = Tensor(storage: values, offset: offset, shape: shape)
                .requiringGrad(gradBuffer: Tensor(storage: gradients, offset: offset, shape: shape))
            p.offset = offset
            offset += p.value.count
        }
    }

    /// The number of trainable numbers.
    public var count: Int { values.count }

    /// Where the parameters live.
    public var device: Device { values.device }

    /// All values as one flat tensor sharing the arena's memory.
    public var flatValues: Tensor { Tensor(storage: values, shape: [count]) }
    /// All gradients as one flat tensor sharing the arena's memory.
    public var flatGradients: Tensor { Tensor(storage: gradients, shape: [count]) }

    /// Moves every value to `device`, with gradients zeroed there; the layers' parameters follow.
    func move(to device: Device) {
        guard device != self.device else { return }
        let moved = Storage(uninitializedCount: count, device: device)
        Tensor(storage: moved, shape: [count]).assign(from: flatValues)
        values = moved
        gradients = Storage(zeros: count, device: device)
        bind()
    }

    /// Clears every gradient with one fill.
    public func zeroGradients() { flatGradients.fill(0) }

    /// A copy of every value (for best-weights restore).
    public func snapshot() -> [Float] { flatValues.scalars }

    /// Restores values from ``snapshot()``.
    public func restore(_ snapshot: [Float]) {
        precondition(snapshot.count == values.count, "restore: snapshot of \(snapshot.count) values for \(values.count) parameters")
        flatValues.assign(from: Tensor(snapshot, shape: [count]))
    }

    /// Whether every value is finite.
    public var allFinite: Bool {
        switch device {
        case .cpu: UnsafeBufferPointer(start: values.base, count: values.count).allSatisfy(\.isFinite)
        case .cuda: snapshot().allSatisfy(\.isFinite)
        }
    }
}
