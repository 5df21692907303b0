// The resolved configuration of a Llama-like decoder: sizes, and the knobs by which the
// families hone implements differ (norm placement, q/k norms, fused projections, activation,
// multipliers, soft-caps, rotary and sliding windows per layer). A family's descriptor
// (`DecoderFamily`, Architectures/Families/) reads `config.json` into it and writes it back;
// `DecoderModel` runs it. Weights keep their Hugging Face names and [out, in] layout.
import HoneTensor

/// The activation inside the gated MLP: act(x·Wgateᵀ) ⊙ x·Wupᵀ.
public enum MLPActivation: String, Sendable, Equatable {
    /// SwiGLU (Llama, Qwen, Phi-3, …).
    case silu
    /// GeGLU with the tanh approximation of GELU (`gelu_pytorch_tanh`, Gemma).
    case geluTanh = "gelu_pytorch_tanh"
}

/// Where a family normalises q and k before the rotary embedding.
public enum QueryKeyNorm: Sendable, Equatable {
    case none
    /// RMSNorm over each head's `head_dim` values, one weight [head_dim] shared by all heads
    /// (Qwen3, Gemma 3).
    case perHead
    /// RMSNorm over the whole projection, weights [heads·head_dim] (OLMo 2).
    case wholeProjection
}

/// Where the norms of a decoder layer sit.
public enum BlockLayout: Sendable, Equatable {
    /// x + attn(norm(x)); x + mlp(norm(x)) (Llama).
    case preNorm
    /// x + norm(attn(norm(x))); x + norm(mlp(norm(x))) (Gemma 2 and 3).
    case sandwich
    /// x + norm(attn(x)); x + norm(mlp(x)) (OLMo 2).
    case postNorm
}

/// Which keys a layer's attention sees.
public enum LayerAttention: String, Sendable, Equatable {
    case full = "full_attention"
    case sliding = "sliding_attention"
}

/// What a family fixes about its architecture, whatever its `config.json` says.
public struct DecoderTraits: Sendable, Equatable {
    /// RMSNorm multiplies by (offset + w): Gemma stores w with the 1 taken out.
    public var normWeightOffset: Float = 0
    /// Embeddings multiplied by √hidden (Gemma), in float32.
    public var scalesEmbeddingBySqrtHidden = false
    public var queryKeyNorm: QueryKeyNorm = .none
    public var blockLayout: BlockLayout = .preNorm
    /// q, k, v in one `qkv_proj` and gate, up in one `gate_up_proj` (Phi-3).
    public var fusedProjections = false
    /// Biases on q, k and v always (Qwen2), whatever `attention_bias` says.
    public var alwaysQueryKeyValueBias = false

    public init(normWeightOffset: Float = 0, scalesEmbeddingBySqrtHidden: Bool = false, queryKeyNorm: QueryKeyNorm = .none,
                blockLayout: BlockLayout = .preNorm, fusedProjections: Bool = false, alwaysQueryKeyValueBias: Bool = false) {
        self.normWeightOffset = normWeightOffset
        self.scalesEmbeddingBySqrtHidden = scalesEmbeddingBySqrtHidden
        self.queryKeyNorm = queryKeyNorm
        self.blockLayout = blockLayout
        self.fusedProjections = fusedProjections
        self.alwaysQueryKeyValueBias = alwaysQueryKeyValueBias
    }
}

/// A decoder configuration with the keys of Hugging Face's `config.json`, resolved.
public struct DecoderConfiguration: Sendable, Equatable {
    /// The Hugging Face `model_type`; its `DecoderFamily` gives the traits.
    public var modelType: String = "llama"
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var rmsNormEps: Float
    public var tieWordEmbeddings: Bool
    /// The per-head size; `hidden_size / num_attention_heads` unless `head_dim` says otherwise.
    public var headDim: Int
    /// Biases on the q, k and v projections (Qwen2, or `attention_bias`).
    public var queryKeyValueBias: Bool = false
    /// A bias on the output projection (`attention_bias`).
    public var outputBias: Bool = false
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    /// How q and k rows are ordered for rotary embeddings: `.halfRotation` for Hugging Face
    /// checkpoints, `.interleaved` for llama2.c and Llama-style GGUF. Not part of `config.json`.
    public var rotaryLayout: RotaryLayout = .halfRotation

    /// The rotary embedding of full-attention layers (and of all layers unless `localRotary`).
    public var rotary: RotarySettings
    /// The rotary embedding of sliding-window layers when it differs (Gemma 3's local base).
    public var localRotary: RotarySettings?
    /// Per layer: whether it applies rotary embeddings at all (SmolLM3's NoPE layers).
    public var rotaryLayers: [Bool]
    /// Per layer: full or sliding-window attention.
    public var layerAttention: [LayerAttention]
    /// The window of sliding layers: query i sees keys i−W < j ≤ i.
    public var slidingWindow: Int?
    public var activation: MLPActivation = .silu
    /// Embeddings multiplied by this (Granite's `embedding_multiplier`).
    public var embeddingMultiplier: Float?
    /// The attention score scale; 1/√head_dim when nil (Gemma 2/3's `query_pre_attn_scalar`^-½,
    /// Granite's `attention_multiplier`).
    public var attentionScale: Float?
    /// Each block's output multiplied by this before the residual add (Granite).
    public var residualMultiplier: Float?
    /// Logits divided by this (Granite's `logits_scaling`).
    public var logitsDivisor: Float?
    /// cap·tanh(s/cap) on attention scores and on the final logits (Gemma 2).
    public var attentionSoftCap: Float?
    public var finalLogitSoftCap: Float?

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
        self.tieWordEmbeddings = tieWordEmbeddings
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.queryKeyValueBias = queryKeyValueBias
        self.outputBias = outputBias
        self.rotaryLayout = rotaryLayout
        rotary = RotarySettings(theta: Double(ropeTheta))
        let layers = max(0, min(numHiddenLayers, Self.layerLimit))
        rotaryLayers = Array(repeating: true, count: layers)
        layerAttention = Array(repeating: .full, count: layers)
    }

    /// The descriptor of this configuration's family.
    public var family: DecoderFamily { DecoderFamily.named(modelType) ?? .llama }
    public var traits: DecoderTraits { family.traits }

    /// The rotary base of full-attention layers, as a float (llama2.c and GGUF carry one).
    public var ropeTheta: Float {
        get { Float(rotary.theta) }
        set { rotary.theta = Double(newValue) }
    }

    /// Bounds on every size (2^24) and on the layer count: far above any real model, low enough
    /// that no product of sizes overflows and a lying file cannot make hone build a huge table.
    public static let sizeLimit = 1 << 24
    public static let layerLimit = 4096

    public var queryDim: Int { numAttentionHeads * headDim }
    public var kvDim: Int { numKeyValueHeads * headDim }

    /// The most positions a forward may hold: `max_position_embeddings`, or more with dynamic NTK.
    public var contextLength: Int { rotary.contextLength(maxPositionEmbeddings: maxPositionEmbeddings) }

    /// The rotary settings of `layer`, nil for a layer without rotary embeddings.
    public func rotarySettings(layer: Int) -> RotarySettings? {
        guard rotaryLayers[layer] else { return nil }
        return layerAttention[layer] == .sliding ? (localRotary ?? rotary) : rotary
    }

    /// The attention settings of `layer`: scale, window and soft-cap.
    public func attentionSettings(layer: Int) -> AttentionKernels.Settings {
        let window = layerAttention[layer] == .sliding ? slidingWindow : nil
        return AttentionKernels.Settings(scale: attentionScale, window: window, softCap: attentionSoftCap)
    }

    /// The problems with this configuration, empty when it is usable.
    public var problems: [String] {
        var found: [String] = []
        let sizes: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_attention_heads", numAttentionHeads),
            ("num_key_value_heads", numKeyValueHeads), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings), ("head_dim", headDim),
        ]
        for (name, value) in sizes where value <= 0 || value > Self.sizeLimit {
            found.append("\(name) is \(value), expected a positive number up to \(Self.sizeLimit)")
        }
        if numHiddenLayers <= 0 || numHiddenLayers > Self.layerLimit {
            found.append("num_hidden_layers is \(numHiddenLayers), expected a positive number up to \(Self.layerLimit)")
        }
        if outputBias && !queryKeyValueBias {
            found.append("the output projection has a bias but q/k/v have none; no Hugging Face Llama-family model is built so")
        }
        if found.isEmpty {
            found += rotary.problems(headDim: headDim)
            if let localRotary { found += localRotary.problems(headDim: headDim).map { "local rotary: " + $0 } }
            if numAttentionHeads % numKeyValueHeads != 0 {
                found.append("num_key_value_heads \(numKeyValueHeads) does not divide num_attention_heads \(numAttentionHeads)")
            }
            if rotaryLayers.count != numHiddenLayers || layerAttention.count != numHiddenLayers {
                found.append("per-layer settings list \(layerAttention.count) attention types and \(rotaryLayers.count) rotary flags for \(numHiddenLayers) layers")
            }
        }
        if DecoderFamily.named(modelType) == nil {
            found.append("model_type `\(modelType)` is not one of \(DecoderFamily.all.map(\.modelType).joined(separator: ", "))")
        }
        if let slidingWindow, slidingWindow <= 0 { found.append("sliding_window is \(slidingWindow), expected a positive number") }
        if !(rmsNormEps > 0) || !rmsNormEps.isFinite { found.append("rms_norm_eps is \(rmsNormEps), expected a positive number") }
        for (name, value) in [("embedding_multiplier", embeddingMultiplier), ("attention scale", attentionScale),
                              ("residual_multiplier", residualMultiplier), ("logits_scaling", logitsDivisor),
                              ("attn_logit_softcapping", attentionSoftCap), ("final_logit_softcapping", finalLogitSoftCap)] {
            if let value, !(value > 0 && value.isFinite) { found.append("\(name) is \(value), expected a positive number") }
        }
        return found
    }

    /// Throws a `CheckpointError` for `file` listing every problem, if there are any.
    public func validate(file: String) throws {
        let found = problems
        if !found.isEmpty { throw CheckpointError(file: file, "invalid \(family.displayName) configuration: " + found.joined(separator: "; ")) }
    }

    /// The names, shapes and kinds of the weights a checkpoint for this configuration holds, in order.
    public var parameterLayout: [DecoderParameter] {
        let c = hiddenSize, f = intermediateSize, t = traits
        var out: [DecoderParameter] = [.init("model.embed_tokens.weight", [vocabSize, c], .embedding)]
        for layer in 0..<numHiddenLayers {
            let p = "model.layers.\(layer)."
            func norm(_ name: String, _ size: Int = c) { out.append(.init(p + name + ".weight", [size], .norm)) }
            func linear(_ name: String, _ rows: Int, _ cols: Int, _ role: LinearRole, bias: Bool) {
                out.append(.init(p + name + ".weight", [rows, cols], .linear(role)))
                if bias { out.append(.init(p + name + ".bias", [rows], .bias)) }
            }
            if t.blockLayout != .postNorm { norm("input_layernorm") }
            if t.fusedProjections {
                linear("self_attn.qkv_proj", queryDim + 2 * kvDim, c, .fusedQueryKeyValue, bias: queryKeyValueBias)
            } else {
                linear("self_attn.q_proj", queryDim, c, .query, bias: queryKeyValueBias)
                linear("self_attn.k_proj", kvDim, c, .key, bias: queryKeyValueBias)
                linear("self_attn.v_proj", kvDim, c, .value, bias: queryKeyValueBias)
            }
            linear("self_attn.o_proj", c, queryDim, .attentionOutput, bias: outputBias)
            switch t.queryKeyNorm {
            case .none: break
            case .perHead: norm("self_attn.q_norm", headDim); norm("self_attn.k_norm", headDim)
            case .wholeProjection: norm("self_attn.q_norm", queryDim); norm("self_attn.k_norm", kvDim)
            }
            norm("post_attention_layernorm")
            if t.blockLayout == .sandwich { norm("pre_feedforward_layernorm") }
            if t.blockLayout != .preNorm { norm("post_feedforward_layernorm") }
            if t.fusedProjections {
                linear("mlp.gate_up_proj", 2 * f, c, .fusedGateUp, bias: false)
            } else {
                linear("mlp.gate_proj", f, c, .gate, bias: false)
                linear("mlp.up_proj", f, c, .up, bias: false)
            }
            linear("mlp.down_proj", c, f, .down, bias: false)
        }
        out.append(.init("model.norm.weight", [c], .norm))
        if !tieWordEmbeddings { out.append(.init("lm_head.weight", [vocabSize, c], .linear(.head))) }
        return out
    }

    /// The names and shapes of the weights, in checkpoint order.
    public var parameterShapes: [(name: String, shape: [Int])] { parameterLayout.map { ($0.name, $0.shape) } }

    /// `config.json` for this configuration, with `torch_dtype` float32, written by the family.
    public func huggingFaceConfiguration() -> [String: Any] { family.configurationJSON(self) }
}

/// One weight of a decoder checkpoint.
public struct DecoderParameter: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var kind: ParameterKind

    public init(_ name: String, _ shape: [Int], _ kind: ParameterKind) {
        self.name = name
        self.shape = shape
        self.kind = kind
    }
}

/// The configuration of the Llama family, by its older name.
public typealias LlamaConfiguration = DecoderConfiguration
