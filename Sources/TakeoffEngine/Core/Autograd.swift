/// One recorded op on the autodiff tape, or a leaf that accumulates a gradient.
final class GradNode: @unchecked Sendable {
    /// The nodes of the op's inputs (`nil` where an input needs no gradient).
    var parents: [GradNode?]
    /// Maps the gradient of the output to the gradients of the inputs; `nil` on a leaf.
    var backward: ((Tensor, [Bool]) -> [Tensor?])?
    var grad: Tensor?
    /// Where a leaf accumulates in place, when its owner preallocated gradient memory.
    var gradBuffer: Tensor?
    let name: StaticString
    /// Set once a backward pass has freed this op's closure and parents.
    var released = false

    init(name: StaticString, parents: [GradNode?] = [], backward: ((Tensor, [Bool]) -> [Tensor?])? = nil) {
        self.name = name
        self.parents = parents
        self.backward = backward
        Allocations.nodeCount.add(1, ordering: .relaxed)
    }

    var isLeaf: Bool { backward == nil && parents.isEmpty && !released }
}

/// Whether ops record themselves on the tape (see ``withoutGradients(_:)``).
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording ops, as evaluation should: no tape is built, so no
/// intermediate results are kept alive.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Attaches the op that made `output` from `inputs` to the tape, when gradients are on and
/// any input requires one. `backward` gets the output gradient and which inputs need theirs.
func record(_ output: Tensor, _ inputs: [Tensor], _ name: StaticString,
            _ backward: @escaping (_ grad: Tensor, _ needs: [Bool]) -> [Tensor?]) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else {
        return output.keepingNode(nil)
    }
    return output.keepingNode(GradNode(name: name, parents: inputs.map(\.node), backward: backward))
}

extension Tensor {
    /// Whether gradients flow to this tensor.
    public var requiresGrad: Bool { node != nil }

    /// This tensor as a leaf of the tape: `backward()` accumulates its gradient in ``grad``.
    /// With `gradBuffer`, gradients accumulate in place there (e.g. one flat buffer of all parameters).
    public func requiringGrad(gradBuffer: Tensor? = nil) -> Tensor {
        if let gradBuffer {
            precondition(gradBuffer.shape == shape, "requiringGrad: gradient buffer \(gradBuffer.shape) for tensor \(shape)")
        }
        let leaf = GradNode(name: "leaf")
        leaf.gradBuffer = gradBuffer
        return keepingNode(leaf)
    }

    /// The same values, cut off from the tape.
    public var detached: Tensor { keepingNode(nil) }

    /// The preallocated buffer where this leaf accumulates its gradient, if it has one. An op's
    /// backward may add its gradient for such an input straight into it (e.g. a GEMM with beta 1,
    /// saving a temporary and a pass over it) and return `nil` for that input.
    var leafGradientBuffer: Tensor? {
        guard let node, node.isLeaf else { return nil }
        return node.gradBuffer
    }

    /// The accumulated gradient of a leaf, or `nil` before any backward pass reached it.
    public var grad: Tensor? { node?.gradBuffer ?? node?.grad }

    /// Forgets the accumulated gradient (zero-fills a preallocated buffer).
    public func zeroGrad() {
        guard let node else { return }
        node.grad = nil
        if let b = node.gradBuffer { b.fill(0) }
    }

    /// Back-propagates from this tensor: the gradient of `sum(self * seed)` reaches every leaf
    /// and is added to what the leaf already holds. `seed` defaults to 1 for a one-element tensor.
    /// Unless `retainGraph`, the tape behind this tensor is freed afterwards.
    public func backward(_ seed: Tensor? = nil, retainGraph: Bool = false) {
        guard let root = node else {
            preconditionFailure("backward: tensor of shape \(shape) does not require a gradient")
        }
        let seed = seed ?? {
            precondition(count == 1, "backward: a seed gradient is needed for non-scalar shape \(shape)")
            return Tensor(repeating: 1, shape: shape, device: device)
        }()
        precondition(seed.shape == shape, "backward: seed of shape \(seed.shape) for tensor of shape \(shape)")
        precondition(seed.device == device, "backward: seed on \(seed.device) for a tensor on \(device)")

        let order = topologicalOrder(from: root)
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed.detached]
        withoutGradients {
            for n in order.reversed() {
                guard let g = pending.removeValue(forKey: ObjectIdentifier(n)) else { continue }
                if n.isLeaf {
                    accumulate(g, into: n)
                    continue
                }
                guard let backward = n.backward else {
                    preconditionFailure("backward: the tape through op '\(n.name)' was freed by an earlier backward(); "
                                        + "pass retainGraph: true to the first one to back-propagate twice")
                }
                let needs = n.parents.map { $0 != nil }
                let grads = backward(g, needs)
                for (p, pg) in zip(n.parents, grads) {
                    guard let p, let pg else { continue }
                    let key = ObjectIdentifier(p)
                    if var acc = pending[key] {
                        pending[key] = nil
                        acc.addInPlace(pg)
                        pending[key] = acc
                    } else {
                        pending[key] = pg.detached
                    }
                }
            }
        }
        if !retainGraph {
            for n in order where !n.isLeaf { n.backward = nil; n.parents = []; n.released = true }
        }
    }

    private func accumulate(_ g: Tensor, into leaf: GradNode) {
        if let buffer = leaf.gradBuffer {
            precondition(buffer.count == g.count, "backward: gradient of \(g.shape) for buffer \(buffer.shape)")
            Tensor.add(g, into: buffer)
        } else if var acc = leaf.grad {
            leaf.grad = nil
            acc.addInPlace(g)
            leaf.grad = acc
        } else {
            leaf.grad = g.copy()
        }
    }

    private func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, i) = stack.popLast() {
            if i < n.parents.count {
                stack.append((n, i + 1))
                if let p = n.parents[i], visited.insert(ObjectIdentifier(p)).inserted {
                    stack.append((p, 0))
                }
            } else {
                order.append(n)
            }
        }
        return order
    }

    /// `self += other` elementwise for equal shapes, without recording.
    mutating func addInPlace(_ other: Tensor) {
        precondition(other.shape == shape, "addInPlace: shapes \(shape) and \(other.shape) differ")
        makeUnique()
        Tensor.add(other, into: self)
    }

    /// `target += g` elementwise for equal counts on one device (`target` is written in place).
    static func add(_ g: Tensor, into target: Tensor) {
        precondition(g.device == target.device, "backward: a gradient on \(g.device) for a tensor on \(target.device)")
        switch target.device {
        case .cpu: CPULoops.add(target.pointer, g.pointer, into: target.pointer, count: g.count)
        case .cuda: GPUKernels.zip(target, g, into: target, Fn.Add())
        }
    }
}
