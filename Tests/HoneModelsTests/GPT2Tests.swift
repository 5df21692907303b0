import Foundation
@testable import HoneModels
import HoneTensor
import Testing

/// Greedy continuation for the GPT-2 tests (the shared generation code is being rewritten):
/// argmax of the last position, lowest id on ties, the whole sequence run again at every step.
func gpt2Greedy(_ model: any LanguageModel, tokens: [Int], count: Int) -> [Int] {
    var sequence = tokens
    var generated: [Int] = []
    GradMode.withoutGradients {
        for _ in 0..<count {
            let logits = model.forward(tokens: sequence)
            let last = logits.sliced(axis: 0, (sequence.count - 1)..<sequence.count).scalars
            var best = 0
            for i in 1..<last.count where last[i] > last[best] { best = i }
            generated.append(best)
            sequence.append(best)
        }
    }
    return generated
}

/// Random weights for `configuration`: normal with standard deviation `scale`, LayerNorm gains around 1.
func randomGPT2Weights(_ configuration: GPT2Configuration, seed: UInt64 = 7, scale: Float = 0.5) -> [String: Tensor] {
    var rng = RandomGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for (name, shape) in configuration.parameterShapes {
        let t = Tensor.randn(shape, using: &rng)
        weights[name] = Tensor(shape: shape, values: t.scalars.map { $0 * scale + (name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name.hasSuffix("ln_f.weight") ? 1 : 0) })
    }
    return weights
}

@Suite("gpt2-tiny-random against transformers", .enabled(if: SharedModels.has("gpt2-tiny-random/model.safetensors") && SharedModels.has("gpt2-tiny-random/reference.json"), SharedModels.missingReason("gpt2-tiny-random")))
struct GPT2TinyRandomTests {
    struct Case {
        var prompt: String
        var ids: [Int]
        var first64: [Double]
        var sum: Double
        var argmax: Int
        var greedy: [Int]
    }

    static func cases() throws -> [Case] {
        let json = try SharedModels.json("gpt2-tiny-random/reference.json")
        return (json["cases"] as! [[String: Any]]).map {
            Case(prompt: $0["prompt"] as! String, ids: $0["prompt_token_ids"] as! [Int],
                 first64: ($0["last_logits_first_64"] as! [NSNumber]).map(\.doubleValue),
                 sum: ($0["last_logits_sum"] as! NSNumber).doubleValue, argmax: $0["last_logits_argmax"] as! Int,
                 greedy: $0["greedy_new_token_ids"] as! [Int])
        }
    }

    static func model() throws -> GPT2Model { try HuggingFaceDirectory.loadGPT2(path: SharedModels.path("gpt2-tiny-random")) }

    @Test("loads with its configuration, names and shapes")
    func loads() throws {
        let model = try Self.model()
        let c = model.configuration
        #expect([c.embeddingSize, c.layerCount, c.headCount, c.positionCount, c.vocabSize, c.mlpSize] as [Int] == [32, 2, 4, 128, 50257, 128])
        #expect(c.innerSize == nil && c.tieWordEmbeddings && c.activationFunction == "gelu_new" && c.layerNormEpsilon == 1e-5)
        #expect(c.bosTokenID == 50256 && c.eosTokenID == 50256)
        #expect(model.architecture == .gpt2 && model.headDim == 8 && model.keyValueHeads == 4 && model.contextLength == 128)
        let names = model.parameters.map(\.name)
        #expect(names.count == 2 + 2 * 12 + 2)
        #expect(names.prefix(4) == ["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias"])
        #expect(names.last == "transformer.ln_f.bias" && !names.contains("lm_head.weight"))
        #expect(model.weights["transformer.h.1.attn.c_attn.weight"]?.shape == [32, 96])
        #expect(model.weights["transformer.h.1.mlp.c_proj.weight"]?.shape == [128, 32])
        #expect(model.parameterCount == 50257 * 32 + 128 * 32 + 2 * (4 * 32 + 32 * 96 + 96 + 32 * 32 + 32 + 32 * 128 + 128 + 128 * 32 + 32) + 64)
    }

    @Test("last-position logits within 1e-4 of transformers (first 64, sum, argmax); greedy tokens identical")
    func logitsAndGreedy() throws {
        let model = try Self.model()
        var worst = 0.0, worstSum = 0.0
        for c in try Self.cases() {
            let logits = GradMode.withoutGradients { model.forward(tokens: c.ids) }
            #expect(logits.shape == [c.ids.count, 50257])
            let last = logits.sliced(axis: 0, (c.ids.count - 1)..<c.ids.count).scalars
            let error = zip(last.prefix(64), c.first64).map { abs(Double($0) - $1) }.max()!
            worst = max(worst, error)
            #expect(error <= 1e-4, "\(c.prompt): max abs logit error \(error)")
            let sum = last.reduce(0.0) { $0 + Double($1) }
            worstSum = max(worstSum, abs(sum - c.sum))
            #expect(abs(sum - c.sum) <= 1e-4, "\(c.prompt): logit sum \(sum), expected \(c.sum)")
            var best = 0
            for i in 1..<last.count where last[i] > last[best] { best = i }
            #expect(best == c.argmax, "\(c.prompt)")
            #expect(gpt2Greedy(model, tokens: c.ids, count: c.greedy.count) == c.greedy, "\(c.prompt)")
        }
        print("gpt2-tiny-random: max abs error of the first 64 last-position logits = \(worst); of the logit sum = \(worstSum)")
    }

    @Test("the cached forward (prompt in one chunk, then one token at a time) matches the full forward within 1e-5")
    func cached() throws {
        let model = try Self.model()
        for c in try Self.cases() {
            let sequence = c.ids + c.greedy.prefix(5)
            let full = GradMode.withoutGradients { model.forward(tokens: sequence) }.scalars
            let cache = model.makeCache()
            var cached: [Float] = model.forward(tokens: c.ids, batch: 1, cache: cache).scalars
            for token in sequence.dropFirst(c.ids.count) {
                cached += model.forward(tokens: [token], batch: 1, cache: cache).scalars
            }
            #expect(cache.length == sequence.count)
            #expect(cached.count == full.count)
            let error = zip(cached, full).map { abs($0 - $1) }.max()!
            #expect(error <= 1e-5, "\(c.prompt): max abs difference \(error)")
            print("gpt2-tiny-random \(c.prompt): cached vs full forward max abs difference = \(error)")
        }
    }

    @Test("a batch of two sequences gives each sequence's own logits, with and without a cache")
    func batched() throws {
        let model = try Self.model()
        let a = [464, 2068, 7586, 21831], b = [15496, 995, 11, 428]
        let separate = GradMode.withoutGradients { model.forward(tokens: a).scalars + model.forward(tokens: b).scalars }
        let together = GradMode.withoutGradients { model.forward(tokens: a + b, batch: 2, cache: nil) }
        #expect(together.shape == [2, 4, 50257])
        #expect(zip(together.scalars, separate).map { abs($0 - $1) }.max()! <= 1e-5)
        let cache = model.makeCache(batch: 2, capacity: 8)
        let first = model.forward(tokens: Array(a.prefix(3)) + Array(b.prefix(3)), batch: 2, cache: cache)
        let next = model.forward(tokens: [a[3], b[3]], batch: 2, cache: cache)
        let v = 50257
        for (s, row) in [(0, 0), (1, 4)] {
            let expected = Array(separate[(row + 3) * v..<(row + 4) * v])
            let got = Array(next.scalars[s * v..<(s + 1) * v])
            #expect(zip(got, expected).map { abs($0 - $1) }.max()! <= 1e-5)
            #expect(Array(first.scalars[(s * 3) * v..<(s * 3 + 1) * v]) .elementsEqual(separate[row * v..<(row + 1) * v]) { abs($0 - $1) <= 1e-5 })
        }
    }

    @Test("huggingFaceConfiguration gives back the configuration and the keys transformers needs")
    func configurationRoundTrip() throws {
        let model = try Self.model()
        let json = model.huggingFaceConfiguration()
        #expect(json["model_type"] as? String == "gpt2")
        #expect(json["architectures"] as? [String] == ["GPT2LMHeadModel"])
        #expect(json["n_inner"] is NSNull)
        let data = try model.huggingFaceConfigurationJSON()
        #expect(String(decoding: data, as: UTF8.self).contains("\"layer_norm_epsilon\" : 1e-05"))
        let path = NSTemporaryDirectory() + "hone-gpt2-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.write(to: URL(fileURLWithPath: path))
        #expect(try HuggingFaceDirectory.gpt2Configuration(configPath: path) == model.configuration)
    }
}

@Suite("the lm-buddy GPT-2 fixtures")
struct GPT2LMBuddyTests {
    @Test("fake-gpt2-lmbuddy (GPT2LMHeadModel, n_embd 2, the real vocabulary) loads and runs",
          .enabled(if: SharedModels.has("fake-gpt2-lmbuddy/model.safetensors"), SharedModels.missingReason("fake-gpt2-lmbuddy")))
    func fake() throws {
        let model = try HuggingFaceDirectory.loadGPT2(path: SharedModels.path("fake-gpt2-lmbuddy"))
        let c = model.configuration
        #expect([c.embeddingSize, c.layerCount, c.headCount, c.positionCount, c.vocabSize, c.mlpSize] as [Int] == [2, 1, 1, 1024, 50257, 8])
        #expect(model.parameters.count == 16)
        let logits = GradMode.withoutGradients { model.forward(tokens: [15496, 995, 11, 428, 318]) }
        #expect(logits.shape == [5, 50257] && logits.scalars.allSatisfy(\.isFinite))
    }

    @Test("tiny-gpt2-lmbuddy (a GPT2Model without the transformer. prefix, 21 tokens) loads with the tied head",
          .enabled(if: SharedModels.has("tiny-gpt2-lmbuddy/model.safetensors"), SharedModels.missingReason("tiny-gpt2-lmbuddy")))
    func tiny() throws {
        let model = try HuggingFaceDirectory.loadGPT2(path: SharedModels.path("tiny-gpt2-lmbuddy"))
        let c = model.configuration
        #expect([c.embeddingSize, c.layerCount, c.vocabSize] as [Int] == [2, 1, 21] && c.bosTokenID == 20)
        #expect(model.parameters.allSatisfy { $0.name.hasPrefix("transformer.") })
        let reader = try SafeTensorsReader(path: SharedModels.path("tiny-gpt2-lmbuddy/model.safetensors"))
        #expect(model.weights["transformer.wte.weight"]!.scalars == (try reader.tensor("wte.weight")).scalars)
        let logits = GradMode.withoutGradients { model.forward(tokens: [0, 5, 20, 19]) }
        #expect(logits.shape == [4, 21] && logits.scalars.allSatisfy(\.isFinite))
        #expect(gpt2Greedy(model, tokens: [0, 1], count: 3).count == 3)
    }
}

@Suite("GPT-2 checkpoints hone refuses, by name")
struct GPT2RefusalTests {
    static let configuration = GPT2Configuration(embeddingSize: 8, layerCount: 2, headCount: 2, positionCount: 16, vocabSize: 11)

    func refusal(_ body: () throws -> Void) -> CheckpointError? {
        do { try body() } catch let error as CheckpointError { return error } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    @Test("a missing tensor, a wrong shape, an extra tensor and a mismatched tied head are named")
    func tensors() throws {
        let c = Self.configuration
        var weights = randomGPT2Weights(c)
        _ = try GPT2Model(configuration: c, weights: weights)

        weights["transformer.h.1.mlp.c_fc.bias"] = nil
        let missing = refusal { _ = try GPT2Model(configuration: c, weights: weights, file: "m.safetensors") }
        #expect(missing?.tensor == "transformer.h.1.mlp.c_fc.bias" && missing?.file == "m.safetensors")
        #expect(missing?.message.contains("[32]") == true)

        weights = randomGPT2Weights(c)
        weights["transformer.h.0.attn.c_attn.weight"] = Tensor.zeros([24, 8])  // [out, in]: not the Conv1D layout
        let shape = refusal { _ = try GPT2Model(configuration: c, weights: weights) }
        #expect(shape?.tensor == "transformer.h.0.attn.c_attn.weight")
        #expect(shape?.description.contains("has shape [24, 8], expected [8, 24]") == true)

        weights = randomGPT2Weights(c)
        weights["transformer.h.2.ln_1.weight"] = Tensor.zeros([8])
        #expect(refusal { _ = try GPT2Model(configuration: c, weights: weights) }?.tensor == "transformer.h.2.ln_1.weight")

        weights = randomGPT2Weights(c)
        weights["lm_head.weight"] = weights["transformer.wte.weight"]!
        let tied = try GPT2Model(configuration: c, weights: weights)
        #expect(tied.weights["lm_head.weight"] == nil && tied.parameters.count == c.parameterShapes.count)
        weights["lm_head.weight"] = Tensor.zeros([8, 11])
        #expect(refusal { _ = try GPT2Model(configuration: c, weights: weights) }?.tensor == "lm_head.weight")

        var untied = c
        untied.tieWordEmbeddings = false
        weights = randomGPT2Weights(c)
        #expect(refusal { _ = try GPT2Model(configuration: untied, weights: weights) }?.tensor == "lm_head.weight")
        var rng = RandomGenerator(seed: 3)
        weights["lm_head.weight"] = Tensor.randn([11, 8], using: &rng)
        let model = try GPT2Model(configuration: untied, weights: weights)
        #expect(model.parameters.last?.name == "lm_head.weight")
        #expect(model.forward(tokens: [1, 2, 3]).shape == [3, 11])
    }

    @Test("invalid sizes are listed by key")
    func sizes() {
        var c = Self.configuration
        c.headCount = 3
        c.layerNormEpsilon = 0
        #expect(c.problems.count == 2)
        #expect(c.problems.contains { $0.contains("n_head 3 does not divide n_embd 8") })
        #expect(c.problems.contains { $0.contains("layer_norm_epsilon") })
    }

    static var baseConfig: [String: Any] { [
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 8, "n_layer": 2, "n_head": 2,
        "n_positions": 16, "vocab_size": 11, "n_inner": NSNull(), "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5,
    ] }

    func configError(_ changes: [String: Any]) throws -> CheckpointError? {
        let path = NSTemporaryDirectory() + "hone-gpt2-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = Self.baseConfig.merging(changes) { $1 }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return refusal { _ = try HuggingFaceDirectory.gpt2Configuration(configPath: path) }
    }

    @Test("unsupported config.json settings are refused by key, saying what is supported")
    func configuration() throws {
        #expect(try configError([:]) == nil)
        #expect(try configError(["activation_function": "gelu_pytorch_tanh", "architectures": ["GPT2Model"]]) == nil)
        let cases: [([String: Any], [String])] = [
            (["model_type": "llama"], ["model_type `llama`", "gpt2"]),
            (["architectures": ["GPT2ForSequenceClassification"]], ["GPT2ForSequenceClassification", "GPT2LMHeadModel"]),
            (["activation_function": "gelu"], ["`activation_function` is `gelu`", "erf", "gelu_new"]),
            (["activation_function": "relu"], ["`activation_function` is `relu`", "gelu_pytorch_tanh"]),
            (["scale_attn_by_inverse_layer_idx": true], ["`scale_attn_by_inverse_layer_idx` is true"]),
            (["reorder_and_upcast_attn": true], ["`reorder_and_upcast_attn` is true"]),
            (["add_cross_attention": true], ["`add_cross_attention` is true"]),
            (["scale_attn_weights": false], ["`scale_attn_weights` is false"]),
            (["architectures": ["GPT2Model"], "tie_word_embeddings": false], ["`tie_word_embeddings` is false"]),
            (["n_head": 3], ["n_head 3 does not divide n_embd 8"]),
            (["n_embd": NSNull()], ["n_embd"]),
        ]
        for (changes, expected) in cases {
            let error = try configError(changes)
            #expect(error != nil, "\(changes) should be refused")
            for text in expected {
                #expect(error?.message.contains(text) == true, "\(changes): \(error?.message ?? "accepted")")
            }
        }
    }

    @Test("a directory with OpenAI-style names (no transformer. prefix) and attention-mask buffers loads")
    func bareNames() throws {
        let c = Self.configuration
        let weights = randomGPT2Weights(c)
        let directory = NSTemporaryDirectory() + "hone-gpt2-bare-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var stored: [(String, Tensor)] = c.parameterShapes.map { (String($0.name.dropFirst("transformer.".count)), weights[$0.name]!) }
        for layer in 0..<c.layerCount {
            stored.append(("h.\(layer).attn.bias", Tensor.ones([1, 1, 16, 16])))
            stored.append(("h.\(layer).attn.masked_bias", Tensor.scalar(-1e4)))
        }
        try SafeTensorsWriter.write(stored, to: directory + "/model.safetensors")
        let json = Self.baseConfig.merging(["architectures": ["GPT2Model"]]) { $1 }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: directory + "/config.json"))
        let model = try HuggingFaceDirectory.loadGPT2(path: directory)
        let reference = try GPT2Model(configuration: c, weights: weights)
        #expect(model.parameters.map(\.name) == reference.parameters.map(\.name))
        #expect(GradMode.withoutGradients { model.forward(tokens: [3, 1, 4]).scalars == reference.forward(tokens: [3, 1, 4]).scalars })

        // The same tensor under both names is ambiguous.
        stored.append(("transformer.wpe.weight", weights["transformer.wpe.weight"]!))
        try SafeTensorsWriter.write(stored, to: directory + "/model.safetensors")
        let error = refusal { _ = try HuggingFaceDirectory.loadGPT2(path: directory) }
        #expect(error?.tensor == "wpe.weight" || error?.tensor == "transformer.wpe.weight")
    }
}

@Suite("GPT-2 backward")
struct GPT2GradientTests {
    @Test("gradients through the whole model agree with finite differences for every weight")
    func gradCheck() {
        let c = GPT2Configuration(embeddingSize: 8, layerCount: 2, headCount: 2, positionCount: 8, vocabSize: 7, innerSize: 12)
        let shapes = c.parameterShapes
        let tokens = [1, 5, 2, 6, 0, 3]
        let check = GradCheckCase("GPT-2 forward", shapes.map { GradCheckCase.Input($0.shape) }, step: 1e-2, tolerance: 2e-2) { inputs in
            var weights: [String: Tensor] = [:]
            for ((name, _), t) in zip(shapes, inputs) {
                // LayerNorm gains around 1, everything else at 0.3 of unit scale, so activations stay moderate.
                weights[name] = name.contains("ln_") && name.hasSuffix(".weight") ? t * 0.3 + Tensor.ones(t.shape) : t * 0.3
            }
            let model = try! GPT2Model(configuration: c, weights: weights)
            return model.forward(tokens: tokens, batch: 2, cache: nil)
        }
        let report = GradCheck.run(check, samples: 6)
        print("GPT-2 gradient check: \(report)")
        #expect(report.checked == shapes.count * 6)
        #expect(report.passed, "\(report)")
    }
}
