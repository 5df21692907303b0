import Foundation
import HoneModels
import HoneTensor
import Testing

@testable import HonePEFT

/// Runs `body` and expects a `CheckpointError` whose description holds every one of `fragments`.
private func expectCheckpointError(_ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
    } catch let error as CheckpointError {
        for fragment in fragments where !error.description.contains(fragment) {
            Issue.record("the error does not mention `\(fragment)`: \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
    }
}

private func expectSameTensors(_ x: AdapterWeights, _ y: AdapterWeights, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(x.moduleNames == y.moduleNames, sourceLocation: sourceLocation)
    for (name, m) in x.modules {
        guard let n = y.modules[name] else { continue }
        #expect(m.a.shape == n.a.shape && m.a.scalars == n.a.scalars, "lora_A of \(name)", sourceLocation: sourceLocation)
        #expect(m.b.shape == n.b.shape && m.b.scalars == n.b.scalars, "lora_B of \(name)", sourceLocation: sourceLocation)
        #expect(m.magnitude?.shape == n.magnitude?.shape && m.magnitude?.scalars == n.magnitude?.scalars,
                "magnitude of \(name)", sourceLocation: sourceLocation)
    }
}

@Suite("PEFT adapter files")
struct PEFTAdapterFileTests {
    @Test("the shared stories260K LoRA adapter: 20 tensors, r 4, alpha 8, q/v, 4,480 parameters",
          .enabled(if: AdapterFixtures.has("stories260K-peft-lora/adapter_model.safetensors"), AdapterFixtures.missingReason("stories260K-peft-lora")))
    func readsSharedLoRA() throws {
        let directory = AdapterFixtures.path("stories260K-peft-lora")
        let adapter = try PEFTAdapterFile.read(directory: directory)
        let c = adapter.configuration
        #expect(c == AdapterConfiguration(rank: 4, alpha: 8, dropout: 0, targetModules: ["q_proj", "v_proj"], baseModelNameOrPath: "stories260K-hf"))
        #expect(c.scaling == 2)
        #expect(adapter.modules.count == 10)
        #expect(adapter.modules.values.reduce(0) { $0 + 2 + ($1.magnitude == nil ? 0 : 1) } == 20)
        #expect(adapter.parameterCount == 4480)
        #expect(adapter.rotaryLayout == .halfRotation)
        let q = try #require(adapter.modules["model.layers.0.self_attn.q_proj"])
        #expect(q.a.shape == [4, 64] && q.b.shape == [64, 4])
        #expect(adapter.modules["model.layers.4.self_attn.v_proj"]?.b.shape == [32, 4])
        // Values as stored.
        let reader = try SafeTensorsReader(path: directory + "/adapter_model.safetensors")
        #expect(q.b.scalars == (try reader.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")).scalars)
    }

    @Test("the shared stories260K rsLoRA + DoRA adapter: 105 tensors with 35 magnitudes, 26,120 parameters",
          .enabled(if: AdapterFixtures.has("stories260K-peft-rslora-dora/adapter_model.safetensors"), AdapterFixtures.missingReason("stories260K-peft-rslora-dora")))
    func readsSharedDoRA() throws {
        let adapter = try PEFTAdapterFile.read(directory: AdapterFixtures.path("stories260K-peft-rslora-dora"))
        let c = adapter.configuration
        #expect(c.rank == 4 && c.alpha == 8 && c.useRSLoRA && c.useDoRA && c.scaling == 4)
        #expect(c.targetModules == ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"])
        #expect(adapter.modules.count == 35)
        #expect(adapter.modules.values.filter { $0.magnitude != nil }.count == 35)
        #expect(adapter.parameterCount == 26_120)
        #expect(adapter.modules["model.layers.2.mlp.down_proj"]?.magnitude?.shape == [64])
    }

    @Test("merging the shared adapters into stories260K-hf reproduces PEFT's logits",
          .enabled(if: AdapterFixtures.has("stories260K-hf/model.safetensors") && AdapterFixtures.has("stories260K-peft-rslora-dora/reference.json"),
                   AdapterFixtures.missingReason("stories260K-hf")),
          arguments: ["stories260K-peft-lora", "stories260K-peft-rslora-dora"])
    func mergedLogitsMatchPEFT(adapterName: String) throws {
        let adapter = try PEFTAdapterFile.read(directory: AdapterFixtures.path(adapterName))
        let reference = try AdapterFixtures.json(adapterName + "/reference.json")
        let cases = try #require(reference["cases"] as? [[String: Any]])
        for item in cases {
            let tokens = try #require(item["prompt_token_ids"] as? [Int])
            let expected = try #require(item["last_logits_adapter_active"] as? [Double]).map(Float.init)
            let logits = try AdapterFixtures.mergedLogits(adapter, tokens: tokens)
            #expect(AdapterFixtures.maxDifference(logits, expected) < 1e-4, "\(adapterName), prompt \(tokens)")
        }
    }

    @Test("write then read gives back the same tensors and configuration", arguments: [false, true])
    func roundTrip(dora: Bool) throws {
        let adapter = AdapterFixtures.tinyAdapter(rsLoRA: dora, dora: dora)
        let directory = try AdapterFixtures.temporaryDirectory("roundtrip") + "/adapter"
        defer { AdapterFixtures.removeTemporary(directory) }
        try PEFTAdapterFile.write(adapter, to: directory)
        let back = try PEFTAdapterFile.read(directory: directory)
        #expect(back.configuration == adapter.configuration)
        expectSameTensors(adapter, back)
        // Writing again over the existing directory replaces the files.
        var changed = adapter
        changed.configuration.alpha = 16
        try PEFTAdapterFile.write(changed, to: directory)
        #expect(try PEFTAdapterFile.read(directory: directory).configuration.alpha == 16)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (directory as NSString).deletingLastPathComponent)
        #expect(leftovers == ["adapter"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["adapter_config.json", "adapter_model.safetensors"])
    }

    @Test("the shared adapters survive a write and read unchanged",
          .enabled(if: AdapterFixtures.has("stories260K-peft-rslora-dora/adapter_model.safetensors"), AdapterFixtures.missingReason("stories260K-peft-rslora-dora")),
          arguments: ["stories260K-peft-lora", "stories260K-peft-rslora-dora"])
    func sharedRoundTrip(adapterName: String) throws {
        let adapter = try PEFTAdapterFile.read(directory: AdapterFixtures.path(adapterName))
        let directory = try AdapterFixtures.temporaryDirectory("shared") + "/" + adapterName
        defer { AdapterFixtures.removeTemporary(directory) }
        try PEFTAdapterFile.write(adapter, to: directory)
        let back = try PEFTAdapterFile.read(directory: directory)
        #expect(back.configuration == adapter.configuration)
        expectSameTensors(adapter, back)
        let reader = try SafeTensorsReader(path: directory + "/adapter_model.safetensors")
        #expect(reader.metadata == ["format": "pt"])
        let original = try SafeTensorsReader(path: AdapterFixtures.path(adapterName + "/adapter_model.safetensors"))
        #expect(reader.names == original.names)
    }

    @Test("the written adapter_config.json holds exactly the classic keys")
    func configurationKeys() throws {
        let adapter = AdapterFixtures.tinyAdapter(targets: ["v_proj", "q_proj"], rsLoRA: true)
        let directory = try AdapterFixtures.temporaryDirectory("config") + "/adapter"
        defer { AdapterFixtures.removeTemporary(directory) }
        try PEFTAdapterFile.write(adapter, to: directory)
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/adapter_config.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(config.keys.sorted() == PEFTAdapterFile.classicKeys)
        #expect(config["peft_type"] as? String == "LORA")
        #expect(config["task_type"] as? String == "CAUSAL_LM")
        #expect(config["r"] as? Int == 4)
        #expect(config["lora_alpha"] as? Double == 8)
        #expect(config["lora_dropout"] as? Double == 0.05)
        #expect(config["target_modules"] as? [String] == ["q_proj", "v_proj"])
        #expect(config["use_rslora"] as? Bool == true)
        #expect(config["use_dora"] as? Bool == false)
        #expect(config["bias"] as? String == "none")
        #expect(config["inference_mode"] as? Bool == true)
        #expect(config["base_model_name_or_path"] as? String == "tiny-llama")
        #expect(config["modules_to_save"] is NSNull)
        #expect((config["rank_pattern"] as? [String: Any])?.isEmpty == true)
        #expect(String(decoding: data, as: UTF8.self).contains("\n  \"alpha_pattern\": {},\n"))

        // Names with quotes, backslashes and control characters, and fractional alphas, survive.
        var odd = adapter
        odd.configuration.baseModelNameOrPath = "we\"ird\\name\n\u{1}é"
        odd.configuration.alpha = 12.5
        try PEFTAdapterFile.write(odd, to: directory)
        #expect(try PEFTAdapterFile.read(directory: directory).configuration == odd.configuration)
    }

    @Test("features hone lacks are refused by the key that asks for them")
    func refusals() throws {
        let cases: [(key: String, value: Any)] = [
            ("peft_type", "IA3"), ("peft_type", "ADALORA"), ("modules_to_save", ["lm_head"]), ("layers_to_transform", [0]),
            ("rank_pattern", ["q_proj": 8]), ("alpha_pattern", ["q_proj": 16]), ("bias", "all"), ("lora_bias", true),
            ("init_lora_weights", "pissa"), ("task_type", "SEQ_CLS"), ("trainable_token_indices", [1, 2]), ("use_qalora", true),
        ]
        for (key, value) in cases {
            let directory = try AdapterFixtures.editedAdapter { $0[key] = value }
            defer { AdapterFixtures.removeTemporary(directory) }
            expectCheckpointError("adapter_config.json", key) { _ = try PEFTAdapterFile.read(directory: directory) }
        }
        // use_dora on an adapter whose peft_type is not LoRA is refused by peft_type.
        let dora = try AdapterFixtures.editedAdapter { $0["peft_type"] = "LOHA"; $0["use_dora"] = true }
        defer { AdapterFixtures.removeTemporary(dora) }
        expectCheckpointError("peft_type", "LOHA") { _ = try PEFTAdapterFile.read(directory: dora) }
        // Unknown keys and empty/null/false values of known ones are fine.
        let tolerant = try AdapterFixtures.editedAdapter {
            $0["some_future_key"] = ["x": 1]; $0["modules_to_save"] = [Any](); $0["lora_bias"] = false; $0["megatron_core"] = "megatron.core"
        }
        defer { AdapterFixtures.removeTemporary(tolerant) }
        #expect(try PEFTAdapterFile.read(directory: tolerant).configuration.targetModules == ["q_proj", "v_proj"])
        // "all-linear" (a string) takes the targets from the tensors.
        let allLinear = try AdapterFixtures.editedAdapter { $0["target_modules"] = "all-linear" }
        defer { AdapterFixtures.removeTemporary(allLinear) }
        #expect(try PEFTAdapterFile.read(directory: allLinear).configuration.targetModules == ["q_proj", "v_proj"])
        // Targets that do not select a module's tensors.
        let narrow = try AdapterFixtures.editedAdapter { $0["target_modules"] = ["q_proj"] }
        defer { AdapterFixtures.removeTemporary(narrow) }
        expectCheckpointError("v_proj", "target_modules") { _ = try PEFTAdapterFile.read(directory: narrow) }
        // A rank that disagrees with the tensors.
        let rank = try AdapterFixtures.editedAdapter { $0["r"] = 8 }
        defer { AdapterFixtures.removeTemporary(rank) }
        expectCheckpointError("adapter_model.safetensors", "lora_A.weight", "rank r is 8") { _ = try PEFTAdapterFile.read(directory: rank) }
        // DoRA declared but no magnitudes stored.
        let noMagnitude = try AdapterFixtures.editedAdapter { $0["use_dora"] = true }
        defer { AdapterFixtures.removeTemporary(noMagnitude) }
        expectCheckpointError("lora_magnitude_vector", "missing") { _ = try PEFTAdapterFile.read(directory: noMagnitude) }
    }

    @Test("faulty tensor files give errors naming the file and tensor")
    func tensorFaults() throws {
        let adapter = AdapterFixtures.tinyAdapter(targets: ["q_proj", "v_proj"])
        let directory = try AdapterFixtures.temporaryDirectory("faults") + "/adapter"
        defer { AdapterFixtures.removeTemporary(directory) }
        try PEFTAdapterFile.write(adapter, to: directory)
        let weightsPath = directory + "/adapter_model.safetensors"
        let good = try Data(contentsOf: URL(fileURLWithPath: weightsPath))
        func rewrite(_ tensors: [(String, Tensor)]) throws {
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: weightsPath)
        }
        let all: [(String, Tensor)] = adapter.moduleNames.flatMap { module in
            [(PEFTAdapterFile.tensorName(module: module, part: "lora_A"), adapter.modules[module]!.a),
             (PEFTAdapterFile.tensorName(module: module, part: "lora_B"), adapter.modules[module]!.b)]
        }
        // Only A for a module.
        try rewrite(all.filter { $0.0 != "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight" })
        expectCheckpointError("adapter_model.safetensors", "model.layers.0.self_attn.q_proj.lora_B.weight", "missing") {
            _ = try PEFTAdapterFile.read(directory: directory)
        }
        // Only B for a module.
        try rewrite(all.filter { $0.0 != "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight" })
        expectCheckpointError("model.layers.1.self_attn.v_proj.lora_A.weight", "missing") { _ = try PEFTAdapterFile.read(directory: directory) }
        // B's rank disagrees with r.
        try rewrite(all.map { $0.0.hasSuffix("layers.0.self_attn.q_proj.lora_B.weight") ? ($0.0, AdapterFixtures.tensor([8, 3], seed: 1)) : $0 })
        expectCheckpointError("q_proj.lora_B.weight", "[8, 3]", "rank r is 4") { _ = try PEFTAdapterFile.read(directory: directory) }
        // A magnitude without use_dora.
        try rewrite(all + [(PEFTAdapterFile.tensorName(module: "model.layers.0.self_attn.q_proj", part: "lora_magnitude_vector"), Tensor.ones([8]))])
        expectCheckpointError("lora_magnitude_vector", "use_dora is false") { _ = try PEFTAdapterFile.read(directory: directory) }
        // A full module (modules_to_save) and an embedding LoRA.
        try rewrite(all + [("base_model.model.lm_head.weight", Tensor.ones([32, 8]))])
        expectCheckpointError("base_model.model.lm_head.weight", "not a LoRA tensor") { _ = try PEFTAdapterFile.read(directory: directory) }
        try rewrite(all + [("base_model.model.model.embed_tokens.lora_embedding_A", Tensor.ones([4, 32]))])
        expectCheckpointError("lora_embedding_A", "embedding LoRA") { _ = try PEFTAdapterFile.read(directory: directory) }

        // Truncated and corrupted bytes: errors, not crashes.
        for cut in [0, 5, 8, 40, good.count / 2, good.count - 1] {
            try good.prefix(cut).write(to: URL(fileURLWithPath: weightsPath))
            expectCheckpointError("adapter_model.safetensors") { _ = try PEFTAdapterFile.read(directory: directory) }
        }
        var garbage = good
        for i in 8..<min(40, garbage.count) { garbage[i] = 0xFF }
        try garbage.write(to: URL(fileURLWithPath: weightsPath))
        expectCheckpointError("adapter_model.safetensors") { _ = try PEFTAdapterFile.read(directory: directory) }
        try good.write(to: URL(fileURLWithPath: weightsPath))
        #expect(try PEFTAdapterFile.read(directory: directory).modules.count == 4)

        // A broken or missing adapter_config.json.
        let configPath = directory + "/adapter_config.json"
        try Data("{\"peft_type\": \"LORA\", ".utf8).write(to: URL(fileURLWithPath: configPath))
        expectCheckpointError("adapter_config.json", "not valid JSON") { _ = try PEFTAdapterFile.read(directory: directory) }
        try FileManager.default.removeItem(atPath: configPath)
        expectCheckpointError("adapter_config.json", "missing") { _ = try PEFTAdapterFile.read(directory: directory) }
    }

    @Test("the writer refuses inconsistent adapters and interleaved q/k rows")
    func writerRefusals() throws {
        let root = try AdapterFixtures.temporaryDirectory("refuse")
        defer { AdapterFixtures.removeTemporary(root) }
        var adapter = AdapterFixtures.tinyAdapter(targets: ["q_proj", "v_proj"])
        adapter.modules["model.layers.0.self_attn.q_proj"]!.a = AdapterFixtures.tensor([3, 8], seed: 3)
        expectCheckpointError("q_proj.lora_A.weight", "rank r is 4") { try PEFTAdapterFile.write(adapter, to: root + "/a") }
        #expect(!FileManager.default.fileExists(atPath: root + "/a"))

        let interleaved = try AdapterFixtures.tinyAdapter().permutedForRotary(AdapterFixtures.tinyLlama, to: .interleaved)
        expectCheckpointError("interleaved") { try PEFTAdapterFile.write(interleaved, to: root + "/b") }
        // With the model's configuration the rows are converted back.
        try PEFTAdapterFile.write(interleaved, configuration: AdapterFixtures.tinyLlama, to: root + "/b")
        expectSameTensors(try PEFTAdapterFile.read(directory: root + "/b"), AdapterFixtures.tinyAdapter())

        var untargeted = AdapterFixtures.tinyAdapter(targets: ["q_proj", "v_proj"])
        untargeted.configuration.targetModules = ["q_proj"]
        expectCheckpointError("v_proj", "target_modules") { try PEFTAdapterFile.write(untargeted, to: root + "/c") }
    }
}

@Suite("rotary layout of adapters")
struct AdapterRotaryTests {
    @Test("half rotation → interleaved → half rotation is the identity")
    func roundTrip() throws {
        let adapter = AdapterFixtures.tinyAdapter(dora: true)
        let interleaved = try adapter.permutedForRotary(AdapterFixtures.tinyLlama, to: .interleaved)
        #expect(interleaved.rotaryLayout == .interleaved)
        let q = "model.layers.0.self_attn.q_proj"
        #expect(interleaved.modules[q]!.b.scalars != adapter.modules[q]!.b.scalars)
        let back = try interleaved.permutedForRotary(AdapterFixtures.tinyLlama, to: .halfRotation)
        #expect(back.rotaryLayout == .halfRotation)
        expectSameTensors(adapter, back)
        // Converting to the layout already held changes nothing.
        expectSameTensors(adapter, try adapter.permutedForRotary(AdapterFixtures.tinyLlama, to: .halfRotation))
    }

    @Test("permuting B's rows agrees with RotaryPermutation on W + s·B·A; A, v/o/MLP modules are untouched")
    func agreesWithBaseWeights() throws {
        let c = AdapterFixtures.tinyLlama
        let adapter = AdapterFixtures.tinyAdapter(dora: true)
        let interleaved = try adapter.permutedForRotary(c, to: .interleaved)
        let s = adapter.configuration.scaling
        for (part, heads, rows) in [("q_proj", c.numAttentionHeads, c.queryDim), ("k_proj", c.numKeyValueHeads, c.kvDim)] {
            let name = "model.layers.1.self_attn." + part
            let original = adapter.modules[name]!, moved = interleaved.modules[name]!
            #expect(moved.a.scalars == original.a.scalars)
            let w = AdapterFixtures.tensor([rows, c.hiddenSize], seed: 77)
            let full = zip(w.scalars, AdapterFixtures.product(original.b, original.a)).map { Float(Double($0) + s * $1) }
            let expected = RotaryPermutation.permute(Tensor(shape: w.shape, values: full), heads: heads, from: .halfRotation, to: .interleaved)
            let wInterleaved = RotaryPermutation.permute(w, heads: heads, from: .halfRotation, to: .interleaved)
            let got = zip(wInterleaved.scalars, AdapterFixtures.product(moved.b, moved.a)).map { Float(Double($0) + s * $1) }
            #expect(got == expected.scalars, "\(part)")
            let magnitude = RotaryPermutation.permute(original.magnitude!, heads: heads, from: .halfRotation, to: .interleaved)
            #expect(moved.magnitude!.scalars == magnitude.scalars)
        }
        for part in ["self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.down_proj"] {
            let name = "model.layers.0." + part
            #expect(interleaved.modules[name]!.b.scalars == adapter.modules[name]!.b.scalars, "\(part)")
        }
    }

    @Test("rows that do not split into the heads are an error, not a crash")
    func badHeads() throws {
        expectCheckpointError("q_proj.lora_B", "heads") {
            _ = try AdapterFixtures.tinyAdapter().permutedForRotary(heads: 3, kvHeads: 1, to: .interleaved)
        }
    }
}

@Suite("llama.cpp GGUF LoRA files")
struct GGUFAdapterFileTests {
    @Test("export and read back: names, metadata, orientation, interleaved q/k, rsLoRA folded into alpha", arguments: [false, true])
    func roundTrip(rsLoRA: Bool) throws {
        let c = AdapterFixtures.tinyLlama
        let adapter = AdapterFixtures.tinyAdapter(rank: 4, alpha: 8, rsLoRA: rsLoRA)
        let path = try AdapterFixtures.temporaryDirectory("gguf") + "/adapter.gguf"
        defer { AdapterFixtures.removeTemporary(path) }
        try GGUFAdapterFile.write(adapter, configuration: c, to: path)

        let reader = try GGUFReader(path: path)
        #expect(reader.metadata["general.architecture"] == .string("llama"))
        #expect(reader.metadata["general.type"] == .string("adapter"))
        #expect(reader.metadata["adapter.type"] == .string("lora"))
        #expect(reader.metadata["adapter.lora.alpha"] == .float32(rsLoRA ? 16 : 8))  // 8·√4 = 16: 16/4 = 8/√4
        #expect(reader.tensorNames.count == 2 * adapter.modules.count)
        #expect(reader.contains("blk.0.attn_q.weight.lora_a") && reader.contains("blk.1.ffn_down.weight.lora_b"))
        // ggml ne: lora_a [in, r], lora_b [r, out] — the row-major shapes [r, in] and [out, r].
        #expect(reader.entries["blk.0.attn_k.weight.lora_a"]?.shape == [4, c.hiddenSize])
        #expect(reader.entries["blk.0.attn_k.weight.lora_b"]?.shape == [c.kvDim, 4])
        #expect(reader.entries["blk.0.ffn_down.weight.lora_a"]?.shape == [4, c.intermediateSize])

        let back = try GGUFAdapterFile.read(path: path)
        #expect(back.rotaryLayout == .interleaved)
        #expect(back.configuration.rank == 4 && !back.configuration.useRSLoRA)
        #expect(abs(back.configuration.scaling - adapter.configuration.scaling) < 1e-6)
        #expect(back.configuration.targetModules == adapter.configuration.targetModules)
        let q = "model.layers.0.self_attn.q_proj"
        let expectedQ = RotaryPermutation.permute(adapter.modules[q]!.b, heads: c.numAttentionHeads, from: .halfRotation, to: .interleaved)
        #expect(back.modules[q]!.b.scalars == expectedQ.scalars)
        expectSameTensors(try back.permutedForRotary(c, to: .halfRotation), adapter)
    }

    @Test("DoRA, unknown modules, wrong shapes and broken files are refused")
    func refusals() throws {
        let c = AdapterFixtures.tinyLlama
        let root = try AdapterFixtures.temporaryDirectory("gguf-refuse")
        defer { AdapterFixtures.removeTemporary(root) }
        expectCheckpointError("DoRA", "magnitude") {
            try GGUFAdapterFile.write(AdapterFixtures.tinyAdapter(dora: true), configuration: c, to: root + "/dora.gguf")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/dora.gguf"))

        var lmHead = AdapterFixtures.tinyAdapter(targets: ["q_proj"])
        lmHead.modules["lm_head"] = AdapterModule(a: AdapterFixtures.tensor([4, 8], seed: 1), b: AdapterFixtures.tensor([32, 4], seed: 2))
        lmHead.configuration.targetModules = ["lm_head", "q_proj"]
        expectCheckpointError("lm_head", "llama.cpp") { try GGUFAdapterFile.write(lmHead, configuration: c, to: root + "/head.gguf") }

        var wide = c
        wide.hiddenSize = 16
        expectCheckpointError("blk.0.attn_q.weight.lora_a", "[8, 8]") {
            try GGUFAdapterFile.write(AdapterFixtures.tinyAdapter(targets: ["q_proj"]), configuration: wide, to: root + "/wide.gguf")
        }

        // A lone lora_a, a transposed lora_a, a non-adapter GGUF, truncated bytes.
        func file(_ name: String, type: String = "adapter", _ tensors: [(String, Tensor)]) throws -> String {
            var writer = GGUFWriter()
            writer.add("general.architecture", .string("llama"))
            writer.add("general.type", .string(type))
            writer.add("adapter.type", .string("lora"))
            writer.add("adapter.lora.alpha", .float32(8))
            for (n, t) in tensors { writer.add(tensor: n, t) }
            try writer.write(to: root + "/" + name)
            return root + "/" + name
        }
        let lone = try file("lone.gguf", [("blk.0.attn_q.weight.lora_a", Tensor.ones([4, 8]))])
        expectCheckpointError("blk.0.attn_q.weight.lora_b", "only one") { _ = try GGUFAdapterFile.read(path: lone) }
        let transposed = try file("transposed.gguf", [("blk.0.attn_q.weight.lora_a", Tensor.ones([8, 4])), ("blk.0.attn_q.weight.lora_b", Tensor.ones([8, 4]))])
        expectCheckpointError("blk.0.attn_q.weight.lora_a", "ranks differ") { _ = try GGUFAdapterFile.read(path: transposed) }
        let model = try file("model.gguf", type: "model", [("blk.0.attn_q.weight", Tensor.ones([8, 8]))])
        expectCheckpointError("general.type") { _ = try GGUFAdapterFile.read(path: model) }
        let odd = try file("odd.gguf", [("blk.0.attn_q.weight.lora_c", Tensor.ones([4, 8]))])
        expectCheckpointError("lora_c", "not a LoRA tensor") { _ = try GGUFAdapterFile.read(path: odd) }

        let good = root + "/good.gguf"
        try GGUFAdapterFile.write(AdapterFixtures.tinyAdapter(), configuration: c, to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        for cut in [0, 3, 30, bytes.count / 2, bytes.count - 1] {
            let truncated = root + "/cut.gguf"
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: truncated))
            expectCheckpointError("cut.gguf") { _ = try GGUFAdapterFile.read(path: truncated) }
        }
    }

    @Test("the shared LoRA adapter exports for stories260K",
          .enabled(if: AdapterFixtures.has("stories260K-hf/config.json") && AdapterFixtures.has("stories260K-peft-lora/adapter_model.safetensors"),
                   AdapterFixtures.missingReason("stories260K-hf")))
    func sharedExport() throws {
        let configuration = try HuggingFaceDirectory.llamaConfiguration(configPath: AdapterFixtures.path("stories260K-hf/config.json"))
        let adapter = try PEFTAdapterFile.read(directory: AdapterFixtures.path("stories260K-peft-lora"))
        let path = try AdapterFixtures.temporaryDirectory("gguf-shared") + "/stories260K-lora.gguf"
        defer { AdapterFixtures.removeTemporary(path) }
        try GGUFAdapterFile.write(adapter, configuration: configuration, to: path)
        let back = try GGUFAdapterFile.read(path: path)
        #expect(back.modules.count == 10 && back.configuration.scaling == 2)
        expectSameTensors(try back.permutedForRotary(configuration, to: .halfRotation), adapter)
    }
}

/// With HONE_ADAPTER_OUT set, writes the shared LoRA adapter through PEFTAdapterFile to that
/// directory and hone's last-position logits (base + merged adapter) for the prompt
/// [1, 403, 407, 261, 378] to `$HONE_ADAPTER_OUT.logits.json`, for scripts/check-peft; for a
/// LoRA (not DoRA) adapter also the llama.cpp export to `$HONE_ADAPTER_OUT.gguf`.
/// HONE_ADAPTER_SOURCE picks another shared adapter (default stories260K-peft-lora).
@Test("writes an adapter and hone's logits for scripts/check-peft (HONE_ADAPTER_OUT)",
      .enabled(if: ProcessInfo.processInfo.environment["HONE_ADAPTER_OUT"] != nil, "HONE_ADAPTER_OUT is not set"),
      .enabled(if: AdapterFixtures.has("stories260K-hf/model.safetensors") && AdapterFixtures.has("stories260K-peft-lora/adapter_model.safetensors"),
               AdapterFixtures.missingReason("stories260K-hf")))
func writeAdapterForCheckPEFT() throws {
    let out = ProcessInfo.processInfo.environment["HONE_ADAPTER_OUT"]!
    let source = ProcessInfo.processInfo.environment["HONE_ADAPTER_SOURCE"] ?? "stories260K-peft-lora"
    let adapter = try PEFTAdapterFile.read(directory: AdapterFixtures.path(source))
    try PEFTAdapterFile.write(adapter, to: out)
    let tokens = [1, 403, 407, 261, 378]
    let logits = try AdapterFixtures.mergedLogits(try PEFTAdapterFile.read(directory: out), tokens: tokens)
    let object: [String: Any] = ["prompt_token_ids": tokens, "last_logits": logits.map(Double.init)]
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: out + ".logits.json"))
    if !adapter.configuration.useDoRA {
        let configuration = try HuggingFaceDirectory.llamaConfiguration(configPath: AdapterFixtures.path("stories260K-hf/config.json"))
        try GGUFAdapterFile.write(adapter, configuration: configuration, to: out + ".gguf", name: source)
    }
}
