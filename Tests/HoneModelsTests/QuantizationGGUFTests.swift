import HoneModels
import HoneTensor
import Testing

/// QuantizedMatrix's Q8_0/Q4_0 blocks are GGUF's: GGUFReader's dequantisers give the same bits.
@Suite("Quantization agrees with GGUFReader")
struct QuantizationGGUFTests {
    private func gguf(_ bytes: [UInt8], _ format: QuantizationFormat) -> [Float] {
        bytes.withUnsafeBytes { raw in
            format == .q8_0 ? GGUFReader.dequantizeQ8_0(raw) : GGUFReader.dequantizeQ4_0(raw)
        }
    }

    @Test("quantised weights dequantise to the same bits", arguments: [QuantizationFormat.q8_0, .q4_0])
    func quantisedWeights(format: QuantizationFormat) throws {
        var rng = RandomGenerator(seed: 21)
        let w = Tensor.randn([24, 160], std: 0.02, using: &rng)
        let q = try QuantizedMatrix(quantizing: w, format: format)
        let reference = gguf(q.blockBytes, format)
        #expect(q.dequantized().scalars.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    @Test("arbitrary GGUF blocks dequantise to the same bits", arguments: [QuantizationFormat.q8_0, .q4_0])
    func arbitraryBlocks(format: QuantizationFormat) throws {
        var rng = RandomGenerator(seed: 22)
        let size = format.ggmlBlockBytes!
        let (rows, cols) = (5, 96)
        var bytes = (0..<(rows * cols / 32 * size)).map { _ in UInt8(rng.int(below: 256)) }
        for b in stride(from: 0, to: bytes.count, by: size) {
            // A finite scale, subnormals included.
            let h = HalfConversion.half(from: rng.normal() * (b % 3 == 0 ? 1e-5 : 0.01))
            bytes[b] = UInt8(h & 0xFF)
            bytes[b + 1] = UInt8(h >> 8)
        }
        let q = try QuantizedMatrix(ggmlBlocks: bytes, format: format, shape: [rows, cols])
        let reference = gguf(bytes, format)
        #expect(q.dequantized().scalars.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(q.blockBytes == bytes)
        #expect(throws: QuantizationError.self) {
            try QuantizedMatrix(ggmlBlocks: Array(bytes.dropLast()), format: format, shape: [rows, cols])
        }
    }
}
