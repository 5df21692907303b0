import Testing
@testable import HoneTensor

@Suite("storage types and determinism")
struct DTypeAndDeterminismTests {
    @Test("float16, bfloat16 and int32 storage round-trip through float32", arguments: [DType.float16, .bfloat16, .int32])
    func conversions(_ dtype: DType) {
        // Values each type holds exactly (int32 keeps whole numbers; it truncates the rest).
        let values: [Float] = dtype == .int32 ? [0, 1, -2, 3, 1024, -7] : [0, 1, -2, 3.5, 1024, -0.25]
        let x = Tensor(shape: [2, 3], values: values)
        let stored = x.converted(to: dtype)
        #expect(stored.dtype == dtype)
        #expect(stored.storage.byteCount == 6 * dtype.byteSize)
        #expect(stored.converted(to: .float32).scalars == values)
    }

    @Test("raw float16 bytes load as the values they encode")
    func rawHalf() {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x3555, 0x7BFF]  // 1, -2, 0.33325, 65504
        let t = bits.withUnsafeBytes { Tensor.fromRaw($0, dtype: .float16, shape: [4]) }.converted(to: .float32)
        #expect(t.scalars == [1, -2, 0.333251953125, 65504])
    }

    @Test("the same seed gives bitwise the same forward and backward of a transformer block")
    func blockIsDeterministic() {
        func run() -> [UInt32] {
            let shape = TransformerBlock.Shape(dim: 32, hidden: 64, heads: 4, kvHeads: 2, batch: 2, tokens: 16)
            let block = TransformerBlock(shape: shape, seed: 11)
            var rng = RandomGenerator(seed: 5)
            let x = Tensor.randn([2, 16, 32], using: &rng)
            x.requiresGrad = true
            let y = block(x)
            (y * y).sum().backward()
            let grads = block.parameters.flatMap { $0.tensor.grad?.scalars ?? [] }
            return (y.scalars + x.grad!.scalars + grads).map(\.bitPattern)
        }
        #expect(run() == run())
    }
}
