// The Llama architecture (Llama 2 style: RMSNorm, rotary embeddings, grouped-query attention,
// SwiGLU), following Hugging Face `modeling_llama.py` and llama2.c `run.c`. Weights keep their
// Hugging Face names and [out, in] layout.
import HoneTensor

/// A Llama-family configuration with the keys of Hugging Face's `config.json`. One type covers
/// `llama`, `mistral` and `qwen2`: they differ only in which biases the attention projections
/// carry (none; none; q/k/v) and in sliding-window attention, which hone refuses unless the
/// window spans the whole context.
public struct LlamaConfiguration: Codable, Sendable, Equatable {
    /// The Hugging Face model types this configuration describes.
    public static let modelTypes = ["llama", "mistral", "qwen2"]
    /// The `architectures` entry written for each model type.
    public static let architectureNames = ["llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"]

    public var modelType: String = "llama"
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    public var tieWordEmbeddings: Bool
    /// The per-head size; `hidden_size / num_attention_heads` unless `head_dim` says otherwise.
    public var headDim: Int
    /// Biases on the q, k and v projections (Qwen2, or Llama's `attention_bias`).
    public var queryKeyValueBias: Bool = false
    /// A bias on the output projection (Llama's `attention_bias`).
    public var outputBias: Bool = false
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    /// How q and k rows are ordered for rotary embeddings: `.halfRotation` for Hugging Face
    /// checkpoints, `.interleaved` for llama2.c and GGUF. Not part of `config.json`.
    public var rotaryLayout: RotaryLayout = .halfRotation

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case vocabSize = "vocab_size"
        case maxPositionEmbeddings = "max_position_embeddings"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case tieWordEmbeddings = "tie_word_embeddings"
        case headDim = "head_dim"
        case attentionBias = "attention_bias"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
    }

    public init(
        hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        numKeyValueHeads: Int, vocabSize: Int, maxPositionEmbeddings: Int,
        rmsNormEps: Float = 1e-5, ropeTheta: Float = 10000, tieWordEmbeddings: Bool = true,
        headDim: Int? = nil, modelType: String = "llama", queryKeyValueBias: Bool = false, outputBias: Bool = false,
        rotaryLayout: RotaryLayout = .halfRotation
    ) {
        self.modelType = modelType
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.tieWordEmbeddings = tieWordEmbeddings
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.queryKeyValueBias = queryKeyValueBias
        self.outputBias = outputBias
        self.rotaryLayout = rotaryLayout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "llama"
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 2048
        rmsNormEps = try c.decodeIfPresent(Float.self, forKey: .rmsNormEps) ?? 1e-6
        ropeTheta = try c.decodeIfPresent(Float.self, forKey: .ropeTheta) ?? 10000
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        let attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
        queryKeyValueBias = modelType == "qwen2" || attentionBias
        outputBias = modelType != "qwen2" && attentionBias
        // Lists of end tokens (Llama 3) keep their first entry: generation stops on any of them
        // through the tokenizer's own end token.
        bosTokenID = (try? c.decodeIfPresent(Int.self, forKey: .bosTokenID)) ?? nil
        eosTokenID = (try? c.decodeIfPresent(Int.self, forKey: .eosTokenID))
            ?? ((try? c.decodeIfPresent([Int].self, forKey: .eosTokenID)) ?? nil)?.first
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(headDim, forKey: .headDim)
        if modelType != "qwen2" { try c.encode(outputBias, forKey: .attentionBias) }
        try c.encodeIfPresent(bosTokenID, forKey: .bosTokenID)
        try c.encodeIfPresent(eosTokenID, forKey: .eosTokenID)
    }

    /// `config.json` for this configuration, with `torch_dtype` float32.
    public func huggingFaceConfiguration() -> [String: Any] {
        let cfg = self
        var json: [String: Any] = [
            "architectures": [LlamaConfiguration.architectureNames[cfg.modelType] ?? "LlamaForCausalLM"],
            "model_type": cfg.modelType,
            "hidden_size": cfg.hiddenSize,
            "intermediate_size": cfg.intermediateSize,
            "num_hidden_layers": cfg.numHiddenLayers,
            "num_attention_heads": cfg.numAttentionHeads,
            "num_key_value_heads": cfg.numKeyValueHeads,
            "head_dim": cfg.headDim,
            "vocab_size": cfg.vocabSize,
            "max_position_embeddings": cfg.maxPositionEmbeddings,
            "rms_norm_eps": cfg.rmsNormEps.shortestDouble,
            "rope_theta": cfg.ropeTheta.shortestDouble,
            "hidden_act": "silu",
            "tie_word_embeddings": cfg.tieWordEmbeddings,
            "torch_dtype": "float32",
        ]
        if cfg.modelType != "qwen2" && cfg.queryKeyValueBias && !cfg.outputBias {
            // Biases on q/k/v only (a GGUF of a Qwen2 model says `llama`): that is Qwen2 exactly.
            json["model_type"] = "qwen2"
            json["architectures"] = ["Qwen2ForCausalLM"]
            json["use_sliding_window"] = false
        } else if cfg.modelType != "qwen2" {
            json["attention_bias"] = cfg.outputBias
            json["mlp_bias"] = false
        }
        if let bos = cfg.bosTokenID { json["bos_token_id"] = bos }
        if let eos = cfg.eosTokenID { json["eos_token_id"] = eos }
        return json
    }

    /// Bounds on every size (2^24) and on the layer count: far above any real model, low enough
    /// that no product of sizes overflows and a lying file cannot make hone build a huge table.
    public static let sizeLimit = 1 << 24
    public static let layerLimit = 4096

    public var queryDim: Int { numAttentionHeads * headDim }
    public var kvDim: Int { numKeyValueHeads * headDim }

    /// The problems with this configuration, empty when it is usable.
    public var problems: [String] {
        var found: [String] = []
        let sizes: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_attention_heads", numAttentionHeads),
            ("num_key_value_heads", numKeyValueHeads), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings), ("head_dim", headDim),
        ]
        for (name, value) in sizes where value <= 0 || value > LlamaConfiguration.sizeLimit {
            found.append("\(name) is \(value), expected a positive number up to \(LlamaConfiguration.sizeLimit)")
        }
        if numHiddenLayers <= 0 || numHiddenLayers > LlamaConfiguration.layerLimit {
            found.append("num_hidden_layers is \(numHiddenLayers), expected a positive number up to \(LlamaConfiguration.layerLimit)")
        }
        if outputBias && !queryKeyValueBias {
            found.append("the output projection has a bias but q/k/v have none; no Hugging Face Llama-family model is built so")
        }
        if found.isEmpty {
            if headDim % 2 != 0 {
                found.append("the head size \(headDim) is odd; rotary embeddings need an even one")
            }
            if numAttentionHeads % numKeyValueHeads != 0 {
                found.append("num_key_value_heads \(numKeyValueHeads) does not divide num_attention_heads \(numAttentionHeads)")
            }
        }
        if !Self.modelTypes.contains(modelType) {
            found.append("model_type `\(modelType)` is not one of \(Self.modelTypes.joined(separator: ", "))")
        }
        if !(rmsNormEps > 0) || !rmsNormEps.isFinite { found.append("rms_norm_eps is \(rmsNormEps), expected a positive number") }
        if !(ropeTheta > 0) || !ropeTheta.isFinite { found.append("rope_theta is \(ropeTheta), expected a positive number") }
        return found
    }

    /// Throws a `CheckpointError` for `file` listing every problem, if there are any.
    public func validate(file: String) throws {
        let found = problems
        if !found.isEmpty { throw CheckpointError(file: file, "invalid Llama configuration: " + found.joined(separator: "; ")) }
    }

    /// The names and shapes of the weights a checkpoint for this configuration holds, in order.
    public var parameterShapes: [(name: String, shape: [Int])] {
        let c = hiddenSize, f = intermediateSize
        var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [vocabSize, c])]
        for layer in 0..<numHiddenLayers {
            let p = "model.layers.\(layer)."
            shapes.append((p + "input_layernorm.weight", [c]))
            shapes.append((p + "self_attn.q_proj.weight", [queryDim, c]))
            if queryKeyValueBias { shapes.append((p + "self_attn.q_proj.bias", [queryDim])) }
            shapes.append((p + "self_attn.k_proj.weight", [kvDim, c]))
            if queryKeyValueBias { shapes.append((p + "self_attn.k_proj.bias", [kvDim])) }
            shapes.append((p + "self_attn.v_proj.weight", [kvDim, c]))
            if queryKeyValueBias { shapes.append((p + "self_attn.v_proj.bias", [kvDim])) }
            shapes.append((p + "self_attn.o_proj.weight", [c, queryDim]))
            if outputBias { shapes.append((p + "self_attn.o_proj.bias", [c])) }
            shapes += [
                (p + "post_attention_layernorm.weight", [c]),
                (p + "mlp.gate_proj.weight", [f, c]),
                (p + "mlp.up_proj.weight", [f, c]),
                (p + "mlp.down_proj.weight", [c, f]),
            ]
        }
        shapes.append(("model.norm.weight", [c]))
        if !tieWordEmbeddings { shapes.append(("lm_head.weight", [vocabSize, c])) }
        return shapes
    }
}

/// A Llama causal language model. Every weight is a float32 `Tensor` under its Hugging Face name.
///
///     x = embed(tokens)
///     per layer: x = x + attn(rmsNorm(x))·Woᵀ;  x = x + (silu(n·Wgateᵀ) * n·Wupᵀ)·Wdownᵀ,  n = rmsNorm(x)
///     logits = rmsNorm(x)·Wlmᵀ        (Wlm = the embedding when tied)
public final class LlamaModel: LanguageModel {
    public let configuration: LlamaConfiguration
    /// The float32 weights by Hugging Face name. `lm_head.weight` is absent when embeddings are
    /// tied; quantised linear weights are in `quantizedWeights` instead.
    public var weights: [String: Tensor] { store.floats }
    private var store: WeightStore
    /// "model.layers.N." for each layer, built once rather than on every forward.
    private let layerPrefixes: [String]

    /// A model over `weights`, which must hold exactly `configuration.parameterShapes` (an extra
    /// `lm_head.weight` with tied embeddings is dropped). Throws a `CheckpointError` for `file`.
    public init(configuration: LlamaConfiguration, weights: [String: Tensor], file: String = "<memory>") throws {
        try configuration.validate(file: file)
        var weights = weights
        if configuration.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        weights = try CheckpointWeights.checked(weights, expected: configuration.parameterShapes, file: file, architecture: "Llama")
        self.configuration = configuration
        layerPrefixes = (0..<configuration.numHiddenLayers).map { "model.layers.\($0)." }
        store = WeightStore(weights, linearModules: Self.linearModules(of: configuration))
    }

    public var architecture: ModelArchitecture { .llama }
    public var vocabularySize: Int { configuration.vocabSize }
    public var contextLength: Int { configuration.maxPositionEmbeddings }
    public var hiddenSize: Int { configuration.hiddenSize }
    public var layerCount: Int { configuration.numHiddenLayers }
    public var attentionHeads: Int { configuration.numAttentionHeads }
    public var keyValueHeads: Int { configuration.numKeyValueHeads }
    public var headDim: Int { configuration.headDim }

    /// The weights in checkpoint order, with their names.
    public var parameters: [(name: String, tensor: Tensor)] {
        configuration.parameterShapes.map { ($0.name, store[$0.name]!) }
    }

    private func weight(_ name: String) -> Tensor { store.floats[name]! }

    public var linearHook: (any LinearLayerHook)?

    public var gradientCheckpointing = false

    /// x·Wᵀ (+ b) for the linear module `name` (e.g. "model.layers.0.self_attn.q_proj"), or what
    /// the hook makes of it.
    private func linear(_ x: Tensor, _ name: String, bias: Bool = false) -> Tensor {
        let b = bias ? weight(name + ".bias") : nil
        let quantized = quantizedWeights[name + ".weight"]
        let base = {
            let y = quantized.map { x.matmul(quantizedTransposed: $0) } ?? x.matmul(self.weight(name + ".weight").transposed())
            return b.map { y + $0 } ?? y
        }
        guard let linearHook else { return base() }
        return linearHook.output(of: name, input: x, weight: { self.store[name + ".weight"]! }, bias: b, base: base)
    }

    public var quantizedWeights: [String: QuantizedMatrix] { store.quantized }

    public func quantizeWeight(_ name: String, format: QuantizationFormat) throws { try store.quantize(name, format: format) }

    public var parameterCount: Int { configuration.parameterShapes.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    public var linearModules: [LinearModule] { Self.linearModules(of: configuration) }

    static func linearModules(of cfg: LlamaConfiguration) -> [LinearModule] {
        let (c, q, kv, f) = (cfg.hiddenSize, cfg.queryDim, cfg.kvDim, cfg.intermediateSize)
        return (0..<cfg.numHiddenLayers).flatMap { layer -> [LinearModule] in
            let p = "model.layers.\(layer)."
            return [
                LinearModule(name: p + "self_attn.q_proj", inFeatures: c, outFeatures: q),
                LinearModule(name: p + "self_attn.k_proj", inFeatures: c, outFeatures: kv),
                LinearModule(name: p + "self_attn.v_proj", inFeatures: c, outFeatures: kv),
                LinearModule(name: p + "self_attn.o_proj", inFeatures: q, outFeatures: c),
                LinearModule(name: p + "mlp.gate_proj", inFeatures: c, outFeatures: f),
                LinearModule(name: p + "mlp.up_proj", inFeatures: c, outFeatures: f),
                LinearModule(name: p + "mlp.down_proj", inFeatures: f, outFeatures: c),
            ]
        }
    }

    public func replaceWeight(_ name: String, with tensor: Tensor) throws { try store.replace(name, with: tensor) }

    public func forward(tokens: [Int], batch: Int, cache: KVCache?, lastPositionOnly: Bool) -> Tensor {
        // The cache holds no graph: a cached forward is inference.
        if cache != nil && GradMode.isEnabled {
            return GradMode.withoutGradients { forward(tokens: tokens, batch: batch, cache: cache, lastPositionOnly: lastPositionOnly) }
        }
        return logits(hidden: trunk(tokens: tokens, batch: batch, cache: cache, lastPositionOnly: lastPositionOnly))
    }

    public func logits(hidden: Tensor) -> Tensor {
        let head = configuration.tieWordEmbeddings ? weight("model.embed_tokens.weight") : weight("lm_head.weight")
        return hidden.matmul(head.transposed())
    }

    public func hiddenStates(tokens: [Int], batch: Int) -> Tensor {
        trunk(tokens: tokens, batch: batch, cache: nil, lastPositionOnly: false)
    }

    /// The decoder layers and the final norm: hidden states [B, T, hidden] before the output head.
    private func trunk(tokens: [Int], batch: Int, cache: KVCache?, lastPositionOnly: Bool) -> Tensor {
        let cfg = configuration
        precondition(batch > 0 && !tokens.isEmpty && tokens.count % batch == 0, "LlamaModel.forward: \(tokens.count) tokens do not make \(batch) rows")
        let t = tokens.count / batch
        let start = cache?.length ?? 0
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < cfg.vocabSize }, "LlamaModel.forward: a token id is outside 0..<\(cfg.vocabSize)")
        precondition(start + t <= cfg.maxPositionEmbeddings, "LlamaModel.forward: \(start + t) positions exceed the context length")
        var x = Tensor.embedding(weight("model.embed_tokens.weight"), indices: tokens, shape: [batch, t])
        let checkpointing = gradientCheckpointing && cache == nil && GradMode.isEnabled
        for layer in 0..<cfg.numHiddenLayers {
            if checkpointing {
                x = Tensor.checkpointed(inputs: [x]) { [unowned self] in
                    self.decoderLayer(layer, $0[0], batch: batch, time: t, start: start, cache: nil)
                }
            } else {
                x = decoderLayer(layer, x, batch: batch, time: t, start: start, cache: cache)
            }
        }
        cache?.advance(by: t)
        if lastPositionOnly && t > 1 { x = x.sliced(axis: 1, (t - 1)..<t).contiguous() }
        return x.rmsNorm(weight: weight("model.norm.weight"), eps: cfg.rmsNormEps)
    }

    /// One decoder layer: x + attention(rmsNorm(x)), then + mlp(rmsNorm(·)).
    private func decoderLayer(_ layer: Int, _ input: Tensor, batch: Int, time t: Int, start: Int, cache: KVCache?) -> Tensor {
        let cfg = configuration, d = cfg.headDim, p = layerPrefixes[layer]
        var x = input
        let n1 = x.rmsNorm(weight: weight(p + "input_layernorm.weight"), eps: cfg.rmsNormEps)
        let q = linear(n1, p + "self_attn.q_proj", bias: cfg.queryKeyValueBias).reshaped([batch, t, cfg.numAttentionHeads, d])
            .rotaryEmbedding(startPosition: start, theta: cfg.ropeTheta, layout: cfg.rotaryLayout)
        let k = linear(n1, p + "self_attn.k_proj", bias: cfg.queryKeyValueBias).reshaped([batch, t, cfg.numKeyValueHeads, d])
            .rotaryEmbedding(startPosition: start, theta: cfg.ropeTheta, layout: cfg.rotaryLayout)
        let v = linear(n1, p + "self_attn.v_proj", bias: cfg.queryKeyValueBias).reshaped([batch, t, cfg.numKeyValueHeads, d])
        let a: Tensor
        if let cache {
            cache.store(layer: layer, key: k, value: v)
            a = cache.attend(layer: layer, query: q)
        } else {
            a = Attention.causal(query: q, key: k, value: v)
        }
        x = x + linear(a.reshaped([batch, t, cfg.queryDim]), p + "self_attn.o_proj", bias: cfg.outputBias)
        let n2 = x.rmsNorm(weight: weight(p + "post_attention_layernorm.weight"), eps: cfg.rmsNormEps)
        let gated = linear(n2, p + "mlp.gate_proj").silu() * linear(n2, p + "mlp.up_proj")
        return x + linear(gated, p + "mlp.down_proj")
    }

    /// `config.json` for this model; q/k are saved in the half-rotation layout whatever this
    /// model holds, so the file always describes a Hugging Face checkpoint.
    public func huggingFaceConfiguration() -> [String: Any] { configuration.huggingFaceConfiguration() }
}
