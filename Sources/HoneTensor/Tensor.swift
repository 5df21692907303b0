/// An n-dimensional array of numbers that remembers how it was computed, so gradients can flow
/// back through it. A tensor is a view (shape, strides, offset) of a shared `TensorStorage`:
/// reshaping a contiguous tensor, transposing and slicing make views without copying; ops that
/// need contiguous data call `contiguous()`, which copies only when the view is not.
///
/// Tensors are reference types, as in PyTorch: a parameter is one object whose `grad` fills up
/// over `backward()` calls until `zeroGrad()`.
public final class Tensor: @unchecked Sendable {
    public let storage: TensorStorage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    /// Whether gradients flow to this tensor. Set it on parameters; ops set it on their outputs.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf tensor (a parameter) after `backward()`.
    public var grad: Tensor?
    /// How this tensor was computed, when it needs a gradient; cleared by `backward()`.
    var node: Node?
    /// Set when `backward()` freed the node: such a tensor is not a leaf, and no gradient can
    /// flow through it any more.
    var graphReleased = false
    public var name: String?

    public init(storage: TensorStorage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Tensor.contiguousStrides(for: shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// An uninitialised float32 tensor; every element must be written before it is read.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(storage: TensorStorage(dtype: .float32, count: shape.reduce(1, *)), shape: shape)
    }

    public convenience init(shape: [Int], repeating value: Float) {
        self.init(uninitializedShape: shape)
        let p = storage.floats
        for i in 0..<count { p[i] = value }
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values for shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { storage.floats.update(from: $0.baseAddress!, count: values.count) }
    }

    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(storage: TensorStorage(dtype: .float32, count: shape.reduce(1, *), zeroed: true), shape: shape)
    }

    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    public static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], values: [value]) }

    /// Normal samples with the given standard deviation.
    public static func randn(_ shape: [Int], std: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.floats
        for i in 0..<t.count { p[i] = rng.normal() * std }
        return t
    }

    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], _ low: Float, _ high: Float, using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.floats
        for i in 0..<t.count { p[i] = rng.uniform(low, high) }
        return t
    }

    public var dtype: DType { storage.dtype }
    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= max(shape[axis], 1)
        }
        return strides
    }

    /// True when the elements lie in row-major order with no gaps.
    public var isContiguous: Bool {
        if shape.contains(0) { return true }
        var expected = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// The first element of a contiguous float32 tensor. Kernels read and write through this.
    public var pointer: UnsafeMutablePointer<Float> {
        precondition(isContiguous, "Tensor.pointer: the tensor is not contiguous (shape \(shape), strides \(strides))")
        return storage.floats + offset
    }

    /// The elements in row-major order, as an array (for tests and small values).
    public var scalars: [Float] {
        let c = contiguous()
        return withExtendedLifetime(c) { Array(UnsafeBufferPointer(start: c.pointer, count: c.count)) }
    }

    /// The value of a one-element tensor.
    public func item() -> Float {
        precondition(count == 1, "Tensor.item: the tensor has \(count) elements, not 1")
        return scalars[0]
    }

    /// Drops the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// A tensor with the same data that no gradient flows through.
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 16 ? scalars.map { "\($0)" }.joined(separator: ", ") : "\(count) elements"
        return "Tensor(shape: \(shape), [\(values)]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}
