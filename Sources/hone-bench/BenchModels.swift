// The model shapes hone-bench times, the same as ../shared/bench/torch_peer.py's, and the bf16
// figures every precision-aware benchmark prints: the ISA oneDNN uses and its bf16 peak.
import ArgumentParser
import HoneModels
import HoneTensor

enum BenchModel: String, CaseIterable {
    case S, M, L

    /// S and M: Llamas (llama2.c stories15M's shape, and ~110M matmul parameters), untied, vocab
    /// 32000. L: Qwen2.5-0.5B's shape, Qwen2 with q/k/v biases, tied, vocab 151936.
    func make() throws -> LlamaModel {
        switch self {
        case .S: return try GenerateBench.randomLlama(dim: 288, layers: 6, heads: 6, hidden: 768)
        case .M: return try GenerateBench.randomLlama(dim: 768, layers: 12, heads: 12, hidden: 2048)
        case .L:
            var c = LlamaConfiguration(
                hiddenSize: 896, intermediateSize: 4864, numHiddenLayers: 24, numAttentionHeads: 14, numKeyValueHeads: 2,
                vocabSize: 151936, maxPositionEmbeddings: 1024, ropeTheta: 1_000_000, tieWordEmbeddings: true,
                modelType: "qwen2", queryKeyValueBias: true)
            c.bosTokenID = 1
            c.eosTokenID = 2
            return try GenerateBench.random(c)
        }
    }

    /// The sizes in `list`; `alsoAccepted` names other entries the caller's option takes (for
    /// the error message).
    static func parse(_ list: String, alsoAccepted: [String] = []) throws -> [BenchModel] {
        try list.split(separator: ",").map { word in
            let name = word.trimmingCharacters(in: .whitespaces).uppercased()
            guard let model = BenchModel(rawValue: name) else {
                throw ValidationError("unknown size `\(word)`; expected " + (alsoAccepted + ["S", "M", "L"]).joined(separator: ", "))
            }
            return model
        }
    }
}

extension Precision: ExpressibleByArgument {}

enum BFloat16Peak {
    /// One line: the ISA oneDNN uses, what `precision=bf16` therefore runs, and the
    /// implementation oneDNN picks for a block's product.
    static var isaLine: String {
        let implementation = OneDNN.isa >= .avx512 ? OneDNN.implementation(m: 2048, n: 2048, k: 768) : "none (no bf16 products below AVX-512)"
        return "oneDNN \(OneDNN.version), ISA \(OneDNN.isa.name), bf16 2048x768x2048 by \(implementation); precision=bf16 here: \(Precision.bf16.pathDescription)"
    }

    /// The best bf16 GF/s of oneDNN's products (FP32 accumulation) on `shapes`, or nil where
    /// oneDNN has no bf16 products.
    static func measure(shapes: [Shape] = SGEMMPeak.blockShapes, batches: Int = 5, minSeconds: Double = 0.03) -> Double? {
        guard OneDNN.isa >= .avx512 else { return nil }
        var peak = 0.0
        for s in shapes {
            let a = [UInt16](repeating: HalfConversion.bfloat16(from: 0.25), count: s.m * s.k)
            let b = [UInt16](repeating: HalfConversion.bfloat16(from: -0.5), count: s.k * s.n)
            var c = [Float](repeating: 0, count: s.m * s.n)
            let seconds = a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        bestSeconds(batches: batches, minSeconds: minSeconds) {
                            OneDNN.gemm(.normal, .normal, m: s.m, n: s.n, k: s.k, a: a.baseAddress!, lda: s.k,
                                        b: b.baseAddress!, ldb: s.n, c: c.baseAddress!, ldc: s.n)
                        }
                    }
                }
            }
            peak = max(peak, s.flops / seconds / 1e9)
        }
        return peak
    }
}
