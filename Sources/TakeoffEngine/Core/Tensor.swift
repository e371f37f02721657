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
    public init(uninitializedShape shape: [Int]) {
        self.init(storage: Storage(uninitializedCount: Shape.count(shape)), shape: shape)
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        storage.base.update(repeating: value, count: count)
    }

    /// Zeros of the given shape.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// Ones of the given shape.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

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

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return pointer[0]
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == rank, "subscript: \(index.count) indices for shape \(shape)")
        var flat = 0
        for (i, (x, n)) in zip(index, shape).enumerated() {
            precondition(x >= 0 && x < n, "subscript: index \(x) out of range for axis \(i) of shape \(shape)")
            flat = flat * n + x
        }
        return pointer[flat]
    }

    /// Read-only pointer to the first element (valid while the tensor lives).
    @inlinable public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

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
            let fresh = Storage(uninitializedCount: count)
            fresh.base.update(from: pointer, count: count)
            self = Tensor(storage: fresh, offset: 0, shape: shape).keepingNode(node)
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

    /// A copy with its own contiguous storage and no tape history.
    public func copy() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        out.pointer.update(from: pointer, count: count)
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
