// Decoder models in GGUF files: the `{arch}.*` metadata ↔ `DecoderConfiguration`, and llama.cpp's
// tensor names ↔ Hugging Face's, for every family with a `GGUFNaming`. Llama-style families
// (llama, smollm3, granite) keep q/k rows in the interleaved rotary layout (llama.cpp's converter
// permutes Hugging Face checkpoints into it), so they run from GGUF with `rotaryLayout =
// .interleaved`; NEOX-rope families (qwen2, qwen3, gemma*, phi3, olmo2) keep Hugging Face's rows.
// Gemma's norm weights are stored with the 1 added, as llama.cpp's converter stores them.
//
// hone also writes `hone.config`, the model's config.json, so that a file hone wrote loads back
// with every setting exact (sliding layers, rotary scaling, multipliers) even where llama.cpp's
// keys say less; files from llama.cpp's converter are read from the standard keys.
import Foundation
import HoneTensor

public enum GGUFLlama {
    /// The `general.architecture` values this loader reads.
    public static var supportedArchitectures: [String] {
        var seen: [String] = []
        for family in DecoderFamily.all { if let name = family.gguf?.architecture, !seen.contains(name) { seen.append(name) } }
        return seen
    }

    /// The metadata key holding the Hugging Face config.json hone saved the model with.
    public static let configKey = "hone.config"

    // MARK: - Names

    /// Hugging Face name → llama.cpp name for the non-layer tensors.
    static let globalNames: [(hf: String, gguf: String)] = [
        ("model.embed_tokens.weight", "token_embd.weight"),
        ("model.norm.weight", "output_norm.weight"),
        ("lm_head.weight", "output.weight"),
    ]

    /// Hugging Face module inside `model.layers.N.` → llama.cpp module inside `blk.N.`. The
    /// linear layers are named alike in every family; the norms after attention and the MLP
    /// depend on where the family puts them (`BlockLayout`).
    static func layerNames(_ layout: BlockLayout = .preNorm) -> [(hf: String, gguf: String)] {
        var names: [(hf: String, gguf: String)] = [
            ("self_attn.q_proj", "attn_q"),
            ("self_attn.k_proj", "attn_k"),
            ("self_attn.v_proj", "attn_v"),
            ("self_attn.qkv_proj", "attn_qkv"),
            ("self_attn.o_proj", "attn_output"),
            ("self_attn.q_norm", "attn_q_norm"),
            ("self_attn.k_norm", "attn_k_norm"),
            ("input_layernorm", "attn_norm"),
            ("mlp.gate_proj", "ffn_gate"),
            ("mlp.down_proj", "ffn_down"),
            ("mlp.up_proj", "ffn_up"),
            // Phi-3's gate and up, gate first: llama.cpp splits ffn_up in halves for SwiGLU.
            ("mlp.gate_up_proj", "ffn_up"),
        ]
        switch layout {
        case .preNorm: names.append(("post_attention_layernorm", "ffn_norm"))
        case .sandwich:
            names += [("post_attention_layernorm", "post_attention_norm"), ("pre_feedforward_layernorm", "ffn_norm"),
                      ("post_feedforward_layernorm", "post_ffw_norm")]
        case .postNorm:
            names += [("post_attention_layernorm", "post_attention_norm"), ("post_feedforward_layernorm", "post_ffw_norm")]
        }
        return names
    }

    /// The order llama.cpp's converter writes a block's tensors in (by llama.cpp module name).
    static let blockOrder = ["attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "attn_q_norm", "attn_k_norm", "attn_norm",
                             "post_attention_norm", "ffn_gate", "ffn_down", "ffn_up", "ffn_norm", "post_ffw_norm"]

    /// The llama.cpp name of a Hugging Face tensor name (`.weight` or `.bias`), or nil.
    public static func ggufName(huggingFace name: String, layout: BlockLayout = .preNorm) -> String? {
        if let global = globalNames.first(where: { $0.hf == name }) { return global.gguf }
        guard let (layer, module, suffix) = split(name, prefix: "model.layers."),
              let mapped = layerNames(layout).first(where: { $0.hf == module }) else { return nil }
        return "blk.\(layer).\(mapped.gguf).\(suffix)"
    }

    /// The Hugging Face name of a llama.cpp tensor name (`.weight` or `.bias`), or nil. `fused`
    /// says whether `ffn_up` is Phi-3's fused gate and up.
    public static func huggingFaceName(gguf name: String, layout: BlockLayout = .preNorm, fused: Bool = false) -> String? {
        if let global = globalNames.first(where: { $0.gguf == name }) { return global.hf }
        guard let (layer, module, suffix) = split(name, prefix: "blk.") else { return nil }
        let candidates = layerNames(layout).filter { $0.gguf == module }
        guard let mapped = candidates.first(where: { module != "ffn_up" || ($0.hf == "mlp.gate_up_proj") == fused }) else { return nil }
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

    /// Whether two float32 tensors of one shape hold the same bytes, compared in place (a copy
    /// of a 7B model's head and embedding would be a gigabyte).
    static func sameValues(_ a: Tensor, _ b: Tensor) -> Bool {
        let (x, y) = (a.contiguous().converted(to: .float32), b.contiguous().converted(to: .float32))
        return withExtendedLifetime((x, y)) { memcmp(x.pointer, y.pointer, x.count * 4) == 0 }
    }

    /// The model in the file. With `keepsQuantizedBlocks`, linear weights stored as Q8_0 or
    /// Q4_0 stay in their blocks (`quantizedWeights`); without it every weight is float32.
    public static func load(path: String, keepsQuantizedBlocks: Bool = false) throws -> DecoderModel {
        try loadReporting(path: path, keepsQuantizedBlocks: keepsQuantizedBlocks).model
    }

    /// `load`, with the formats of the weights kept in their blocks, by Hugging Face name.
    public static func loadReporting(path: String, keepsQuantizedBlocks: Bool) throws -> (model: DecoderModel, keptQuantized: [String: QuantizationFormat]) {
        let reader = try GGUFReader(path: path)
        let (configuration, weights, fileLayout) = try read(reader)
        let model = try DecoderModel(configuration: configuration, weights: weights, file: path)
        guard keepsQuantizedBlocks else { return (model, [:]) }
        return (model, try keepQuantizedBlocks(of: reader, in: model, sourceLayout: fileLayout))
    }

    /// Tensors that hold rotary factors llama.cpp applies (Llama 3.1's `rope_freqs`, LongRoPE's
    /// two sets): derived from the configuration, so compared with it rather than loaded.
    static let rotaryFactorTensors = ["rope_freqs.weight", "rope_factors_long.weight", "rope_factors_short.weight"]

    /// The configuration and float32 weights (Hugging Face names) of the GGUF file at `path`.
    /// Refuses other architectures, settings and tensors it does not know, by name.
    public static func read(path: String) throws -> (DecoderConfiguration, [String: Tensor]) {
        let (configuration, weights, _) = try read(try GGUFReader(path: path))
        return (configuration, weights)
    }

    /// `read(path:)` from an open reader, with the rotary layout the file's q/k rows are in
    /// (the returned weights are in half rotation).
    static func read(_ reader: GGUFReader) throws -> (DecoderConfiguration, [String: Tensor], fileLayout: RotaryLayout) {
        let path = reader.path
        var configuration = try decoderConfiguration(of: reader)
        let fileLayout = configuration.rotaryLayout
        let family = configuration.family, layout = family.traits.blockLayout
        var weights: [String: Tensor] = [:]
        let expectedFactors = rotaryFactors(configuration)
        for name in reader.tensorNames {
            if rotaryFactorTensors.contains(name) {
                guard let expected = expectedFactors[name] else {
                    throw CheckpointError(file: path, tensor: name, "holds rotary (rope) frequency factors, but the file's settings do not say how they were made (hone reads them only beside `\(configKey)`)")
                }
                let stored = try reader.tensor(name).scalars
                guard stored.count == expected.count, zip(stored, expected).allSatisfy({ abs($0 - $1) <= 1e-6 * max(1, abs($1)) }) else {
                    throw CheckpointError(file: path, tensor: name, "differs from the factors `\(configKey)` implies")
                }
                continue
            }
            guard let hf = huggingFaceName(gguf: name, layout: layout, fused: family.traits.fusedProjections) else {
                let message = "is not a \(family.displayName) tensor hone knows (it reads token_embd, output_norm, output and blk.N.{\(blockOrder.joined(separator: ","))} weights and biases)"
                throw CheckpointError(file: path, tensor: name, message)
            }
            var tensor = try reader.tensor(name)
            // llama.cpp's converter stores Gemma's norms with the 1 added; hone keeps Hugging Face's w.
            if family.gguf?.storesNormWithOffset == true, hf.hasSuffix("norm.weight") {
                tensor = tensor.converted(to: .float32) + Tensor(shape: tensor.shape, repeating: -family.traits.normWeightOffset)
            }
            weights[hf] = tensor
        }
        guard let embedding = weights["model.embed_tokens.weight"], embedding.shape.count == 2 else {
            throw CheckpointError(file: path, tensor: "token_embd.weight", "missing or not a matrix; a GGUF model needs the token embedding")
        }
        if reader.metadata[configKey] == nil { configuration.vocabSize = embedding.shape[0] }
        let prefix = family.gguf!.architecture + "."
        if let declared = reader.metadata[prefix + "vocab_size"]?.int, declared != configuration.vocabSize {
            throw CheckpointError(file: path, tensor: "token_embd.weight",
                "has \(configuration.vocabSize) rows but `\(prefix)vocab_size` is \(declared)")
        }
        if let tokens = reader.metadata["tokenizer.ggml.tokens"]?.array, tokens.count > configuration.vocabSize {
            throw CheckpointError(file: path, tensor: "token_embd.weight",
                "has \(configuration.vocabSize) rows but the tokenizer has \(tokens.count) tokens")
        }
        if reader.metadata[configKey] != nil {
            if configuration.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        } else if let output = weights["lm_head.weight"] {
            configuration.tieWordEmbeddings = output.shape == embedding.shape && Self.sameValues(output, embedding)
            if configuration.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        } else {
            configuration.tieWordEmbeddings = true
        }
        try configuration.validate(file: path)
        try checkRotaryRows(weights, configuration, file: path)
        // hone runs q/k in Hugging Face's layout: the same sums in the same order as the
        // checkpoint the GGUF came from, so a GGUF round trip gives the same logits bit for bit.
        let (converted, halfRotation) = RotaryPermutation.convert(weights: weights, configuration: configuration, to: .halfRotation)
        return (converted, halfRotation, fileLayout)
    }

    /// Refuses q/k weights and biases whose rows are not the configuration's heads × head size,
    /// before their rows are reordered per head (which needs exactly that many); the rest of
    /// each shape is checked with every other weight when the model is made.
    static func checkRotaryRows(_ weights: [String: Tensor], _ configuration: DecoderConfiguration, file: String) throws {
        for layer in 0..<configuration.numHiddenLayers {
            for (part, rows) in [("q_proj", configuration.queryDim), ("k_proj", configuration.kvDim)] {
                for suffix in [".weight", ".bias"] {
                    let name = "model.layers.\(layer).self_attn.\(part)\(suffix)"
                    guard let tensor = weights[name] else { continue }
                    guard tensor.shape.first == rows, configuration.headDim % 2 == 0 else {
                        let gguf = ggufName(huggingFace: name) ?? name
                        throw CheckpointError(file: file, tensor: gguf,
                            "has shape \(tensor.shape), but the settings give \(rows) rows (\(part == "q_proj" ? configuration.numAttentionHeads : configuration.numKeyValueHeads) heads × head size \(configuration.headDim), which must be even)")
                    }
                }
            }
        }
    }

    /// The configuration the metadata describes: `hone.config` when hone wrote the file (checked
    /// against the llama.cpp keys), else the llama.cpp keys alone (vocabulary size 0 until the
    /// embedding is read).
    static func decoderConfiguration(of reader: GGUFReader) throws -> DecoderConfiguration {
        let path = reader.path
        let supported = "supported: \(supportedArchitectures.joined(separator: ", "))"
        guard let architecture = reader.metadata["general.architecture"] else {
            throw CheckpointError(file: path, "has no `general.architecture`; \(supported)")
        }
        guard let name = architecture.string, supportedArchitectures.contains(name) else {
            throw CheckpointError(file: path, "general.architecture is \(architecture), which hone does not load; \(supported)")
        }
        let standard = try standardConfiguration(of: reader, architecture: name)
        guard let saved = reader.metadata[configKey] else { return standard }
        guard let text = saved.string, let data = text.data(using: .utf8),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError(file: path, "`\(configKey)` is not a config.json object")
        }
        var configuration = try DecoderFamily.configuration(json: json, path: path + " (\(configKey))")
        guard configuration.family.gguf?.architecture == name else {
            throw CheckpointError(file: path, "`\(configKey)` describes model_type \(configuration.modelType), not general.architecture \(name)")
        }
        configuration.rotaryLayout = configuration.family.gguf!.rotaryLayout
        // The llama.cpp keys must tell the same story: each one present is what hone writes for
        // this configuration, and none is extra.
        let expected = Dictionary(metadata(for: configuration, name: nil, f16: false).map { ($0.key, $0.value) }) { a, _ in a }
        for key in reader.metadataKeys where key.hasPrefix(name + ".") {
            if key == name + ".vocab_size" { continue }  // checked against the embedding
            if key == name + ".rope.scaling.type", reader.metadata[key]?.string == "none", expected[key] == nil { continue }
            guard let value = expected[key] else {
                throw CheckpointError(file: path, "`\(key)` is \(reader.metadata[key]!), which `\(configKey)` does not imply; hone refuses rather than ignores it")
            }
            let stored = reader.metadata[key]!
            let same = stored == value || (stored.double != nil && stored.double == value.double) || (stored.string != nil && stored.string == value.string)
            guard same else {
                throw CheckpointError(file: path, "`\(key)` is \(stored) but `\(configKey)` implies \(value)")
            }
        }
        _ = standard
        return configuration
    }

    /// The configuration llama.cpp's own keys describe. Settings llama.cpp keeps in tensors or
    /// keys hone cannot map back (rope frequency factors, YaRN) are refused unless `hone.config`
    /// is present.
    static func standardConfiguration(of reader: GGUFReader, architecture name: String) throws -> DecoderConfiguration {
        let path = reader.path
        let family = DecoderFamily.all.first { $0.gguf?.architecture == name }!
        let prefix = name + "."
        let hasConfig = reader.metadata[configKey] != nil
        func integer(_ key: String, default value: Int? = nil) throws -> Int {
            guard let stored = reader.metadata[prefix + key] else {
                if let value { return value }
                throw CheckpointError(file: path, "has no `\(prefix)\(key)`, which a \(family.displayName) GGUF needs")
            }
            guard let int = stored.int, int > 0 else {
                throw CheckpointError(file: path, "`\(prefix)\(key)` is \(stored), expected a positive integer")
            }
            return int
        }
        func number(_ key: String, default value: Double? = nil) throws -> Double? {
            guard let stored = reader.metadata[prefix + key] else { return value }
            guard let double = stored.double, double > 0, double.isFinite else {
                throw CheckpointError(file: path, "`\(prefix)\(key)` is \(stored), expected a positive number")
            }
            return double
        }
        if let value = reader.metadata[prefix + "expert_count"], value.int != 0 {
            throw CheckpointError(file: path, "`\(prefix)expert_count` is \(value); hone does not implement mixtures of experts")
        }
        let hidden = try integer("embedding_length")
        let heads = try integer("attention.head_count")
        let keyLength = reader.metadata[prefix + "attention.key_length"]?.int
        if let keyLength, let valueLength = reader.metadata[prefix + "attention.value_length"]?.int, valueLength != keyLength {
            throw CheckpointError(file: path, "`\(prefix)attention.value_length` is \(valueLength), not key_length \(keyLength); hone needs equal query/key and value head sizes")
        }
        let layers = try integer("block_count")
        var configuration = DecoderConfiguration(
            hiddenSize: hidden,
            intermediateSize: try integer("feed_forward_length"),
            numHiddenLayers: layers,
            numAttentionHeads: heads,
            numKeyValueHeads: try integer("attention.head_count_kv", default: heads),
            vocabSize: 1,
            maxPositionEmbeddings: try integer("context_length", default: 2048),
            rmsNormEps: Float(try number("attention.layer_norm_rms_epsilon") ?? family.defaultRMSNormEps),
            ropeTheta: Float(try number("rope.freq_base", default: family.defaultRopeTheta)!),
            tieWordEmbeddings: true,
            headDim: keyLength,
            modelType: family.modelType,
            queryKeyValueBias: reader.contains("blk.0.attn_q.bias") || reader.contains("blk.0.attn_qkv.bias"),
            outputBias: reader.contains("blk.0.attn_output.bias"),
            rotaryLayout: family.gguf!.rotaryLayout)
        configuration.activation = family.defaultActivation
        if hasConfig { return configuration }
        try configuration.validate(file: path)
        // Biases on q/k/v alone in a Llama-architecture file (as Qwen2 once was converted) are Qwen2.
        if family.modelType == "llama" && configuration.queryKeyValueBias && !configuration.outputBias {
            configuration.modelType = "qwen2"
        }
        let headDim = configuration.headDim
        if let rope = reader.metadata[prefix + "rope.dimension_count"]?.int, rope != headDim {
            guard rope > 0, rope <= headDim, rope % 2 == 0 else {
                throw CheckpointError(file: path, "`\(prefix)rope.dimension_count` is \(rope); expected an even number up to the head size \(headDim)")
            }
            configuration.rotary.partialRotaryFactor = Double(rope) / Double(headDim)
        }
        if let scaling = reader.metadata[prefix + "rope.scaling.type"]?.string, scaling != "none" {
            guard scaling == "linear", let factor = try number("rope.scaling.factor") else {
                throw CheckpointError(file: path, "`\(prefix)rope.scaling.type` is \(scaling); hone reads linear rotary scaling from llama.cpp's keys (other kinds load from files hone wrote, which carry `\(configKey)`)")
            }
            configuration.rotary.scaling = .linear(factor: factor)
        }
        if let window = reader.metadata[prefix + "attention.sliding_window"]?.int, window > 0 {
            configuration.slidingWindow = window
            if let pattern = reader.metadata[prefix + "attention.sliding_window_pattern"] {
                if let flags = pattern.array {
                    guard flags.count == layers else {
                        throw CheckpointError(file: path, "`\(prefix)attention.sliding_window_pattern` lists \(flags.count) layers; block_count is \(layers)")
                    }
                    configuration.layerAttention = flags.map { ($0.bool ?? ($0.int.map { $0 != 0 } ?? false)) ? .sliding : .full }
                } else if let period = pattern.int, period > 0 {
                    configuration.layerAttention = (0..<layers).map { ($0 + 1) % period != 0 ? .sliding : .full }
                }
            } else {
                switch family.modelType {
                case "gemma2": configuration.layerAttention = (0..<layers).map { $0 % 2 == 0 ? .sliding : .full }
                case "gemma3_text": configuration.layerAttention = (0..<layers).map { ($0 + 1) % 6 != 0 ? .sliding : .full }
                default: configuration.layerAttention = Array(repeating: .sliding, count: layers)
                }
            }
        }
        if family.hasLocalRotary {
            configuration.localRotary = RotarySettings(theta: try number("rope.freq_base_swa", default: 10_000)!,
                                                       partialRotaryFactor: configuration.rotary.partialRotaryFactor)
        }
        if family.modelType == "smollm3" { configuration.rotaryLayers = (0..<layers).map { ($0 + 1) % 4 != 0 } }
        configuration.attentionSoftCap = try number("attn_logit_softcapping").map(Float.init)
        configuration.finalLogitSoftCap = try number("final_logit_softcapping").map(Float.init)
        if family.modelType == "granite" {
            configuration.embeddingMultiplier = Float(try number("embedding_scale", default: 1)!)
            configuration.residualMultiplier = Float(try number("residual_scale", default: 1)!)
            configuration.attentionScale = Float(try number("attention.scale", default: 1)!)
            configuration.logitsDivisor = Float(try number("logit_scale", default: 1)!)
        } else if let scale = try number("attention.scale") {
            configuration.attentionScale = Float(scale)
        } else if family.modelType.hasPrefix("gemma") && family.modelType != "gemma" {
            // llama.cpp scales Gemma 2/3 queries by 1/√head_dim (query_pre_attn_scalar = head_dim).
            configuration.attentionScale = 1 / Float(headDim).squareRoot()
        }
        try configuration.validate(file: path)
        return configuration
    }

    // MARK: - Writing

    /// The rotary factor tensors llama.cpp needs for `configuration` (by GGUF name), as floats.
    static func rotaryFactors(_ configuration: DecoderConfiguration) -> [String: [Float]] {
        let c = configuration, dim = c.rotary.rotaryDim(headDim: c.headDim)
        switch c.rotary.scaling {
        case .llama3:
            let plain = RotaryFrequencies.standard(dim: dim, theta: Float(c.rotary.theta)).inverseFrequencies
            let scaled = c.rotary.frequencies(headDim: c.headDim, maxPositionEmbeddings: c.maxPositionEmbeddings, sequenceLength: 0).inverseFrequencies
            return ["rope_freqs.weight": zip(plain, scaled).map { $0 / $1 }]
        case .longrope(let short, let long, _, _, _):
            return ["rope_factors_short.weight": short.map(Float.init), "rope_factors_long.weight": long.map(Float.init)]
        default:
            return [:]
        }
    }

    /// Why `configuration` cannot be written as a GGUF llama.cpp runs the same way, or nil.
    public static func unwritableReason(_ configuration: DecoderConfiguration) -> String? {
        let c = configuration
        guard let naming = c.family.gguf else { return "llama.cpp has no architecture for \(c.family.displayName)" }
        if case .dynamic = c.rotary.scaling { return "llama.cpp does not implement dynamic NTK rotary scaling" }
        if naming.rotaryLayout == .interleaved && c.rotary.partialRotaryFactor != 1 {
            return "partial rotary in a Llama-style (interleaved) GGUF is not something llama.cpp's converter writes"
        }
        if c.modelType == "smollm3" && c.rotaryLayers != (0..<c.numHiddenLayers).map({ ($0 + 1) % 4 != 0 }) {
            return "llama.cpp's SmolLM3 leaves rotary out of every 4th layer; this model's no_rope_layers \(c.rotaryLayers.map { $0 ? 1 : 0 }) differ"
        }
        if c.family.modelType != "granite" && c.residualMultiplier != nil { return "llama.cpp's \(naming.architecture) has no residual multiplier" }
        return nil
    }

    /// The `{arch}.*` and `general.*` metadata that describes `configuration` (before the tokenizer's).
    public static func metadata(for configuration: DecoderConfiguration, name: String?, f16: Bool) -> [(key: String, value: GGUFValue)] {
        let c = configuration
        let arch = c.family.gguf?.architecture ?? "llama"
        let p = arch + "."
        // GGUF writes these sizes as u32 (as llama.cpp does); larger ones would not load anywhere.
        func u32(_ n: Int) -> GGUFValue { UInt32(exactly: n).map(GGUFValue.uint32) ?? .uint64(UInt64(max(0, n))) }
        var items: [(key: String, value: GGUFValue)] = [("general.architecture", .string(arch))]
        if let name { items.append(("general.name", .string(name))) }
        items += [
            (p + "context_length", u32(c.maxPositionEmbeddings)),
            (p + "embedding_length", u32(c.hiddenSize)),
            (p + "feed_forward_length", u32(c.intermediateSize)),
            (p + "attention.head_count", u32(c.numAttentionHeads)),
            (p + "attention.head_count_kv", u32(c.numKeyValueHeads)),
            (p + "block_count", u32(c.numHiddenLayers)),
            (p + "rope.dimension_count", u32(c.rotary.rotaryDim(headDim: c.headDim))),
            (p + "attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps)),
            (p + "rope.freq_base", .float32(Float(c.rotary.theta))),
            (p + "vocab_size", u32(c.vocabSize)),
        ]
        // llama.cpp assumes embedding_length / head_count unless told otherwise.
        if c.headDim * c.numAttentionHeads != c.hiddenSize {
            items += [(p + "attention.key_length", u32(c.headDim)), (p + "attention.value_length", u32(c.headDim))]
        }
        switch c.rotary.scaling {
        case .linear(let factor):
            items += [(p + "rope.scaling.type", .string("linear")), (p + "rope.scaling.factor", .float32(Float(factor)))]
        case .yarn(let factor, let original, let attention, let fast, let slow, _, _, _):
            items += [(p + "rope.scaling.type", .string("yarn")), (p + "rope.scaling.factor", .float32(Float(factor))),
                      (p + "rope.scaling.original_context_length", u32(original)),
                      (p + "rope.scaling.yarn_beta_fast", .float32(Float(fast))), (p + "rope.scaling.yarn_beta_slow", .float32(Float(slow)))]
            if let attention { items.append((p + "rope.scaling.attn_factor", .float32(Float(attention)))) }
        case .longrope(_, _, _, let original, _):
            let frequencies = c.rotary.frequencies(headDim: c.headDim, maxPositionEmbeddings: c.maxPositionEmbeddings, sequenceLength: 0)
            items += [(p + "rope.scaling.original_context_length", u32(original)),
                      (p + "rope.scaling.attn_factor", .float32(frequencies.attentionScaling))]
        default: break
        }
        if let window = c.slidingWindow, c.layerAttention.contains(.sliding) {
            items += [(p + "attention.sliding_window", u32(window)),
                      (p + "attention.sliding_window_pattern", .array(elementType: 7, values: c.layerAttention.map { .bool($0 == .sliding) }))]
        }
        if let local = c.localRotary { items.append((p + "rope.freq_base_swa", .float32(Float(local.theta)))) }
        if let cap = c.attentionSoftCap { items.append((p + "attn_logit_softcapping", .float32(cap))) }
        if let cap = c.finalLogitSoftCap { items.append((p + "final_logit_softcapping", .float32(cap))) }
        if c.modelType == "granite" {
            items += [(p + "embedding_scale", .float32(c.embeddingMultiplier ?? 1)), (p + "residual_scale", .float32(c.residualMultiplier ?? 1)),
                      (p + "attention.scale", .float32(c.attentionScale ?? 1)), (p + "logit_scale", .float32(c.logitsDivisor ?? 1))]
        } else if let scale = c.attentionScale {
            items.append((p + "attention.scale", .float32(scale)))
        }
        // llama_ftype: 0 = all F32, 1 = mostly F16.
        items.append(("general.file_type", .uint32(f16 ? 1 : 0)))
        if let data = try? JSONSerialization.data(withJSONObject: c.huggingFaceConfiguration(), options: [.sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            items.append((configKey, .string(text)))
        }
        return items
    }

    /// The tensors of `model` under llama.cpp names, in the order llama.cpp's converter writes
    /// them, with q/k (and their biases) in the family's GGUF rotary layout, Gemma's norms with
    /// the 1 added, rotary factor tensors where llama.cpp needs them, and `output.weight`
    /// present even when the embeddings are tied.
    public static func tensors(of model: DecoderModel) throws -> [(name: String, tensor: Tensor)] {
        if let reason = unwritableReason(model.configuration) { throw CheckpointError(file: "<model>", "cannot be written as GGUF: \(reason)") }
        let family = model.configuration.family, naming = family.gguf!
        var weights: [String: Tensor] = [:]
        for (name, tensor) in model.parameters { weights[name] = tensor }
        let (configuration, converted) = RotaryPermutation.convert(weights: weights, configuration: model.configuration, to: naming.rotaryLayout)
        weights = converted
        if weights["lm_head.weight"] == nil || configuration.tieWordEmbeddings {
            weights["lm_head.weight"] = weights["model.embed_tokens.weight"]
        }
        var byGGUF: [String: Tensor] = [:]
        for (name, tensor) in weights {
            guard let gguf = ggufName(huggingFace: name, layout: family.traits.blockLayout) else {
                throw CheckpointError(file: "<model>", tensor: name, "has no llama.cpp name for \(family.displayName)")
            }
            let isNorm = model.parameterKind(of: name) == .norm
            byGGUF[gguf] = naming.storesNormWithOffset && isNorm
                ? tensor + Tensor(shape: tensor.shape, repeating: family.traits.normWeightOffset) : tensor
        }
        for (name, factors) in rotaryFactors(configuration) { byGGUF[name] = Tensor(shape: [factors.count], values: factors) }
        var order = ["token_embd.weight", "output_norm.weight", "output.weight"] + rotaryFactorTensors
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

    /// Writes `model` as a GGUF v3 file at `path` (atomically): `general.architecture` (the
    /// family's llama.cpp name), `general.name`, the `{arch}.*` keys and `hone.config`, then
    /// `tokenizerMetadata` as given, then the tensors. With `f16`, matrices are stored as F16 and
    /// 1-D tensors (norms, biases) as F32. A `chatTemplate` is stored as
    /// `tokenizer.chat_template`, which llama.cpp applies.
    public static func write(
        model: DecoderModel, tokenizerMetadata: [(key: String, value: GGUFValue)], chatTemplate: String? = nil, to path: String,
        f16: Bool = false, name: String?
    ) throws {
        let tokenizerMetadata = chatTemplate.map { ChatTemplateFiles.ggufMetadata(tokenizerMetadata, adding: $0) } ?? tokenizerMetadata
        let tensors = try tensors(of: model)
        let arch = model.configuration.family.gguf!.architecture
        var writer = GGUFWriter(f16Matrices: f16)
        for (key, value) in metadata(for: model.configuration, name: name, f16: f16) { writer.add(key, value) }
        for (key, value) in tokenizerMetadata {
            guard !key.hasPrefix(arch + "."), key != "general.architecture", key != configKey else {
                throw CheckpointError(file: path, "the tokenizer metadata sets `\(key)`, which the model's configuration decides")
            }
            writer.add(key, value)
        }
        for (name, tensor) in tensors { writer.add(tensor: name, tensor) }
        try writer.write(to: path)
    }
}
