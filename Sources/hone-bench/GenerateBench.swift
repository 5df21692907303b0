// `hone-bench generate`: tokens per second for greedy generation with the KV cache (batch 1,
// 16-token prompt, 128 new tokens) and for the evaluation forward (batch 8 × 256), on stories260K
// and on random Llamas of sizes S and M. The sizes and the llama.cpp figures to compare with come
// from issue 4.
import ArgumentParser
import Foundation
import HoneModels
import HoneTensor

struct GenerateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generation and evaluation tokens/s on stories260K and random Llamas S and M.",
        discussion: """
            Generation: greedy, batch 1, a 16-token prompt then 128 new tokens through the KV \
            cache; tokens/s counts the new tokens over the time after the prompt. Evaluation: \
            the forward of a batch of 8 sequences of 256 tokens (logits at every position, no \
            gradients); tokens/s = 2048 / seconds. Each figure is the median of --runs runs \
            after one warm-up run.
            S: dim 288, 6 layers, 6 heads (6 kv), hidden 768, vocab 32000, untied. \
            M: dim 768, 12 layers, 12 heads (12 kv), hidden 2048, vocab 32000, untied.
            """)

    @Option(help: "Threads for OpenBLAS and for hone's kernels (default: the number of cores).")
    var threads: Int?

    @Option(help: "Timed runs per figure; the median is reported.")
    var runs: Int = 3

    @Option(help: "Which models: any of stories260K, S, M, L, comma-separated.")
    var models: String = "stories260K,S,M"

    @Option(help: "The stories260K llama2.c checkpoint (skipped when absent).")
    var stories: String = "../shared/models/stories260K/stories260K.bin"

    @Option(help: "fp32, or bf16: bf16 weight copies for decoding on any CPU, oneDNN's bf16 products on AMX.")
    var precision: Precision = .fp32

    @Option(help: "Quantise the blocks' linear weights first (q8_0: decoding reads the blocks in place).")
    var quantize: String?

    @Flag(help: "After the figures, time each op of one evaluation forward and one generation.")
    var profile = false

    @Option(help: "Also write each random model as DIR/<name>.gguf (F32, a placeholder 32000-token vocabulary), to time llama.cpp on the same weights.")
    var saveGGUF: String?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let decision = BLAS.configure(threads: threads)
        if let threads { Parallel.threads = threads }
        print("OpenBLAS core: \(BLAS.coreName) (\(decision)), BLAS threads: \(BLAS.threads), kernel threads: \(Parallel.threads)")
        print(BFloat16Peak.isaLine + "; precision \(precision)" + (quantize.map { ", blocks' linear weights in \($0)" } ?? ""))
        print("model         params  generate tok/s  (prompt ms)  eval 8×256 tok/s")
        for name in models.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            let model: LlamaModel
            switch name.lowercased() {
            case "stories260k":
                guard FileManager.default.fileExists(atPath: stories) else {
                    print("stories260K: skipped, \(stories) is absent")
                    continue
                }
                let (configuration, weights) = try Llama2CReader.read(path: stories)
                model = try LlamaModel(configuration: configuration, weights: weights, file: stories)
            default: model = try BenchModel.parse(name, alsoAccepted: ["stories260K"])[0].make()
            }
            if let quantize {
                guard let format = QuantizationFormat(rawValue: quantize) else { throw ValidationError("unknown format `\(quantize)`; expected nf4, q8_0 or q4_0") }
                for module in model.linearModules { try model.quantizeWeight(module.name + ".weight", format: format) }
            }
            if let saveGGUF, name.lowercased() != "stories260k" {
                let path = saveGGUF + "/\(name).gguf"
                try GGUFLlama.write(model: model, tokenizerMetadata: Self.placeholderVocabulary(model.vocabularySize), to: path, name: name)
                print("wrote \(path)")
            }
            let (generate, prompt) = Precision.$current.withValue(precision) { generation(model) }
            let evaluate = Precision.$current.withValue(precision) { evaluation(model) }
            let params = format(Double(model.parameterCount) / 1e6, 1) + "M"
            let promptMS = "(" + format(prompt * 1e3, 1) + ")"
            let columns = [name.padding(12), params.padding(left: 8), format(generate, 1).padding(left: 16),
                           promptMS.padding(left: 13), format(evaluate, 0).padding(left: 18)]
            print(columns.joined())
            if profile { profileOps(model, name: name) }
        }
    }

    /// Median new tokens/s and prompt seconds of greedy generation.
    func generation(_ model: LlamaModel) -> (Double, Double) {
        var random = RandomGenerator(seed: 1)
        let prompt = (0..<16).map { _ in Int(random.next() % UInt64(model.vocabularySize)) }
        let settings = GenerationSettings(maxNewTokens: 128, sampling: .greedy, stopAtEndOfSequence: false)
        var rates: [Double] = [], prompts: [Double] = []
        for run in 0...runs {
            let result = Generator.run(model: model, tokenizer: nil, prompt: prompt, settings: settings)
            if run > 0 {
                rates.append(result.tokensPerSecond)
                prompts.append(result.promptSeconds)
            }
        }
        return (median(rates), median(prompts))
    }

    /// Median tokens/s of the forward at batch 8 × 256.
    func evaluation(_ model: LlamaModel) -> Double {
        var random = RandomGenerator(seed: 2)
        let tokens = (0..<(8 * 256)).map { _ in Int(random.next() % UInt64(model.vocabularySize)) }
        let seconds = medianSeconds(runs: runs) {
            GradMode.withoutGradients { _ = model.forward(tokens: tokens, batch: 8, cache: nil) }
        }
        return Double(tokens.count) / seconds
    }

    /// Per-op self time of one evaluation forward and one generation, largest first.
    func profileOps(_ model: LlamaModel, name: String) {
        for (label, body) in [("eval 8×256", { _ = evaluation(model) }), ("generate", { _ = generation(model) })] as [(String, () -> Void)] {
            Profiler.reset()
            Profiler.start()
            let start = now()
            body()
            let total = now() - start
            Profiler.stop()
            let entries = Profiler.entries.sorted { $0.selfSeconds > $1.selfSeconds }
            print("  \(name) \(label): \(format(total * 1e3, 1)) ms in all (\(runs + 1) runs), ops:")
            for e in entries.prefix(12) {
                print("    " + e.name.padding(22) + String(e.calls).padding(left: 8) + (format(e.selfSeconds * 1e3, 1) + " ms").padding(left: 12))
            }
        }
    }

    /// A SentencePiece-style vocabulary llama.cpp accepts: <unk>, <s>, </s>, the 256 byte tokens,
    /// then placeholder pieces. Only the sizes matter for timing.
    static func placeholderVocabulary(_ size: Int) -> [(key: String, value: GGUFValue)] {
        var tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) }
        tokens += (tokens.count..<size).map { "▁t\($0)" }
        let types: [GGUFValue] = tokens.indices.map { .int32($0 == 0 ? 2 : $0 < 3 ? 3 : $0 < 259 ? 6 : 1) }
        return [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(elementType: 8, values: tokens.map(GGUFValue.string))),
            ("tokenizer.ggml.scores", .array(elementType: 6, values: tokens.indices.map { .float32(-Float($0)) })),
            ("tokenizer.ggml.token_type", .array(elementType: 5, values: types)),
            ("tokenizer.ggml.bos_token_id", .uint32(1)),
            ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.unknown_token_id", .uint32(0)),
        ]
    }

    /// A Llama with N(0, 0.02) weights, norms at 1, untied embeddings, vocabulary 32000.
    static func randomLlama(dim: Int, layers: Int, heads: Int, hidden: Int) throws -> LlamaModel {
        try random(LlamaConfiguration(
            hiddenSize: dim, intermediateSize: hidden, numHiddenLayers: layers, numAttentionHeads: heads,
            numKeyValueHeads: heads, vocabSize: 32000, maxPositionEmbeddings: 1024, tieWordEmbeddings: false))
    }

    /// A model of `configuration` with N(0, 0.02) weights and norms at 1.
    static func random(_ configuration: LlamaConfiguration) throws -> LlamaModel {
        var random = RandomGenerator(seed: 42)
        var weights: [String: Tensor] = [:]
        for (name, shape) in configuration.parameterShapes {
            let count = shape.reduce(1, *)
            let isNorm = name.hasSuffix("norm.weight")
            weights[name] = Tensor(shape: shape, values: (0..<count).map { _ in isNorm ? 1 : 0.02 * random.normal() })
        }
        return try LlamaModel(configuration: configuration, weights: weights)
    }
}
