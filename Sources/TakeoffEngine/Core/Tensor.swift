import Foundation

/// A dense, row-major `Float32` tensor with value semantics.
///
/// Storage is shared between copies and copied on the first write (copy-on-write).
/// A tensor that requires a gradient carries a node of the autodiff tape; every op
/// records how to send gradients back to its inputs, next to its forward code.
public struct Tensor: @unchecked Sendable {
    /// The extent of each axis; `[]` is a scalar.
    public private(set) var shape: [Int]
    /// The number of elements.
    public let count: Int
    @usableFromInline var storage: Storage
    @usableFromInline let offset: Int
    var node: GradNode?

    /// A tensor over `count(shape)` elements of `storage` starting at `offset`.
    /// Views share memory with every other tensor over the same storage.
    public init(storage: Storage, offset: Int = 0, shape: [Int]) {
        let n = Shape.count(shape)
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(offset >= 0 && offset + n <= storage.count,
                     "Tensor: view of shape \(shape) at offset \(offset) exceeds storage of \(storage.count) elements")
        self.shape = shape
        self.count = n
        self.storage = storage
        self.offset = offset
    }

    /// An uninitialised tensor; callers must write every element.
    public init(uninitializedShape shape: [Int], device: Device = .cpu) {
        self.init(storage: Storage(uninitializedCount: Shape.count(shape), device: device), shape: shape)
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int], device: Device = .cpu) {
        self.init(uninitializedShape: shape, device: device)
        fill(value)
    }

    /// Zeros of the given shape.
    public static func zeros(_ shape: [Int], device: Device = .cpu) -> Tensor { Tensor(repeating: 0, shape: shape, device: device) }
    /// Ones of the given shape.
    public static func ones(_ shape: [Int], device: Device = .cpu) -> Tensor { Tensor(repeating: 1, shape: shape, device: device) }

    /// A tensor holding `values` in row-major order.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == Shape.count(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape) (\(Shape.count(shape)) elements)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A scalar tensor.
    public init(_ value: Float) { self.init([value], shape: []) }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The elements in row-major order (read back from the GPU for a CUDA tensor).
    public var scalars: [Float] {
        switch device {
        case .cpu: Array(UnsafeBufferPointer(start: pointer, count: count))
        case .cuda: to(.cpu).scalars
        }
    }

    /// The single element of a one-element tensor (read back from the GPU for a CUDA tensor).
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return element(0)
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == rank, "subscript: \(index.count) indices for shape \(shape)")
        var flat = 0
        for (i, (x, n)) in zip(index, shape).enumerated() {
            precondition(x >= 0 && x < n, "subscript: index \(x) out of range for axis \(i) of shape \(shape)")
            flat = flat * n + x
        }
        return element(flat)
    }

    /// Read-only pointer to the first element (valid while the tensor lives); CPU tensors only.
    @inlinable public var pointer: UnsafeMutablePointer<Float> {
        precondition(storage.device == .cpu, "Tensor.pointer: this tensor lives on \(storage.device) and the CPU cannot read it; "
                     + "the op that asked has no \(storage.device) version (move the tensor with .to(.cpu))")
        return storage.base + offset
    }

    /// The first element's address on the tensor's own device (a device address for CUDA).
    @usableFromInline var address: UnsafeMutablePointer<Float> { storage.base + offset }

    /// Calls `body` with the elements, read-only.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with writable elements, first copying storage shared with another tensor.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) || storage.count != count {
            let fresh = Storage(uninitializedCount: count, device: device)
            Tensor.copyElements(from: address, to: fresh.base, count: count, on: device)
            self = Tensor(storage: fresh, offset: 0, shape: shape).keepingNode(node)
        }
    }

    /// Copies `count` elements between buffers of one device.
    static func copyElements(from source: UnsafeMutablePointer<Float>, to destination: UnsafeMutablePointer<Float>,
                             count: Int, on device: Device) {
        switch device {
        case .cpu: destination.update(from: source, count: count)
        case .cuda: GPU.current.copy(source, to: destination, count: count)
        }
    }

    func keepingNode(_ node: GradNode?) -> Tensor { var t = self; t.node = node; return t }

    /// The same elements with another shape of equal count; `-1` stands for the one inferred extent.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var shape = newShape
        if let i = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) from shape \(self.shape)")
            shape[i] = count / known
        }
        precondition(Shape.count(shape) == count, "reshape: shape \(self.shape) (\(count) elements) cannot become \(newShape)")
        let inputShape = self.shape
        let out = Tensor(storage: storage, offset: offset, shape: shape)
        return record(out, [self], "reshape") { g, _ in [g.reshaped(inputShape)] }
    }

    /// A copy with its own contiguous storage, on the same device, and no tape history.
    public func copy() -> Tensor {
        let out = Tensor(uninitializedShape: shape, device: device)
        Tensor.copyElements(from: address, to: out.address, count: count, on: device)
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape)\(device == .cpu ? "" : ", device: \(device)"), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

extension Tensor {
    /// Element `flat` of the row-major order (only that element is read back from a GPU).
    func element(_ flat: Int) -> Float {
        switch device {
        case .cpu: pointer[flat]
        case .cuda: view(flat..<flat + 1).to(.cpu).scalars[0]
        }
    }
}
