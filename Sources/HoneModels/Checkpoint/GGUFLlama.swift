// Llama models in GGUF files: the `llama.*` metadata ↔ `LlamaConfiguration`, and llama.cpp's
// tensor names ↔ Hugging Face's. GGUF keeps q/k rows in the interleaved rotary layout (Meta,
// llama2.c; llama.cpp's converter permutes Hugging Face checkpoints into it), so models read from
// GGUF run with `rotaryLayout = .interleaved`, and models holding the half-rotation layout are
// permuted when written.
import Foundation
import HoneTensor

public enum GGUFLlama {
    /// The `general.architecture` values this loader reads.
    public static let supportedArchitectures = ["llama"]

    // MARK: - Names

    /// Hugging Face name → llama.cpp name for the non-layer tensors.
    static let globalNames: [(hf: String, gguf: String)] = [
        ("model.embed_tokens.weight", "token_embd.weight"),
        ("model.norm.weight", "output_norm.weight"),
        ("lm_head.weight", "output.weight"),
    ]

    /// Hugging Face module inside `model.layers.N.` → llama.cpp module inside `blk.N.`.
    static let layerNames: [(hf: String, gguf: String)] = [
        ("self_attn.q_proj", "attn_q"),
        ("self_attn.k_proj", "attn_k"),
        ("self_attn.v_proj", "attn_v"),
        ("self_attn.o_proj", "attn_output"),
        ("input_layernorm", "attn_norm"),
        ("mlp.gate_proj", "ffn_gate"),
        ("mlp.down_proj", "ffn_down"),
        ("mlp.up_proj", "ffn_up"),
        ("post_attention_layernorm", "ffn_norm"),
    ]

    /// The order llama.cpp's converter writes a block's tensors in (by llama.cpp module name).
    static let blockOrder = ["attn_q", "attn_k", "attn_v", "attn_output", "attn_norm", "ffn_gate", "ffn_down", "ffn_up", "ffn_norm"]

    /// The llama.cpp name of a Hugging Face Llama tensor name (`.weight` or `.bias`), or nil.
    public static func ggufName(huggingFace name: String) -> String? {
        if let global = globalNames.first(where: { $0.hf == name }) { return global.gguf }
        guard let (layer, module, suffix) = split(name, prefix: "model.layers."),
              let mapped = layerNames.first(where: { $0.hf == module }) else { return nil }
        return "blk.\(layer).\(mapped.gguf).\(suffix)"
    }

    /// The Hugging Face name of a llama.cpp Llama tensor name (`.weight` or `.bias`), or nil.
    public static func huggingFaceName(gguf name: String) -> String? {
        if let global = globalNames.first(where: { $0.gguf == name }) { return global.hf }
        guard let (layer, module, suffix) = split(name, prefix: "blk."),
              let mapped = layerNames.first(where: { $0.gguf == module }) else { return nil }
        return "model.layers.\(layer).\(mapped.hf).\(suffix)"
    }

    /// `prefix` N `.` module `.` (weight|bias) → (N, module, suffix).
    private static func split(_ name: String, prefix: String) -> (Int, String, String)? {
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0,
              String(layer) == rest[..<dot] else { return nil }
        let tail = rest[rest.index(after: dot)...]
        guard let last = tail.lastIndex(of: ".") else { return nil }
        let suffix = String(tail[tail.index(after: last)...])
        guard suffix == "weight" || suffix == "bias" else { return nil }
        return (layer, String(tail[..<last]), suffix)
    }

    // MARK: - Reading

    /// The model in the GGUF file at `path`, with q/k in the interleaved layout.
    /// Whether two float32 tensors of one shape hold the same bytes, compared in place (a copy
    /// of a 7B model's head and embedding would be a gigabyte).
    static func sameValues(_ a: Tensor, _ b: Tensor) -> Bool {
        let (x, y) = (a.contiguous().converted(to: .float32), b.contiguous().converted(to: .float32))
        return withExtendedLifetime((x, y)) { memcmp(x.pointer, y.pointer, x.count * 4) == 0 }
    }

    public static func load(path: String) throws -> LlamaModel {
        let (configuration, weights) = try read(path: path)
        return try LlamaModel(configuration: configuration, weights: weights, file: path)
    }

    /// The configuration (from `llama.*` metadata) and float32 weights (Hugging Face names) of
    /// the GGUF file at `path`. Refuses other architectures, rope scaling and tensors it does
    /// not know, by name.
    public static func read(path: String) throws -> (LlamaConfiguration, [String: Tensor]) {
        let reader = try GGUFReader(path: path)
        var configuration = try llamaConfiguration(of: reader)
        var weights: [String: Tensor] = [:]
        for name in reader.tensorNames {
            guard let hf = huggingFaceName(gguf: name) else {
                var message = "is not a Llama tensor hone knows (it reads token_embd, output_norm, output and blk.N.{\(blockOrder.joined(separator: ","))} weights and q/k/v/o biases)"
                if name == "rope_freqs.weight" { message = "holds rope frequency factors (Llama 3.1-style rope scaling), which hone does not implement" }
                throw CheckpointError(file: path, tensor: name, message)
            }
            weights[hf] = try reader.tensor(name)
        }
        if let embedding = weights["model.embed_tokens.weight"], embedding.shape.count == 2 {
            configuration.vocabSize = embedding.shape[0]
        } else {
            throw CheckpointError(file: path, tensor: "token_embd.weight", "missing or not a matrix; a Llama GGUF needs the token embedding")
        }
        if let declared = reader.metadata["llama.vocab_size"]?.int, declared != configuration.vocabSize {
            throw CheckpointError(file: path, tensor: "token_embd.weight",
                "has \(configuration.vocabSize) rows but `llama.vocab_size` is \(declared)")
        }
        if let tokens = reader.metadata["tokenizer.ggml.tokens"]?.array, tokens.count > configuration.vocabSize {
            throw CheckpointError(file: path, tensor: "token_embd.weight",
                "has \(configuration.vocabSize) rows but the tokenizer has \(tokens.count) tokens")
        }
        if let output = weights["lm_head.weight"], let embedding = weights["model.embed_tokens.weight"] {
            configuration.tieWordEmbeddings = output.shape == embedding.shape && Self.sameValues(output, embedding)
            if configuration.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        } else {
            configuration.tieWordEmbeddings = true
        }
        try configuration.validate(file: path)
        return (configuration, weights)
    }

    /// The configuration that `llama.*` metadata describes (vocabulary size 0 until the
    /// embedding is read).
    static func llamaConfiguration(of reader: GGUFReader) throws -> LlamaConfiguration {
        let path = reader.path
        let supported = "supported: \(supportedArchitectures.joined(separator: ", "))"
        guard let architecture = reader.metadata["general.architecture"] else {
            throw CheckpointError(file: path, "has no `general.architecture`; \(supported)")
        }
        guard let name = architecture.string, supportedArchitectures.contains(name) else {
            throw CheckpointError(file: path, "general.architecture is \(architecture), which hone does not load; \(supported)")
        }
        func integer(_ key: String, default value: Int? = nil) throws -> Int {
            guard let stored = reader.metadata["llama." + key] else {
                if let value { return value }
                throw CheckpointError(file: path, "has no `llama.\(key)`, which a Llama GGUF needs")
            }
            guard let int = stored.int, int > 0 else {
                throw CheckpointError(file: path, "`llama.\(key)` is \(stored), expected a positive integer")
            }
            return int
        }
        func number(_ key: String, default value: Double? = nil) throws -> Double {
            guard let stored = reader.metadata["llama." + key] else {
                if let value { return value }
                throw CheckpointError(file: path, "has no `llama.\(key)`, which a Llama GGUF needs")
            }
            guard let double = stored.double, double > 0, double.isFinite else {
                throw CheckpointError(file: path, "`llama.\(key)` is \(stored), expected a positive number")
            }
            return double
        }
        if let scaling = reader.metadata["llama.rope.scaling.type"], scaling.string != "none" {
            throw CheckpointError(file: path, "`llama.rope.scaling.type` is \(scaling); hone implements only unscaled rotary embeddings (type none)")
        }
        for key in ["llama.expert_count", "llama.attention.sliding_window"] {
            if let value = reader.metadata[key], value.int != 0 {
                throw CheckpointError(file: path, "`\(key)` is \(value); hone's Llama implements neither mixture of experts nor sliding-window attention")
            }
        }
        let hidden = try integer("embedding_length")
        let heads = try integer("attention.head_count")
        // key_length is the head size when it differs from embedding_length / head_count.
        let keyLength = reader.metadata["llama.attention.key_length"]?.int
        if let keyLength, let valueLength = reader.metadata["llama.attention.value_length"]?.int, valueLength != keyLength {
            throw CheckpointError(file: path, "`llama.attention.value_length` is \(valueLength), not key_length \(keyLength); hone's Llama needs equal query/key and value head sizes")
        }
        let configuration = LlamaConfiguration(
            hiddenSize: hidden,
            intermediateSize: try integer("feed_forward_length"),
            numHiddenLayers: try integer("block_count"),
            numAttentionHeads: heads,
            numKeyValueHeads: try integer("attention.head_count_kv", default: heads),
            vocabSize: 1,
            maxPositionEmbeddings: try integer("context_length", default: 2048),
            rmsNormEps: Float(try number("attention.layer_norm_rms_epsilon")),
            ropeTheta: Float(try number("rope.freq_base", default: 10000)),
            tieWordEmbeddings: true,
            headDim: keyLength,
            queryKeyValueBias: reader.contains("blk.0.attn_q.bias"),
            outputBias: reader.contains("blk.0.attn_output.bias"),
            rotaryLayout: .interleaved)
        try configuration.validate(file: path)
        let headDim = configuration.headDim
        if let rope = reader.metadata["llama.rope.dimension_count"], rope.int != headDim {
            throw CheckpointError(file: path, "`llama.rope.dimension_count` is \(rope), not the head size \(headDim); hone implements rotary embeddings over whole heads only")
        }
        return configuration
    }

    // MARK: - Writing

    /// The `llama.*` and `general.*` metadata that describes `configuration` (before the tokenizer's).
    public static func metadata(for configuration: LlamaConfiguration, name: String?, f16: Bool) -> [(key: String, value: GGUFValue)] {
        let c = configuration
        // GGUF writes these sizes as u32 (as llama.cpp does); larger ones would not load anywhere.
        func u32(_ n: Int) -> GGUFValue { UInt32(exactly: n).map(GGUFValue.uint32) ?? .uint64(UInt64(max(0, n))) }
        var items: [(key: String, value: GGUFValue)] = [("general.architecture", .string("llama"))]
        if let name { items.append(("general.name", .string(name))) }
        items += [
            ("llama.context_length", u32(c.maxPositionEmbeddings)),
            ("llama.embedding_length", u32(c.hiddenSize)),
            ("llama.feed_forward_length", u32(c.intermediateSize)),
            ("llama.attention.head_count", u32(c.numAttentionHeads)),
            ("llama.attention.head_count_kv", u32(c.numKeyValueHeads)),
            ("llama.block_count", u32(c.numHiddenLayers)),
            ("llama.rope.dimension_count", u32(c.headDim)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps)),
            ("llama.rope.freq_base", .float32(c.ropeTheta)),
            ("llama.vocab_size", u32(c.vocabSize)),
        ]
        // llama.cpp assumes embedding_length / head_count unless told otherwise.
        if c.headDim * c.numAttentionHeads != c.hiddenSize {
            items += [("llama.attention.key_length", u32(c.headDim)), ("llama.attention.value_length", u32(c.headDim))]
        }
        items += [
            // llama_ftype: 0 = all F32, 1 = mostly F16.
            ("general.file_type", .uint32(f16 ? 1 : 0)),
        ]
        return items
    }

    /// The tensors of `model` under llama.cpp names, in the order llama.cpp's converter writes
    /// them, with q/k (and their biases) in the interleaved layout and `output.weight` present
    /// even when the embeddings are tied.
    public static func tensors(of model: LlamaModel) throws -> [(name: String, tensor: Tensor)] {
        var weights: [String: Tensor] = [:]
        for (name, tensor) in model.parameters { weights[name] = tensor }
        let (configuration, converted) = RotaryPermutation.convert(weights: weights, configuration: model.configuration, to: .interleaved)
        weights = converted
        if weights["lm_head.weight"] == nil || configuration.tieWordEmbeddings {
            weights["lm_head.weight"] = weights["model.embed_tokens.weight"]
        }
        var byGGUF: [String: Tensor] = [:]
        for (name, tensor) in weights {
            guard let gguf = ggufName(huggingFace: name) else {
                throw CheckpointError(file: "<model>", tensor: name, "has no llama.cpp name; hone writes Llama weights and q/k/v/o biases only")
            }
            byGGUF[gguf] = tensor
        }
        var order = ["token_embd.weight", "output_norm.weight", "output.weight"]
        for layer in 0..<configuration.numHiddenLayers {
            for module in blockOrder { order += ["blk.\(layer).\(module).weight", "blk.\(layer).\(module).bias"] }
        }
        var result: [(name: String, tensor: Tensor)] = []
        for name in order {
            if let tensor = byGGUF.removeValue(forKey: name) { result.append((name, tensor)) }
        }
        result += byGGUF.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return result
    }

    /// Writes `model` as a GGUF v3 file at `path` (atomically): `general.architecture` llama,
    /// `general.name`, the `llama.*` keys, then `tokenizerMetadata` as given, then the tensors.
    /// With `f16`, matrices are stored as F16 and 1-D tensors (norms, biases) as F32. A
    /// `chatTemplate` is stored as `tokenizer.chat_template`, which llama.cpp applies.
    public static func write(
        model: LlamaModel, tokenizerMetadata: [(key: String, value: GGUFValue)], chatTemplate: String? = nil, to path: String,
        f16: Bool = false, name: String?
    ) throws {
        let tokenizerMetadata = chatTemplate.map { ChatTemplateFiles.ggufMetadata(tokenizerMetadata, adding: $0) } ?? tokenizerMetadata
        var writer = GGUFWriter(f16Matrices: f16)
        for (key, value) in metadata(for: model.configuration, name: name, f16: f16) { writer.add(key, value) }
        for (key, value) in tokenizerMetadata {
            guard !key.hasPrefix("llama."), key != "general.architecture" else {
                throw CheckpointError(file: path, "the tokenizer metadata sets `\(key)`, which the model's configuration decides")
            }
            writer.add(key, value)
        }
        for (name, tensor) in try tensors(of: model) { writer.add(tensor: name, tensor) }
        try writer.write(to: path)
    }
}
