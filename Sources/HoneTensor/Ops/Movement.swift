/// Views and copies: reshape, permute/transpose, slice, expand, contiguous, concat, split.
/// Views share storage; their backward maps the gradient back to the input's layout.

struct ReshapeOp: Op {
    let shape: [Int]
    var name: String { "reshape" }

    func forward(_ inputs: [Tensor]) -> (Tensor, [Int]) {
        let x = inputs[0]
        precondition(shape.reduce(1, *) == x.count, "reshape: cannot reshape \(x.shape) (\(x.count) elements) to \(shape)")
        let source = x.isContiguous ? x : x.contiguousCopy()
        return (Tensor(storage: source.storage, shape: shape, offset: source.offset), x.shape)
    }

    func backward(_ inputShape: [Int], output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [gradient.reshaped(inputShape)]
    }
}

struct PermuteOp: Op {
    let axes: [Int]
    var name: String { "permute" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        let x = inputs[0]
        precondition(axes.sorted() == Array(0..<x.rank), "permute: \(axes) is not a permutation of the \(x.rank) axes of \(x.shape)")
        return (Tensor(storage: x.storage, shape: axes.map { x.shape[$0] }, strides: axes.map { x.strides[$0] }, offset: x.offset), ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return [gradient.permuted(inverse)]
    }
}

struct SliceOp: Op {
    let axis: Int
    let range: Range<Int>
    var name: String { "slice" }

    func forward(_ inputs: [Tensor]) -> (Tensor, [Int]) {
        let x = inputs[0]
        precondition(axis >= 0 && axis < x.rank && range.lowerBound >= 0 && range.upperBound <= x.shape[axis],
                     "slice: range \(range) on axis \(axis) is outside shape \(x.shape)")
        var shape = x.shape
        shape[axis] = range.count
        return (Tensor(storage: x.storage, shape: shape, strides: x.strides, offset: x.offset + range.lowerBound * x.strides[axis]), x.shape)
    }

    func backward(_ inputShape: [Int], output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let full = Tensor.zeros(inputShape)
        let window = full.sliced(axis: axis, range)
        let source = gradient.contiguous()
        defer { withExtendedLifetime(source) {} }
        Layout.copy(from: source.pointer, shape: gradient.shape, strides: Tensor.contiguousStrides(for: gradient.shape),
                    toStrided: window.storage.floats + window.offset, strides: window.strides)
        return [full]
    }
}

struct ContiguousOp: Op {
    var name: String { "contiguous" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) { (inputs[0].contiguousCopy(), ()) }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] { [gradient] }
}

struct ConcatOp: Op {
    let axis: Int
    var name: String { "concat" }

    func forward(_ inputs: [Tensor]) -> (Tensor, [Int]) {
        let first = inputs[0]
        for x in inputs {
            precondition(x.rank == first.rank && (0..<x.rank).allSatisfy { $0 == axis || x.shape[$0] == first.shape[$0] },
                         "concat: shapes \(inputs.map(\.shape)) differ outside axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = inputs.map { $0.shape[axis] }.reduce(0, +)
        let out = Tensor(uninitializedShape: shape)
        var start = 0
        for x in inputs {
            let window = out.sliced(axis: axis, start..<(start + x.shape[axis]))
            let source = x.isContiguous ? x : x.contiguousCopy()
            withExtendedLifetime(source) {
                Layout.copy(from: source.pointer, shape: x.shape, strides: Tensor.contiguousStrides(for: x.shape),
                            toStrided: window.storage.floats + window.offset, strides: window.strides)
            }
            start += x.shape[axis]
        }
        return (out, inputs.map { $0.shape[axis] })
    }

    func backward(_ sizes: [Int], output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        var start = 0
        return zip(sizes, needs).map { size, need in
            defer { start += size }
            return need ? gradient.sliced(axis: axis, start..<(start + size)).contiguous() : nil
        }
    }
}

extension Layout {
    /// Copies contiguous-or-strided `source` into a strided destination of the same shape.
    public static func copy(from source: UnsafePointer<Float>, shape: [Int], strides: [Int], toStrided out: UnsafeMutablePointer<Float>, strides outStrides: [Int]) {
        let count = shape.reduce(1, *)
        if count == 0 { return }
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            var s = 0, d = 0
            for axis in 0..<shape.count {
                s += index[axis] * strides[axis]
                d += index[axis] * outStrides[axis]
            }
            out[d] = source[s]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// The same elements in a new shape; a view when the tensor is contiguous. One dimension
    /// may be -1, meaning whatever the count requires.
    public func reshaped(_ shape: [Int]) -> Tensor {
        var shape = shape
        if let unknown = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(shape) for \(count) elements")
            shape[unknown] = count / known
        }
        if shape == self.shape { return self }
        return ReshapeOp(shape: shape).apply([self])
    }

    public func permuted(_ axes: [Int]) -> Tensor {
        if axes == Array(0..<rank) { return self }
        return PermuteOp(axes: axes).apply([self])
    }

    /// Swaps two axes (a view); negative axes count from the end.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(a < 0 ? rank + a : a, b < 0 ? rank + b : b)
        return permuted(axes)
    }

    /// A view of `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = axis < 0 ? rank + axis : axis
        if range == 0..<shape[axis] { return self }
        return SliceOp(axis: axis, range: range).apply([self])
    }

    /// This tensor with row-major data: itself when already so, otherwise a copy.
    public func contiguous() -> Tensor {
        isContiguous ? self : ContiguousOp().apply([self])
    }

    /// A copy in row-major order, outside the graph.
    public func contiguousCopy() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        Layout.copy(from: storage.floats + offset, shape: shape, strides: strides, to: out.pointer)
        return out
    }

    /// A broadcast view with zero strides along expanded axes (no copy, outside the graph).
    func expandedView(to shape: [Int]) -> Tensor {
        let extra = shape.count - rank
        var strides = [Int](repeating: 0, count: shape.count)
        for axis in 0..<rank where self.shape[axis] == shape[extra + axis] { strides[extra + axis] = self.strides[axis] }
        return Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Joins tensors along an axis.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let axis = axis < 0 ? tensors[0].rank + axis : axis
        return ConcatOp(axis: axis).apply(tensors)
    }

    /// Splits along an axis into pieces of the given sizes (views).
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let axis = axis < 0 ? rank + axis : axis
        precondition(sizes.reduce(0, +) == shape[axis], "split: sizes \(sizes) do not add up to \(shape[axis])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: axis, start..<(start + size))
        }
    }
}
