/// y = x·Wᵀ with W a frozen `QuantizedMatrix` [out, in], as QLoRA's base layers compute it.
/// Forward dequantises W a tile of rows at a time into a scratch buffer and runs one sgemm per
/// tile, so the Float32 matrix never exists whole. Backward gives dX = dY·W, tile by tile, and no
/// gradient for W (it is not a tensor input: it cannot be trained).
struct QuantizedMatMulOp: Op {
    let weight: QuantizedMatrix
    var name: String { "matmul_quantized" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        let x = inputs[0]
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == weight.cols,
                     "matmul(quantizedTransposed:): x \(x.shape) has last axis \(x.shape.last ?? 0), the weight \(weight.shape) needs \(weight.cols)")
        let rows = x.isContiguous ? x : x.contiguousCopy()
        let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [weight.rows])
        withExtendedLifetime(rows) {
            QuantizedMatMul.forward(rows.pointer, m: x.count / max(weight.cols, 1), weight, out: out.pointer)
        }
        return (out, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient g: Tensor, needs: [Bool]) -> [Tensor?] {
        guard needs[0] else { return [nil] }
        let rows = g.isContiguous ? g : g.contiguousCopy()
        let dx = Tensor(uninitializedShape: Array(output.shape.dropLast()) + [weight.cols])
        withExtendedLifetime(rows) {
            QuantizedMatMul.inputGradient(rows.pointer, m: output.count / max(weight.rows, 1), weight, out: dx.pointer)
        }
        return [dx]
    }
}

enum QuantizedMatMul {
    /// Float32 elements of one dequantised tile (4 MB): large enough that each sgemm has a wide
    /// n, small enough to stay near the caches.
    static let tileElements = 1 << 20

    /// Rows of W per tile: between 16 and 256.
    static func tileRows(_ w: QuantizedMatrix) -> Int {
        min(w.rows, max(16, min(256, tileElements / max(w.cols, 1))))
    }

    /// Dequantises rows `range` of `w` into `out`, split across cores when large.
    static func dequantize(_ w: QuantizedMatrix, _ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let p = UnsafeSendable(out)
        let cols = w.cols
        Parallel.forRanges(count: range.count, grain: max(1, (1 << 16) / max(cols, 1))) { part in
            w.dequantizeRows((range.lowerBound + part.lowerBound)..<(range.lowerBound + part.upperBound),
                             into: p.value + part.lowerBound * cols)
        }
    }

    /// out[m, rows] = x[m, cols] · Wᵀ.
    static func forward(_ x: UnsafePointer<Float>, m: Int, _ w: QuantizedMatrix, out: UnsafeMutablePointer<Float>) {
        let (n, k) = (w.rows, w.cols)
        if m == 0 || n == 0 { return }
        if k == 0 { Elementwise.fill(out, 0, count: m * n); return }
        if w.format == .q8_0, m <= CompactWeightKernels.maximumRows {
            // Decoding: read the blocks in place (memory-bound, so fewer bytes is faster).
            w.blockBytes.withUnsafeBufferPointer { blocks in
                CompactWeightKernels.q8_0(rows: m, n: n, k: k, x: x, blocks: blocks.baseAddress!, out: out, ldo: n)
            }
            return
        }
        let tile = tileRows(w)
        let scratch = TensorStorage(dtype: .float32, count: tile * k)
        for start in stride(from: 0, to: n, by: tile) {
            let count = min(tile, n - start)
            dequantize(w, start..<(start + count), into: scratch.floats)
            BLAS.withSteadyThreads {
                BLAS.sgemm(.normal, .transposed, m: m, n: count, k: k, a: x, lda: k, b: scratch.floats, ldb: k,
                           c: out + start, ldc: n)
            }
        }
    }

    /// dx[m, cols] = g[m, rows] · W, accumulated over tiles of W's rows.
    static func inputGradient(_ g: UnsafePointer<Float>, m: Int, _ w: QuantizedMatrix, out: UnsafeMutablePointer<Float>) {
        let (n, k) = (w.rows, w.cols)
        if m == 0 || k == 0 { return }
        if n == 0 { Elementwise.fill(out, 0, count: m * k); return }
        let tile = tileRows(w)
        let scratch = TensorStorage(dtype: .float32, count: tile * k)
        for start in stride(from: 0, to: n, by: tile) {
            let count = min(tile, n - start)
            dequantize(w, start..<(start + count), into: scratch.floats)
            BLAS.withSteadyThreads {
                BLAS.sgemm(.normal, .normal, m: m, n: k, k: count, a: g + start, lda: n, b: scratch.floats, ldb: k,
                           beta: start == 0 ? 0 : 1, c: out, ldc: k)
            }
        }
    }
}

extension Tensor {
    /// x·Wᵀ for x [..., in] and a quantised W [out, in]: [..., out]. Gradients flow to x only.
    public func matmul(quantizedTransposed w: QuantizedMatrix) -> Tensor {
        QuantizedMatMulOp(weight: w).apply([self])
    }
}

extension QuantizedMatMulOp: GradCheckable {
    /// Fixed quantised weights (seeded), with row lengths that are not multiples of NF4's block.
    static let weights: [QuantizedMatrix] = {
        var rng = RandomGenerator(seed: 77)
        let nf4 = Tensor.randn([7, 40], std: 0.5, using: &rng)
        let q8 = Tensor.randn([5, 64], std: 0.5, using: &rng)
        let q4 = Tensor.randn([6, 32], std: 0.5, using: &rng)
        return [try! QuantizedMatrix(quantizing: nf4, format: .nf4),
                try! QuantizedMatrix(quantizing: q8, format: .q8_0),
                try! QuantizedMatrix(quantizing: q4, format: .q4_0)]
    }()

    public static var gradCheckCases: [GradCheckCase] {
        let w = weights
        return [
            GradCheckCase("matmul quantized nf4 batched", [.init([2, 3, 40])]) { $0[0].matmul(quantizedTransposed: w[0]) },
            GradCheckCase("matmul quantized q8_0 transposed input", [.init([4, 64], transposed: true)]) { $0[0].matmul(quantizedTransposed: w[1]) },
            GradCheckCase("matmul quantized q4_0 vector", [.init([32])]) { $0[0].matmul(quantizedTransposed: w[2]) },
        ]
    }
}
