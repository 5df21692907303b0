/// Embedding lookup: rows of a [V, D] weight gathered by token index. Backward scatter-adds the
/// output gradient into a dense [V, D] gradient, so a token that appears several times gets
/// the sum of its rows' gradients.

struct EmbeddingOp: Op {
    /// Row indices into the weight, in row-major order of `shape`.
    let indices: [Int]
    /// The shape of the index array; the output is `shape + [D]`.
    let shape: [Int]
    var name: String { "embedding" }

    func forward(_ inputs: [Tensor]) -> (Tensor, [Int]) {
        let weight = inputs[0].rowMajorDetached()
        precondition(weight.rank == 2, "embedding: the weight must be [V, D], got \(weight.shape)")
        precondition(indices.count == shape.reduce(1, *), "embedding: \(indices.count) indices for index shape \(shape)")
        let (vocabulary, width) = (weight.shape[0], weight.shape[1])
        for index in indices {
            precondition(index >= 0 && index < vocabulary, "embedding: index \(index) is outside the \(vocabulary) rows of the weight (V = \(vocabulary))")
        }
        let out = Tensor(uninitializedShape: shape + [width])
        indices.withUnsafeBufferPointer { ids in
            EmbeddingKernels.gather(weight.pointer, width: width, ids, out.pointer)
        }
        return (out, weight.shape)
    }

    func backward(_ weightShape: [Int], output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        guard needs[0] else { return [nil] }
        let g = gradient.rowMajorDetached()
        let dw = Tensor.zeros(weightShape)
        indices.withUnsafeBufferPointer { ids in
            EmbeddingKernels.scatterAdd(g.pointer, width: weightShape[1], ids, dw.pointer)
        }
        return [dw]
    }
}

/// The gather and scatter-add kernels (plain copies and adds: they are their own reference).
enum EmbeddingKernels {
    /// `out[i, :] = weight[ids[i], :]`.
    static func gather(_ weight: UnsafePointer<Float>, width: Int, _ ids: UnsafeBufferPointer<Int>, _ out: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(count: ids.count, grain: max(1, (1 << 15) / max(width, 1))) { range in
            for i in range { (out + i * width).update(from: weight + ids[i] * width, count: width) }
        }
    }

    /// `dw[ids[i], :] += g[i, :]` for every i, in index order. Threads split the columns, not
    /// the indices, so two threads never add to the same element and the sums come out in the
    /// same order whatever the thread count.
    static func scatterAdd(_ g: UnsafePointer<Float>, width: Int, _ ids: UnsafeBufferPointer<Int>, _ dw: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(count: width, grain: max(16, (1 << 15) / max(ids.count, 1))) { columns in
            for (i, id) in ids.enumerated() {
                let source = g + i * width, target = dw + id * width
                for j in columns { target[j] += source[j] }
            }
        }
    }
}

extension Tensor {
    /// Looks up rows of `weight` [V, D]: the result has shape `shape + [D]`, its row i being
    /// `weight[indices[i]]`. Every index must lie in 0..<V (a precondition: callers validate
    /// token ids from user data before this). Gradients flow to `weight` only.
    public static func embedding(_ weight: Tensor, indices: [Int], shape: [Int]) -> Tensor {
        EmbeddingOp(indices: indices, shape: shape).apply([weight])
    }
}

extension EmbeddingOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            // Six draws from five rows: some row repeats, which checks the scatter-add.
            GradCheckCase("embedding with repeated indices", [.init([5, 4]), .init([2, 3], .indices(below: 5))]) {
                Tensor.embedding($0[0], indices: $0[1].scalars.map { Int($0) }, shape: [2, 3])
            },
            GradCheckCase("embedding of a transposed weight", [.init([7, 3], transposed: true)]) {
                Tensor.embedding($0[0], indices: [6, 0, 6, 2], shape: [4])
            },
        ]
    }
}
