/// Matrix products on OpenBLAS. A transposed view is passed to `cblas_sgemm` as a transpose
/// flag, never copied: `x.matmul(w.transposed())` costs one sgemm. Backward computes
/// dA = dC·Bᵀ and dB = Aᵀ·dC the same way, and skips dB entirely when B is frozen.
///
/// Under `Precision.bf16` (where `Precision.bfloat16Path` computes in bf16) the products run on
/// oneDNN instead, with bf16 inputs and FP32 results, forward and backward alike: the op keeps
/// the precision it was made in, as autocast's backward does.

struct MatMulOp: Op {
    var precision: Precision = .fp32
    var name: String { "matmul" }

    func forward(_ inputs: [Tensor]) -> (Tensor, (Tensor, Tensor)) {
        let (a, b) = (inputs[0], inputs[1])
        return (MatMul.product(a, b, precision: precision), (a.detached(), b.detached()))
    }

    func backward(_ saved: (Tensor, Tensor), output: Tensor, gradient g: Tensor, needs: [Bool]) -> [Tensor?] {
        let (a, b) = saved
        var gradA: Tensor? = nil, gradB: Tensor? = nil
        if needs[0] { gradA = MatMul.product(g, b.transposed(), precision: precision) }
        if needs[1] {
            MatMul.weightGradients.add(1, ordering: .relaxed)
            if b.rank == 2 {
                // B is shared across the batch: fold the batch into rows, one sgemm. When B is
                // the transposed view of a stored [out, in] weight (x·Wᵀ), compute the gradient
                // in the weight's own layout, Gᵀ·X, so it reaches the weight without a strided copy.
                let k = a.shape[a.rank - 1], n = g.shape[g.rank - 1]
                let (rowsA, rowsG) = (a.reshaped([-1, k]), g.reshaped([-1, n]))
                let storedTransposed = n > 1 && b.strides[0] == 1 && b.strides[1] >= k
                gradB = storedTransposed
                    ? MatMul.product(rowsG.transposed(), rowsA, precision: precision).transposed()
                    : MatMul.product(rowsA.transposed(), rowsG, precision: precision)
            } else {
                gradB = MatMul.product(a.transposed(), g, precision: precision)
            }
        }
        return [gradA, gradB]
    }
}

import Synchronization

public enum MatMul {
    /// Weight-gradient products computed so far: tests use it to show frozen weights cost none.
    public static let weightGradients = Atomic<Int>(0)

    /// How a matrix operand is laid out for sgemm: its rows×cols as stored, and whether it is the
    /// transpose of that (a column-major view).
    struct Operand {
        let tensor: Tensor
        let transpose: BLAS.Transpose
        let leading: Int
        /// Elements between consecutive matrices of a batch (0 when shared).
        let batchStride: Int
    }

    /// Describes the last two axes of `t` for sgemm, copying only when neither layout fits.
    static func operand(_ t: Tensor) -> Operand {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let rs = t.strides[r - 2], cs = t.strides[r - 1]
        if let batch = batchStride(t) {
            if cs == 1 || cols == 1, rs >= max(cols, 1) || rows == 1 {
                return Operand(tensor: t, transpose: .normal, leading: max(rows == 1 ? cols : rs, 1), batchStride: batch)
            }
            if rs == 1 || rows == 1, cs >= max(rows, 1) || cols == 1 {
                return Operand(tensor: t, transpose: .transposed, leading: max(cols == 1 ? rows : cs, 1), batchStride: batch)
            }
        }
        let c = t.contiguousCopy()
        return Operand(tensor: c, transpose: .normal, leading: max(cols, 1), batchStride: rows * cols)
    }

    /// The one stride that steps through the batch (all axes but the last two, collapsed), or
    /// nil when they do not collapse. Axes of size 1 are skipped: their strides are arbitrary.
    static func batchStride(_ t: Tensor) -> Int? {
        let axes = (0..<max(0, t.rank - 2)).filter { t.shape[$0] > 1 }
        guard let last = axes.last else { return 0 }
        for (outer, inner) in zip(axes, axes.dropFirst()) where t.strides[outer] != t.strides[inner] * t.shape[inner] {
            return nil
        }
        return t.strides[last]
    }

    /// `a · b` over the last two axes. Shapes: [m,k]·[k,n]; [...,m,k]·[k,n] (b shared);
    /// [...,m,k]·[...,k,n] with equal batch axes. `precision: .bf16` computes on oneDNN from
    /// bf16 copies of the operands (see `MatMulOp`); it falls back to FP32 where
    /// `Precision.bfloat16Path` says bf16 would be slower.
    public static func product(_ a: Tensor, _ b: Tensor, precision requested: Precision = .fp32) -> Tensor {
        let precision = requested.effective
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs at least 2-D tensors, got \(a.shape) and \(b.shape)")
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul: inner sizes differ: \(a.shape) · \(b.shape)")
        let batchShape = Array(a.shape.dropLast(2))
        if b.rank > 2 {
            precondition(Array(b.shape.dropLast(2)) == batchShape, "matmul: batch shapes differ: \(a.shape) · \(b.shape)")
        }
        let batch = batchShape.reduce(1, *)
        let out = Tensor(uninitializedShape: batchShape + [m, n])
        let compute: (Operand, Operand, Int, Int, UnsafeMutablePointer<Float>, Int, Int) -> Void
        if precision == .bf16 {
            compute = { ao, bo, rows, k, out, aOffset, bOffset in
                let a16 = bfloat16(ao.tensor), b16 = bfloat16(bo.tensor)
                withExtendedLifetime((a16, b16)) {
                    BLAS.withSteadyThreads {
                        OneDNN.gemm(ao.transpose, bo.transpose, m: rows, n: n, k: k,
                                    a: a16.base + ao.tensor.offset + aOffset, lda: ao.leading,
                                    b: b16.base + bo.tensor.offset + bOffset, ldb: bo.leading, c: out, ldc: n)
                    }
                }
            }
        } else {
            compute = { ao, bo, rows, k, out, aOffset, bOffset in
                gemm(ao, bo, m: rows, n: n, k: k, out: out, ldc: n, aOffset: aOffset, bOffset: bOffset)
            }
        }
        if requested == .bf16, b.rank == 2, batch * m <= CompactWeightKernels.maximumRows,
           let done = decodingProduct(a, b, rows: batch * m, into: out) {
            return done
        }
        if b.rank == 2 && a.rank > 2, batch > 0 {
            // Shared right operand: fold the batch into rows when A's rows stack evenly.
            let folded = a.isContiguous ? a : a.contiguousCopy()
            let ao = Operand(tensor: folded, transpose: .normal, leading: k, batchStride: 0)
            compute(ao, operand(b), batch * m, k, out.pointer, 0, 0)
            return out
        }
        let ao = operand(a), bo = operand(b)
        if precision == .bf16, batch > 1 {
            // Convert each operand once, not once per matrix of the batch.
            let a16 = bfloat16(ao.tensor), b16 = bfloat16(bo.tensor)
            withExtendedLifetime((a16, b16)) {
                BLAS.withSteadyThreads {
                    for i in 0..<batch {
                        OneDNN.gemm(ao.transpose, bo.transpose, m: m, n: n, k: k,
                                    a: a16.base + ao.tensor.offset + i * ao.batchStride, lda: ao.leading,
                                    b: b16.base + bo.tensor.offset + i * bo.batchStride, ldb: bo.leading,
                                    c: out.pointer + i * m * n, ldc: n)
                    }
                }
            }
            return out
        }
        for i in 0..<batch {
            compute(ao, bo, m, k, out.pointer + i * m * n, i * ao.batchStride, i * bo.batchStride)
        }
        return out
    }

    /// A few rows times a weight that keeps a bf16 copy, stored [n, k] and used transposed (a
    /// linear layer while decoding): read from the copy by `CompactWeightKernels`, on any ISA,
    /// since there the weight's bytes set the speed. Nil when `b` is not such a weight.
    static func decodingProduct(_ a: Tensor, _ b: Tensor, rows: Int, into out: Tensor) -> Tensor? {
        // Wᵀ of a row-major W [n, k]: unit stride down b's rows, whole rows of W across.
        let (k, n) = (b.shape[0], b.shape[1])
        guard b.strides[0] == 1, b.strides[1] >= k, let copy = b.storage.bfloat16Copy() else { return nil }
        let x = a.isContiguous ? a : a.contiguousCopy()
        withExtendedLifetime((x, copy)) {
            CompactWeightKernels.bfloat16(rows: rows, n: n, k: k, x: x.pointer, ldx: k,
                                          w: copy.raw.assumingMemoryBound(to: UInt16.self) + b.offset, ldw: b.strides[1],
                                          out: out.pointer, ldo: n)
        }
        return out
    }

    /// A tensor's elements as bf16, addressed like its storage: `base + i` is storage element i
    /// (only the elements the tensor spans are valid). A weight's kept copy when it has one;
    /// otherwise the spanned elements converted now.
    struct BFloat16Elements {
        let base: UnsafePointer<UInt16>
        let owner: TensorStorage
    }

    static func bfloat16(_ t: Tensor) -> BFloat16Elements {
        if let copy = t.storage.bfloat16Copy() {
            return BFloat16Elements(base: UnsafePointer(copy.raw.assumingMemoryBound(to: UInt16.self)), owner: copy)
        }
        var last = t.offset
        for (size, stride) in zip(t.shape, t.strides) where size > 1 { last += (size - 1) * stride }
        let span = t.count == 0 ? 0 : last - t.offset + 1
        let converted = TensorStorage(dtype: .bfloat16, count: span)
        let target = converted.raw.assumingMemoryBound(to: UInt16.self)
        if span > 0 { BFloat16Kernels.convert(t.storage.floats + t.offset, count: span, into: target) }
        return BFloat16Elements(base: UnsafePointer(target) - t.offset, owner: converted)
    }

    static func gemm(_ a: Operand, _ b: Operand, m: Int, n: Int, k: Int, out: UnsafeMutablePointer<Float>, ldc: Int, aOffset: Int = 0, bOffset: Int = 0) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            Elementwise.fill(out, 0, count: m * n)
            return
        }
        BLAS.withSteadyThreads {
            BLAS.sgemm(a.transpose, b.transpose, m: m, n: n, k: k,
                       a: a.tensor.storage.floats + a.tensor.offset + aOffset, lda: a.leading,
                       b: b.tensor.storage.floats + b.tensor.offset + bOffset, ldb: b.leading,
                       c: out, ldc: ldc)
        }
    }
}

extension Tensor {
    /// The matrix product over the last two axes (see `MatMul.product` for the shapes).
    /// Runs in `Precision.current` (its effective path on this machine).
    public func matmul(_ other: Tensor) -> Tensor { MatMulOp(precision: Precision.current).apply([self, other]) }
}
