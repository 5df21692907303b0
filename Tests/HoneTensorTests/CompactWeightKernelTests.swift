import Testing
@testable import HoneTensor

/// Decoding's products read weights as bf16 or Q8_0 blocks and must give the product of the
/// weights those bytes stand for, in FP32, with FP32 activations.
@Suite struct CompactWeightKernelTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randn(shape, std: 1, using: &rng)
    }

    /// Σ_p x[r, p] · w[j, p] in Double.
    static func reference(_ x: [Float], _ w: [Float], rows: Int, n: Int, k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * n)
        for r in 0..<rows { for j in 0..<n { for p in 0..<k { out[r * n + j] += Double(x[r * k + p]) * Double(w[j * k + p]) } } }
        return out
    }

    @Test func decodingWithABF16WeightCopyMultipliesTheRoundedWeights() {
        for (rows, n, k) in [(1, 48, 64), (3, 70, 129), (4, 1000, 288), (1, 5, 7)] {
            let w = Self.random([n, k], seed: UInt64(n)), x = Self.random([rows, k], seed: UInt64(k))
            w.storage.keepsBFloat16Copy = true
            let got = MatMul.product(x, w.transposed(), precision: .bf16).scalars
            let rounded = w.scalars.map { HalfConversion.float(fromBFloat16: HalfConversion.bfloat16(from: $0)) }
            let want = Self.reference(x.scalars, rounded, rows: rows, n: n, k: k)
            let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * Double(k), "rows \(rows), n \(n), k \(k): off by \(worst)")
            #expect(w.storage.bfloat16CopyBytes == n * k * 2)
            // FP32 still reads the FP32 weights exactly.
            #expect(MatMul.product(x, w.transposed()).scalars != got || k < 8)
        }
    }

    @Test func aWeightWithoutABF16CopyDecodesInFP32() {
        let w = Self.random([40, 64], seed: 1), x = Self.random([1, 64], seed: 2)
        #expect(MatMul.product(x, w.transposed(), precision: .bf16).scalars == MatMul.product(x, w.transposed()).scalars
                || Precision.bfloat16Path.computesInBFloat16)
    }

    @Test func q8_0DecodingMatchesTheDequantisedProduct() throws {
        for (rows, n, k) in [(1, 33, 64), (2, 300, 288), (4, 17, 32)] {
            let w = Self.random([n, k], seed: UInt64(n + k)), x = Self.random([rows, k], seed: 9)
            let q = try QuantizedMatrix(quantizing: w, format: .q8_0)
            let got = x.matmul(quantizedTransposed: q).scalars
            let want = Self.reference(x.scalars, q.dequantized().scalars, rows: rows, n: n, k: k)
            let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * Double(k), "rows \(rows), n \(n), k \(k): off by \(worst)")
        }
    }

    @Test func decodingProductsDoNotDependOnTheThreadCount() throws {
        let w = Self.random([2000, 288], seed: 4), x = Self.random([1, 288], seed: 5)
        w.storage.keepsBFloat16Copy = true
        let q = try QuantizedMatrix(quantizing: w, format: .q8_0)
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let (b1, q1) = (MatMul.product(x, w.transposed(), precision: .bf16).scalars, x.matmul(quantizedTransposed: q).scalars)
        Parallel.threads = 2
        #expect(MatMul.product(x, w.transposed(), precision: .bf16).scalars == b1)
        #expect(x.matmul(quantizedTransposed: q).scalars == q1)
    }
}
