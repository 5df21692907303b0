// An architecture is a descriptor: its `model_type`, its traits, the config keys it reads and
// the ones harmless for it, its default LoRA targets and its GGUF naming. Each family's
// descriptor is one file in Architectures/Families/, registered in `DecoderFamily.all`;
// loaders, writers, adapters, the memory estimate and weight decay read it (and the roles
// of `DecoderConfiguration.parameterLayout`), never a `model_type` switch of their own.
import Foundation
import HoneTensor

/// How a family is stored in GGUF: llama.cpp's architecture name and how it lays out q and k.
public struct GGUFNaming: Sendable, Equatable {
    /// `general.architecture`, which also prefixes the family's metadata keys.
    public var architecture: String
    /// `.interleaved` when llama.cpp's converter permutes q/k rows (Llama-style "NORM" rope);
    /// `.halfRotation` for families it runs with NEOX rope, stored as Hugging Face stores them.
    public var rotaryLayout: RotaryLayout
    /// llama.cpp's converter stores Gemma's norm weights with the 1 added (as they multiply).
    public var storesNormWithOffset: Bool

    public init(architecture: String, rotaryLayout: RotaryLayout, storesNormWithOffset: Bool = false) {
        self.architecture = architecture
        self.rotaryLayout = rotaryLayout
        self.storesNormWithOffset = storesNormWithOffset
    }
}

/// A decoder family hone implements.
public struct DecoderFamily: @unchecked Sendable {
    public var modelType: String
    /// The `architectures` entry transformers writes.
    public var architectureClass: String
    /// What people call it, for messages and summaries.
    public var displayName: String
    public var traits: DecoderTraits
    /// PEFT's default `target_modules` for the family (`src/peft/utils/constants.py`).
    public var defaultLoRATargets: [String]
    public var gguf: GGUFNaming?
    /// transformers' defaults for keys a config may leave out.
    public var defaultRopeTheta: Double = 10_000
    public var defaultRMSNormEps: Double = 1e-6
    public var defaultTieWordEmbeddings = false
    /// The key naming the MLP activation (`hidden_act`; Gemma 2 and 3 say `hidden_activation`).
    public var activationKeys: [String] = ["hidden_act"]
    public var defaultActivation: MLPActivation = .silu
    /// Whether sliding-window layers may use their own rotary base (Gemma 3's `rope_local_base_freq`).
    public var hasLocalRotary = false
    /// Keys harmless for this family beyond `DecoderFamily.commonHarmlessKeys`.
    public var harmlessKeys: Set<String> = []
    /// Keys hone does not implement for this family, accepted only at transformers' default.
    public var defaultOnlyKeys: [String: Any] = [:]
    /// Reads the family's own keys after the shared ones.
    public var readOwnKeys: (inout ConfigReader, inout DecoderConfiguration) throws -> Void = { _, _ in }
    /// Writes the family's own keys into `config.json`.
    public var writeOwnKeys: (DecoderConfiguration, inout [String: Any]) -> Void = { _, _ in }
    /// The arch-zoo cases (`../shared/models/arch-zoo/NAME`) that check this family against transformers.
    public var referenceCases: [String]

    /// Every family, in the order docs list them.
    public static let all: [DecoderFamily] = [
        .llama, .mistral, .qwen2, .qwen3, .gemma, .gemma2, .gemma3, .phi3, .smollm3, .olmo2, .granite,
    ]

    public static func named(_ modelType: String) -> DecoderFamily? { all.first { $0.modelType == modelType } }

    /// Mixture-of-experts and other families people ask for that hone refuses by name.
    public static let refusedModelTypes: [String: String] = [
        "mixtral": "a mixture of experts", "qwen2_moe": "a mixture of experts", "qwen3_moe": "a mixture of experts",
        "olmoe": "a mixture of experts", "granitemoe": "a mixture of experts", "granitemoehybrid": "a mixture of experts",
        "phimoe": "a mixture of experts", "deepseek_v2": "a mixture of experts", "deepseek_v3": "a mixture of experts",
        "dbrx": "a mixture of experts", "jamba": "a mixture of experts", "gpt_oss": "a mixture of experts",
        "llama4": "a mixture of experts", "llama4_text": "a mixture of experts",
        "gemma3": "Gemma 3's multimodal model (load its text model, model_type gemma3_text)",
        "phi": "Phi-1/Phi-2 (LayerNorm, parallel blocks), not implemented",
    ]

    /// Keys no decoder family's numbers depend on: metadata, token ids, generation defaults.
    public static let commonHarmlessKeys: Set<String> = [
        "architectures", "model_type", "dtype", "torch_dtype", "transformers_version", "use_cache",
        "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id",
        "initializer_range", "_name_or_path", "name_or_path", "return_dict", "output_hidden_states",
        "output_attentions", "torchscript", "use_return_dict", "id2label", "label2id", "problem_type",
        "finetuning_task", "tokenizer_class", "prefix", "task_specific_params", "is_decoder",
        "is_encoder_decoder", "add_cross_attention", "tie_encoder_decoder", "chunk_size_feed_forward",
        "max_length", "min_length", "do_sample", "temperature", "top_k", "top_p", "repetition_penalty",
        "num_beams", "bad_words_ids", "_attn_implementation", "_attn_implementation_autoset",
        "cross_attention_hidden_size", "pruned_heads", "tf_legacy_loss", "use_bfloat16",
    ]

    /// Keys of other families' vocabulary that change nothing at these values.
    nonisolated(unsafe) public static let commonDefaultOnlyKeys: [String: Any] = [
        "attention_dropout": 0, "hidden_dropout": 0, "embd_pdrop": 0, "resid_pdrop": 0,
        "mlp_bias": false, "pretraining_tp": 1, "attention_bias": false,
        "use_sliding_window": false, "sliding_window": NSNull(), "rope_scaling": NSNull(),
        "quantization_config": NSNull(),
    ]
}

extension DecoderFamily {
    /// The decoder configuration of `config.json` at `configPath`: every key read, harmless or at
    /// its default, or the load is refused naming it.
    public static func configuration(configPath: String) throws -> DecoderConfiguration {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw CheckpointError(file: configPath, "cannot be read (a Hugging Face model directory needs config.json)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError(file: configPath, "is not a JSON object")
        }
        return try configuration(json: json, path: configPath)
    }

    public static var supportedDescription: String {
        "supported: model_type " + all.map(\.modelType).joined(separator: ", ")
    }

    public static func configuration(json: [String: Any], path: String) throws -> DecoderConfiguration {
        guard let modelType = json["model_type"] as? String else {
            throw CheckpointError(file: path, "has no `model_type`; \(supportedDescription)")
        }
        if let why = refusedModelTypes[modelType] {
            throw CheckpointError(file: path, "model_type `\(modelType)` is \(why); hone does not load it. \(supportedDescription)")
        }
        guard let family = named(modelType) else {
            let near = Suggestions.closest(to: modelType, among: all.map(\.modelType), limit: 1)
            let hint = near.first.map { " (did you mean `\($0)`?)" } ?? ""
            throw CheckpointError(file: path, "model_type `\(modelType)` is not supported\(hint); \(supportedDescription)")
        }
        if let listed = json["architectures"] as? [Any] {
            for case let architecture as String in listed where architecture != family.architectureClass {
                throw CheckpointError(file: path, "architecture `\(architecture)` is not what hone implements for model_type `\(modelType)` (\(family.architectureClass)); \(supportedDescription)")
            }
        }
        var reader = ConfigReader(path: path, json: json)
        return try family.read(&reader)
    }

    /// Reads every key of `reader` into a configuration of this family.
    func read(_ r: inout ConfigReader) throws -> DecoderConfiguration {
        let kind = displayName
        r.consume(["model_type", "architectures"])
        let hidden = try r.requiredInt("hidden_size", kind: kind)
        let heads = try r.requiredInt("num_attention_heads", kind: kind)
        let layers = try r.requiredInt("num_hidden_layers", kind: kind)
        var c = DecoderConfiguration(
            hiddenSize: hidden, intermediateSize: try r.requiredInt("intermediate_size", kind: kind),
            numHiddenLayers: layers, numAttentionHeads: heads,
            numKeyValueHeads: try r.int("num_key_value_heads", default: heads),
            vocabSize: try r.requiredInt("vocab_size", kind: kind),
            maxPositionEmbeddings: try r.int("max_position_embeddings", default: 2048),
            rmsNormEps: Float(try r.double("rms_norm_eps") ?? defaultRMSNormEps),
            tieWordEmbeddings: try r.bool("tie_word_embeddings") ?? defaultTieWordEmbeddings,
            headDim: try r.int("head_dim"), modelType: modelType)
        guard c.numHiddenLayers > 0 && c.numHiddenLayers <= DecoderConfiguration.layerLimit else {
            throw r.error("num_hidden_layers is \(layers), expected a positive number up to \(DecoderConfiguration.layerLimit)")
        }
        // Token ids are metadata; a list of end tokens (Llama 3) keeps its first entry.
        c.bosTokenID = r.json["bos_token_id"] as? Int
        c.eosTokenID = (r.json["eos_token_id"] as? Int) ?? (r.json["eos_token_id"] as? [Int])?.first
        c.activation = try readActivation(&r)
        if traits.alwaysQueryKeyValueBias { c.queryKeyValueBias = true }
        try readRotary(&r, into: &c)
        try readOwnKeys(&r, &c)
        try r.finish(harmless: Self.commonHarmlessKeys.union(harmlessKeys),
                     defaults: Self.commonDefaultOnlyKeys.merging(defaultOnlyKeys) { _, own in own }, family: "model_type `\(modelType)`")
        try c.validate(file: r.path)
        return c
    }

    func readActivation(_ r: inout ConfigReader) throws -> MLPActivation {
        var found: (key: String, value: String)?
        for key in activationKeys {
            if let value = try r.string(key) {
                if let found, found.value != value {
                    throw r.error("`\(found.key)` is `\(found.value)` but `\(key)` is `\(value)`; which activation is meant is unclear")
                }
                found = (key, value)
            }
        }
        guard let found else { return defaultActivation }
        // gelu_new is GPT-2's name for the same tanh approximation.
        let aliases: [String: MLPActivation] = ["silu": .silu, "swish": .silu, "gelu_pytorch_tanh": .geluTanh, "gelu_new": .geluTanh]
        guard let activation = aliases[found.value] else {
            throw r.error("`\(found.key)` is `\(found.value)`; hone implements silu and gelu_pytorch_tanh (the tanh approximation) for \(displayName)")
        }
        return activation
    }

    /// The shared keys every family writes, then the family's own.
    func configurationJSON(_ c: DecoderConfiguration) -> [String: Any] {
        var json: [String: Any] = [
            "architectures": [architectureClass],
            "model_type": modelType,
            "hidden_size": c.hiddenSize,
            "intermediate_size": c.intermediateSize,
            "num_hidden_layers": c.numHiddenLayers,
            "num_attention_heads": c.numAttentionHeads,
            "num_key_value_heads": c.numKeyValueHeads,
            "head_dim": c.headDim,
            "vocab_size": c.vocabSize,
            "max_position_embeddings": c.maxPositionEmbeddings,
            "rms_norm_eps": c.rmsNormEps.shortestDouble,
            "tie_word_embeddings": c.tieWordEmbeddings,
            "torch_dtype": "float32",
            activationKeys[0]: c.activation.rawValue,
        ]
        writeRotary(c, into: &json)
        if let bos = c.bosTokenID { json["bos_token_id"] = bos }
        if let eos = c.eosTokenID { json["eos_token_id"] = eos }
        writeOwnKeys(c, &json)
        return json
    }
}
