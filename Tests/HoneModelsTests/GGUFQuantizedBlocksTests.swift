import Foundation
@testable import HoneModels
import HoneTensor
import Testing

/// The Q8_0 copy of stories260K.gguf that scripts/test makes with llama.cpp's own `gguf`
/// package (scripts/make-q8-gguf), or nil with the reason it is missing.
private let q8File: String? = {
    guard let path = ProcessInfo.processInfo.environment["HONE_Q8_0_GGUF"], FileManager.default.fileExists(atPath: path) else {
        print("skipping: HONE_Q8_0_GGUF names no file (scripts/test makes it with scripts/make-q8-gguf)")
        return nil
    }
    return path
}()

/// A GGUF's Q8_0 linear weights stay in their blocks, and decoding from them (the int8 kernel at
/// batch 1, tiles dequantised for the prompt) gives the float32 path's logits and tokens.
@Suite("a Q8_0 GGUF kept in its blocks", .enabled(if: q8File != nil, "HONE_Q8_0_GGUF is unset: run scripts/test, which makes it"))
struct GGUFQuantizedBlocksTests {
    private let path = q8File ?? ""

    @Test("every linear weight with rows of whole blocks stays Q8_0 and dequantises to the file's values")
    func keepsBlocks() throws {
        let (kept, keptFormats) = try GGUFLlama.loadReporting(path: path, keepsQuantizedBlocks: true)
        let float = try GGUFLlama.load(path: path)
        // stories260K: q, k, v, o, gate and up in each of 5 layers; down's rows (172) are not whole blocks.
        #expect(keptFormats.count == 30 && Set(keptFormats.values) == [.q8_0])
        #expect(kept.quantizedWeights.keys.sorted() == keptFormats.keys.sorted())
        #expect(float.quantizedWeights.isEmpty)
        for (name, matrix) in kept.quantizedWeights {
            let expected = try #require(float.weights[name])
            #expect(matrix.dequantized().scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "\(name)")
        }
        // 34 bytes per 32 weights instead of 128: about half of this small model's bytes (its embeddings stay float).
        func bytes(_ model: any LanguageModel) -> Int {
            model.weights.values.reduce(0) { $0 + $1.count * 4 } + model.quantizedWeights.values.reduce(0) { $0 + $1.byteCount }
        }
        #expect(bytes(kept) * 10 < bytes(float) * 6)
    }

    @Test("token-by-token logits stay within 0.05 of the float32 path on the dequantised weights")
    func logitsMatch() throws {
        let kept = try GGUFLlama.load(path: path, keepsQuantizedBlocks: true)
        let float = try GGUFLlama.load(path: path)
        let tokens = [1, 403, 407, 261, 378, 300, 289, 425, 266, 326, 286, 273, 402, 261, 292, 376]
        let (keptCache, floatCache) = (kept.makeCache(batch: 1, capacity: 64), float.makeCache(batch: 1, capacity: 64))
        var worst: Float = 0
        GradMode.withoutGradients {
            // The prompt in one forward (more than 4 rows: tiles dequantised), then one token at a time (the int8 kernel).
            let prompt = Array(tokens.prefix(6))
            for (input, lastOnly) in [(prompt, false)] + tokens.dropFirst(6).map { ([$0], true) } {
                let a = kept.forward(tokens: input, batch: 1, cache: keptCache, lastPositionOnly: lastOnly).scalars
                let b = float.forward(tokens: input, batch: 1, cache: floatCache, lastPositionOnly: lastOnly).scalars
                worst = max(worst, zip(a, b).map { abs($0 - $1) }.max() ?? .infinity)
            }
        }
        print("Q8_0 blocks against float32: largest logit difference \(worst)")
        #expect(worst <= 0.05)
    }

    @Test("32 greedy tokens are the float32 path's")
    func greedyMatches() throws {
        let kept = try GGUFLlama.load(path: path, keepsQuantizedBlocks: true)
        let float = try GGUFLlama.load(path: path)
        for prompt in [[1], [1, 403, 407, 261]] {
            #expect(greedyTokens(kept, prompt, 32) == greedyTokens(float, prompt, 32))
        }
    }

    @Test("the session's loader keeps the blocks unless asked to dequantise")
    func loaderKeepsBlocks() throws {
        let kept = try ModelLoader.load(path: path)
        #expect(kept.model.quantizedWeights.count == 30)
        #expect(kept.notes.contains { $0.contains("30 linear weights kept in q8_0") })
        let float = try ModelLoader.load(path: path, dequantizesGGUF: true)
        #expect(float.model.quantizedWeights.isEmpty)
    }
}
