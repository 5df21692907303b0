import Foundation
import HoneModels
import HoneTensor
import Testing

/// stories260K in Hugging Face layout (`stories260K-hf`) against the llama2.c checkpoint and
/// `reference.json`: the q/k rotary permutation, logits and greedy decoding.
@Suite("stories260K from a Hugging Face directory", .enabled(if: SharedModels.has("stories260K-hf/model.safetensors") && SharedModels.has("stories260K/reference.json"), SharedModels.missingReason("stories260K-hf")))
struct HuggingFaceStories260KTests {
    static func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

    @Test("permuting llama2.c q/k rows to half rotation gives the HF q_proj/k_proj bit for bit, and back")
    func permutation() throws {
        let (configuration, bin) = try Llama2CReader.read(path: SharedModels.path("stories260K/stories260K.bin"))
        let hf = try SafeTensorsReader(path: SharedModels.path("stories260K-hf/model.safetensors"))
        for layer in 0..<configuration.numHiddenLayers {
            for (part, heads) in [("q_proj", configuration.numAttentionHeads), ("k_proj", configuration.numKeyValueHeads)] {
                let name = "model.layers.\(layer).self_attn.\(part).weight"
                let interleaved = try #require(bin[name])
                let expected = try hf.tensor(name)
                let half = RotaryPermutation.toHalfRotation(interleaved, heads: heads)
                #expect(half.shape == expected.shape)
                #expect(Self.bits(half) == Self.bits(expected), "\(name)")
                #expect(Self.bits(half) != Self.bits(interleaved), "\(name): the permutation should move rows")
                #expect(Self.bits(RotaryPermutation.toInterleaved(half, heads: heads)) == Self.bits(interleaved), "\(name) round trip")
                #expect(Self.bits(RotaryPermutation.toInterleaved(expected, heads: heads)) == Self.bits(interleaved), "\(name) HF → llama2.c")
            }
        }
        // Whole-model conversion: every weight equals the HF file.
        let (converted, weights) = RotaryPermutation.convert(weights: bin, configuration: configuration, to: .halfRotation)
        #expect(converted.rotaryLayout == .halfRotation)
        for name in hf.names where name != "lm_head.weight" {
            #expect(Self.bits(try #require(weights[name])) == Self.bits(try hf.tensor(name)), "\(name)")
        }
    }

    @Test("the permutation is the documented row order and the two directions are inverse")
    func rowOrder() {
        #expect(RotaryPermutation.rowOrder(heads: 2, headDim: 4, from: .interleaved, to: .halfRotation) == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(RotaryPermutation.rowOrder(heads: 1, headDim: 8, from: .interleaved, to: .halfRotation) == [0, 2, 4, 6, 1, 3, 5, 7])
        #expect(RotaryPermutation.rowOrder(heads: 1, headDim: 8, from: .halfRotation, to: .interleaved) == [0, 4, 1, 5, 2, 6, 3, 7])
        let w = Tensor(shape: [24, 3], values: (0..<72).map(Float.init))
        for heads in [1, 2, 3, 6] {
            let there = RotaryPermutation.toHalfRotation(w, heads: heads)
            #expect(RotaryPermutation.toInterleaved(there, heads: heads).scalars == w.scalars)
            #expect(RotaryPermutation.toHalfRotation(RotaryPermutation.toInterleaved(w, heads: heads), heads: heads).scalars == w.scalars)
        }
        let bias = Tensor(shape: [8], values: (0..<8).map(Float.init))
        #expect(RotaryPermutation.toHalfRotation(bias, heads: 1).scalars == [0, 2, 4, 6, 1, 3, 5, 7])
    }

    @Test("loads with the published configuration and half-rotation layout")
    func configuration() throws {
        let model = try HuggingFaceDirectory.loadLlama(path: SharedModels.path("stories260K-hf"))
        let c = model.configuration
        let sizes: [Int] = [c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads, c.vocabSize, c.maxPositionEmbeddings]
        #expect(sizes == [64, 172, 5, 8, 4, 512, 512])
        #expect(c.tieWordEmbeddings && c.rotaryLayout == .halfRotation)
        #expect(model.parameterCount == 260_032)
    }

    @Test("last-position logits within 1e-4 of reference.json; greedy continuations identical")
    func logitsAndGreedy() throws {
        let model = try HuggingFaceDirectory.loadLlama(path: SharedModels.path("stories260K-hf"))
        var worst = 0.0
        for c in try Stories260KTests.reference().cases {
            let logits = GradMode.withoutGradients { model.forward(tokens: c.promptIDs) }
            let last = logits.sliced(axis: 0, (c.promptIDs.count - 1)..<c.promptIDs.count).scalars
            #expect(last.count == c.lastLogits.count)
            let error = zip(last, c.lastLogits).map { abs(Double($0) - $1) }.max()!
            worst = max(worst, error)
            #expect(error <= 1e-4, "\(c.prompt): max abs logit error \(error)")
            #expect(greedyTokens(model, c.promptIDs, 20) == c.greedy, "\(c.prompt)")
        }
        print("stories260K (Hugging Face directory): max abs last-position logit error vs reference.json = \(worst)")
    }

    @Test("a sharded copy (index + two shards) loads to the same weights")
    func sharded() throws {
        let directory = NSTemporaryDirectory() + "hone-hf-sharded-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = SharedModels.path("stories260K-hf")
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: directory + "/config.json")
        let reader = try SafeTensorsReader(path: source + "/model.safetensors")
        let first = reader.names.filter { !$0.hasPrefix("model.layers.") || $0.hasPrefix("model.layers.0.") }
        let second = reader.names.filter { !first.contains($0) }
        var map: [String: String] = [:]
        for (file, names) in [("model-00001-of-00002.safetensors", first), ("model-00002-of-00002.safetensors", second)] {
            try SafeTensorsWriterShim.write(names.map { ($0, try reader.tensor($0)) }, to: directory + "/" + file)
            for n in names { map[n] = file }
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [String: Any](), "weight_map": map])
        try index.write(to: URL(fileURLWithPath: directory + "/model.safetensors.index.json"))
        let sharded = try HuggingFaceDirectory.loadLlama(path: directory)
        let single = try HuggingFaceDirectory.loadLlama(path: source)
        for (name, tensor) in single.weights {
            #expect(sharded.weights[name]?.scalars == tensor.scalars, "\(name)")
        }
        // A weight_map naming a missing shard is refused, naming the index and a tensor.
        try FileManager.default.removeItem(atPath: directory + "/model-00002-of-00002.safetensors")
        do {
            _ = try HuggingFaceDirectory.loadLlama(path: directory)
            Issue.record("a missing shard was accepted")
        } catch let error as CheckpointError {
            #expect(error.file.hasSuffix("model.safetensors.index.json") && error.tensor != nil && error.message.contains("missing"), "\(error)")
        }
    }
}

/// Writes a minimal F32 safetensors file, independent of hone's writer, for sharding tests.
enum SafeTensorsWriterShim {
    static func write(_ tensors: [(String, Tensor)], to path: String) throws {
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for (name, tensor) in tensors {
            let begin = data.count
            for v in tensor.scalars { data += withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, data.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init)
        bytes += [UInt8](json) + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// Configurations and directories that must be refused, by name; pickles refused with the reason.
@Suite("Hugging Face directories and pickles are refused with reasons")
struct HuggingFaceRefusalTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "hone-hf-refuse-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    nonisolated(unsafe) static let baseConfig: [String: Any] = [
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8, "intermediate_size": 12,
        "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 16,
        "max_position_embeddings": 8, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": NSNull(),
        "tie_word_embeddings": true, "hidden_act": "silu",
    ]

    func makeDirectory(_ name: String, config: [String: Any]?, files: [String: [UInt8]] = [:]) throws -> String {
        let d = directory + "/" + name
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        if let config {
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: d + "/config.json"))
        }
        for (file, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: d + "/" + file)) }
        return d
    }

    func refusal(_ path: String) -> CheckpointError? {
        do {
            _ = try HuggingFaceDirectory.loadLlama(path: path)
            return nil
        } catch let error as CheckpointError {
            return error
        } catch {
            Issue.record("not a CheckpointError: \(error)")
            return nil
        }
    }

    /// A tiny valid safetensors model for `baseConfig`.
    static func tinyWeights() throws -> [UInt8] {
        let cfg = try DecoderFamily.configuration(json: baseConfig, path: "config.json")
        let path = NSTemporaryDirectory() + "hone-hf-tiny-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tensors = cfg.parameterShapes.enumerated().map { i, entry in
            (entry.name, Tensor(shape: entry.shape, values: (0..<entry.shape.reduce(1, *)).map { Float(($0 + i) % 5) * 0.05 }))
        }
        try SafeTensorsWriterShim.write(tensors, to: path)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("a tiny valid directory loads and runs")
    func valid() throws {
        let d = try makeDirectory("ok", config: Self.baseConfig, files: ["model.safetensors": try Self.tinyWeights()])
        let model = try HuggingFaceDirectory.loadLlama(path: d)
        #expect(model.configuration.rotaryLayout == .halfRotation)
        #expect(model.forward(tokens: [1, 2, 3]).shape == [3, 16])
    }

    @Test("other model types, architectures and unimplemented features are refused by name")
    func refusedConfigs() throws {
        let weights = try Self.tinyWeights()
        let cases: [(String, [String: Any], [String])] = [
            ("gpt2", ["model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]], ["`gpt2`", "supported", "llama"]),
            ("arch", ["architectures": ["LlamaForSequenceClassification"]], ["LlamaForSequenceClassification", "supported"]),
            ("rope", ["rope_scaling": ["type": "mrope", "factor": 2.0]], ["rope_scaling", "mrope"]),
            ("ropekey", ["rope_parameters": ["rope_type": "linear", "factr": 2.0]], ["rope_parameters.factr", "did you mean `factor`"]),
            ("v5theta", ["rope_theta": 10000.0, "rope_parameters": ["rope_type": "default", "rope_theta": 500000.0]], ["rope_theta", "500000"]),
            ("unknown", ["attn_temperature": 0.7], ["attn_temperature", "0.7"]),
            ("nearmiss", ["tie_word_embedding": true], ["tie_word_embedding", "did you mean `tie_word_embeddings`"]),
            ("moe", ["model_type": "mixtral"], ["mixtral", "mixture of experts"]),
            ("dropout", ["attention_dropout": 0.1], ["attention_dropout", "0.1"]),
            ("window", ["sliding_window": 4], ["sliding_window", "4"]),
            ("mlpbias", ["mlp_bias": true], ["mlp_bias"]),
            ("act", ["hidden_act": "gelu"], ["hidden_act", "gelu"]),
            ("missing", ["hidden_size": NSNull()], ["hidden_size"]),
        ]
        for (name, changes, fragments) in cases {
            let config = Self.baseConfig.merging(changes) { $1 }
            let d = try makeDirectory(name, config: config, files: ["model.safetensors": weights])
            let error = refusal(d)
            #expect(error?.file == d + "/config.json", "\(name): \(String(describing: error))")
            for fragment in fragments {
                #expect(error?.description.contains(fragment) == true, "\(name): \(String(describing: error)) lacks \(fragment)")
            }
        }
        let noConfig = try makeDirectory("noconfig", config: nil, files: ["model.safetensors": weights])
        #expect(refusal(noConfig)?.file == noConfig + "/config.json")
        let noWeights = try makeDirectory("noweights", config: Self.baseConfig)
        #expect(refusal(noWeights)?.description.contains("model.safetensors") == true)
    }

    @Test("a tensor with the wrong shape is refused, naming it")
    func wrongShape() throws {
        var config = Self.baseConfig
        config["intermediate_size"] = 10
        let d = try makeDirectory("shape", config: config, files: ["model.safetensors": try Self.tinyWeights()])
        let error = refusal(d)
        #expect(error?.file == d + "/model.safetensors" && error?.tensor == "model.layers.0.mlp.gate_proj.weight", "\(String(describing: error))")
    }

    static let zipPickle: [UInt8] = Array("PK".utf8) + [3, 4, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 22) + Array("archive/data.pkl".utf8) + [0x80, 2, 0x7D, 0x71, 0, 0x2E]
    static let rawPickle: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    static let rawPickle4: [UInt8] = [0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7D, 0x94, 0x2E]

    @Test("pickles are refused with the reason and a conversion command")
    func pickles() throws {
        let d = try makeDirectory("pickles", config: nil, files: [
            "zip.bin": Self.zipPickle, "raw.bin": Self.rawPickle, "raw4.bin": Self.rawPickle4,
            "model.pt": [1, 2, 3], "model.pth": Self.zipPickle, "x.pkl": Self.rawPickle, "x.ckpt": [0],
        ])
        for file in ["zip.bin", "raw.bin", "raw4.bin", "model.pt", "model.pth", "x.pkl", "x.ckpt"] {
            let path = d + "/" + file
            do {
                try PickleRefusal.check(path: path)
                Issue.record("\(file) was not refused")
            } catch let error as CheckpointError {
                #expect(error.file == path)
                #expect(error.message.contains("arbitrary code"), "\(error)")
                #expect(error.message.contains("safe_serialization=True") && error.message.contains("safetensors"), "\(error)")
            }
        }
    }

    @Test("a llama2.c .bin, a zip without data.pkl and other bytes are not taken for pickles")
    func notPickles() throws {
        func int32s(_ values: [Int32]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) } }
        let d = try makeDirectory("notpickles", config: nil, files: [
            "stories.bin": int32s([64, 172, 5, 8, 4, 512, 512]) + [UInt8](repeating: 0, count: 64),
            "dim128.bin": int32s([128, 256, 2, 4, 4, 32, 16]),
            "dim640.bin": int32s([640, 1024, 2, 4, 4, 32, 16]),  // starts 0x80 0x02 0x00: not a pickle
            "v1.bin": int32s([0x616b_3432, 1, 64]),
            "plain.zip.bin": Array("PK".utf8) + [3, 4] + Array("readme.txt".utf8),
            "empty.bin": [],
        ])
        for file in ["stories.bin", "dim128.bin", "dim640.bin", "v1.bin", "plain.zip.bin", "empty.bin", "missing.bin"] {
            do {
                try PickleRefusal.check(path: d + "/" + file)
            } catch {
                Issue.record("\(file) was refused: \(error)")
            }
        }
        if SharedModels.has("stories260K/stories260K.bin") {
            try PickleRefusal.check(path: SharedModels.path("stories260K/stories260K.bin"))
        }
    }

    @Test("a directory holding only pickled weights is refused through PickleRefusal")
    func pickleDirectory() throws {
        for (name, file, bytes) in [("ptbin", "pytorch_model.bin", Self.zipPickle), ("pt", "consolidated.00.pth", Self.zipPickle), ("legacy", "pytorch_model.bin", Self.rawPickle)] {
            let d = try makeDirectory(name, config: Self.baseConfig, files: [file: bytes])
            let error = refusal(d)
            #expect(error?.file == d + "/" + file && error?.message.contains("arbitrary code") == true, "\(name): \(String(describing: error))")
        }
        // Given a pickle file instead of a directory: refused the same way.
        let d = try makeDirectory("file", config: nil, files: ["pytorch_model.bin": Self.zipPickle])
        #expect(refusal(d + "/pytorch_model.bin")?.message.contains("arbitrary code") == true)
    }
}
