import Foundation
import Testing
@testable import HoneTensor

/// bf16 mixed precision: products take bf16-rounded inputs and accumulate in FP32, forward and
/// backward; without AMX they run in FP32 and give FP32's numbers exactly.
@Suite(.serialized) struct BFloat16ProductTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randn(shape, std: 1, using: &rng)
    }

    /// op(A)·op(B) in Double from the bf16-rounded inputs: what a bf16 product with FP32
    /// accumulation should give, up to the FP32 summation's rounding.
    static func roundedReference(_ a: Tensor, _ b: Tensor) -> [Double] {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let av = a.contiguous().scalars.map { Double(HalfConversion.float(fromBFloat16: HalfConversion.bfloat16(from: $0))) }
        let bv = b.contiguous().scalars.map { Double(HalfConversion.float(fromBFloat16: HalfConversion.bfloat16(from: $0))) }
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { let x = av[i * k + p]; for j in 0..<n { c[i * n + j] += x * bv[p * n + j] } } }
        return c
    }

    /// oneDNN's bf16 products run (slowly) from AVX-512 up; below that (an AVX2 host such as
    /// AMD Zen 3) there is nothing to check, and the tests that need them are skipped, saying so.
    static var oneDNNHasBF16Products: Bool { OneDNN.isa >= .avx512 }
    static let needsBF16Products = ConditionTrait.enabled(if: oneDNNHasBF16Products, "oneDNN has no bf16 products below AVX-512 (this host's ISA: \(OneDNN.isa.name))")

    /// Runs `body` on oneDNN's bf16 kernels even where hone would fall back to FP32.
    static func onBF16Kernels<R>(_ body: () -> R) -> R {
        Precision.$forcesBFloat16Kernels.withValue(true) { body() }
    }

    @Test(needsBF16Products) func bf16ProductsRoundTheirInputsAndAccumulateInFP32() throws {
        let shapes = [(m: 1, k: 64, n: 48), (m: 37, k: 129, n: 70), (m: 256, k: 288, n: 96)]
        for (index, s) in shapes.enumerated() {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a0 = Self.random(transA ? [s.k, s.m] : [s.m, s.k], seed: UInt64(10 + index))
                let b0 = Self.random(transB ? [s.n, s.k] : [s.k, s.n], seed: UInt64(20 + index))
                let a = transA ? a0.transposed() : a0, b = transB ? b0.transposed() : b0
                let got = Self.onBF16Kernels { MatMul.product(a, b, precision: .bf16).scalars }
                let want = Self.roundedReference(a, b)
                let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * Double(s.k).squareRoot(), "shape \(s), transA \(transA), transB \(transB): off by \(worst)")
                // And it is not the FP32 product: the inputs really were rounded.
                let fp32 = MatMul.product(a, b).scalars
                #expect(zip(got, fp32).contains { $0 != $1 }, "shape \(s): bf16 gave FP32's numbers")
            }
        }
    }

    @Test func withoutAMXRequestedBF16ProductsAreFP32sExactly() {
        let a = Self.random([37, 129], seed: 3), b = Self.random([129, 70], seed: 4)
        let requested = MatMul.product(a, b, precision: .bf16).scalars
        if Precision.bfloat16Path.computesInBFloat16 {
            #expect(requested != MatMul.product(a, b).scalars, "with AMX, bf16 products round their inputs")
        } else {
            #expect(requested == MatMul.product(a, b).scalars, "without AMX, bf16 products are FP32's")
        }
    }

    @Test(needsBF16Products) func batchedBF16ProductsMatchTheirMatrices() throws {
        let a = Self.random([3, 2, 17, 40], seed: 5), b = Self.random([3, 2, 40, 23], seed: 6)
        let batched = Self.onBF16Kernels { Precision.$current.withValue(.bf16) { a.matmul(b) } }
        for i in 0..<3 {
            for j in 0..<2 {
                func pick(_ t: Tensor) -> Tensor {
                    let s = t.sliced(axis: 0, i..<(i + 1)).sliced(axis: 1, j..<(j + 1))
                    return s.reshaped(Array(s.shape.suffix(2)))
                }
                let single = Self.onBF16Kernels { MatMul.product(pick(a), pick(b), precision: .bf16) }
                #expect(pick(batched).scalars == single.scalars, "batch \(i),\(j)")
            }
        }
    }

    @Test(needsBF16Products) func aWeightsBF16CopyIsReusedUntilItsContentsChange() throws {
        Self.onBF16Kernels { weightCopyIsReused() }
    }

    func weightCopyIsReused() {
        let w = Self.random([32, 64], seed: 7)
        w.storage.keepsBFloat16Copy = true
        let x = Self.random([5, 64], seed: 8)
        let first = MatMul.product(x, w.transposed(), precision: .bf16).scalars
        #expect(w.storage.bfloat16CopyBytes == 32 * 64 * 2)
        // A write without `contentsChanged()` is not seen (the copy is reused) …
        w.pointer[0] += 100
        #expect(MatMul.product(x, w.transposed(), precision: .bf16).scalars == first)
        // … and after it, the copy is made again from the new values.
        w.storage.contentsChanged()
        #expect(w.storage.bfloat16CopyBytes == 0)
        let second = MatMul.product(x, w.transposed(), precision: .bf16).scalars
        #expect(second[0] != first[0])
        #expect(zip(second, Self.roundedReference(x, w.transposed())).allSatisfy { abs(Double($0) - $1) < 1e-3 })
    }

    /// The bar for a bf16 training step: every gradient within 2e-2 of FP32's, relative,
    /// in Frobenius norm. A transformer block's weights and input, full backward.
    @Test(needsBF16Products) func bf16BlockGradientsStayWithinTwoPercentOfFP32() throws {
        let shape = TransformerBlock.Shape(dim: 64, hidden: 160, heads: 4, kvHeads: 2, batch: 2, tokens: 24)
        func gradients(_ precision: Precision) -> [(String, [Float])] {
            let block = TransformerBlock(shape: shape, seed: 11)
            let x = Self.random([2, 24, 64], seed: 12)
            x.requiresGrad = true
            Self.onBF16Kernels {
                Precision.$current.withValue(precision) {
                    let y = block(x)
                    (y * y).mean().backward()
                }
            }
            return [("input", x.grad!.scalars)] + block.parameters.map { ($0.name, $0.tensor.grad!.scalars) }
        }
        let reference = gradients(.fp32), mixed = gradients(.bf16)
        for ((name, want), (_, got)) in zip(reference, mixed) {
            let difference = zip(got, want).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            let size = want.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(difference / size <= 2e-2, "\(name): relative error \(difference / size)")
            #expect(difference > 0, "\(name): bf16 gave FP32's gradient exactly")
        }
    }

    @Test func theBF16PathFollowsTheISAOneDNNUses() {
        let path = Precision.bfloat16Path
        #expect(path.computesInBFloat16 == (OneDNN.isa == .amx))
        if case .fp32Fallback(let missing, _) = path { #expect(missing.contains("amx_bf16")) }
    }
}
