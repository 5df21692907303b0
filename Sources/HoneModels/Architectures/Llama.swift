// The Llama architecture (Llama 2 style: RMSNorm, rotary embeddings, grouped-query attention,
// SwiGLU), following Hugging Face `modeling_llama.py` and llama2.c `run.c`. Weights keep their
// Hugging Face names and [out, in] layout.
import HoneTensor

/// A Llama configuration with the keys of Hugging Face's `config.json`.
public struct LlamaConfiguration: Codable, Sendable, Equatable {
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
    /// How q and k rows are ordered for rotary embeddings: `.halfRotation` for Hugging Face
    /// checkpoints, `.interleaved` for llama2.c and GGUF. Not part of `config.json`.
    public var rotaryLayout: RotaryLayout = .halfRotation

    enum CodingKeys: String, CodingKey {
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
    }

    public init(
        hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        numKeyValueHeads: Int, vocabSize: Int, maxPositionEmbeddings: Int,
        rmsNormEps: Float = 1e-5, ropeTheta: Float = 10000, tieWordEmbeddings: Bool = true,
        rotaryLayout: RotaryLayout = .halfRotation
    ) {
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
        self.rotaryLayout = rotaryLayout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
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
    }

    public var headDim: Int { hiddenSize / numAttentionHeads }
    public var kvDim: Int { numKeyValueHeads * headDim }

    /// The problems with this configuration, empty when it is usable.
    public var problems: [String] {
        var found: [String] = []
        let sizes: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
            ("num_key_value_heads", numKeyValueHeads), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings),
        ]
        for (name, value) in sizes where value <= 0 {
            found.append("\(name) is \(value), expected a positive number")
        }
        if found.isEmpty {
            if hiddenSize % numAttentionHeads != 0 {
                found.append("num_attention_heads \(numAttentionHeads) does not divide hidden_size \(hiddenSize)")
            } else if headDim % 2 != 0 {
                found.append("the head size \(headDim) (hidden_size / num_attention_heads) is odd; rotary embeddings need an even one")
            }
            if numAttentionHeads % numKeyValueHeads != 0 {
                found.append("num_key_value_heads \(numKeyValueHeads) does not divide num_attention_heads \(numAttentionHeads)")
            }
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
            shapes += [
                (p + "input_layernorm.weight", [c]),
                (p + "self_attn.q_proj.weight", [c, c]),
                (p + "self_attn.k_proj.weight", [kvDim, c]),
                (p + "self_attn.v_proj.weight", [kvDim, c]),
                (p + "self_attn.o_proj.weight", [c, c]),
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
public final class LlamaModel {
    public let configuration: LlamaConfiguration
    /// The weights by Hugging Face name. `lm_head.weight` is absent when embeddings are tied.
    public private(set) var weights: [String: Tensor]

    /// A model over `weights`, which must hold exactly `configuration.parameterShapes` (an extra
    /// `lm_head.weight` with tied embeddings is dropped). Throws a `CheckpointError` for `file`.
    public init(configuration: LlamaConfiguration, weights: [String: Tensor], file: String = "<memory>") throws {
        try configuration.validate(file: file)
        var weights = weights
        if configuration.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        let expected = configuration.parameterShapes
        for (name, shape) in expected {
            guard let tensor = weights[name] else {
                throw CheckpointError(file: file, tensor: name, "missing, expected a tensor of shape \(shape)")
            }
            guard tensor.shape == shape else {
                throw CheckpointError(file: file, tensor: name, "has shape \(tensor.shape), expected \(shape)")
            }
            if tensor.dtype != .float32 { weights[name] = tensor.converted(to: .float32) }
        }
        let known = Set(expected.map(\.name))
        if let extra = weights.keys.filter({ !known.contains($0) }).sorted().first {
            throw CheckpointError(file: file, tensor: extra, "is not a weight of this Llama configuration")
        }
        self.configuration = configuration
        self.weights = weights
    }

    /// The weights in checkpoint order, with their names.
    public var parameters: [(name: String, tensor: Tensor)] {
        configuration.parameterShapes.map { ($0.name, weights[$0.name]!) }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }

    private func weight(_ name: String) -> Tensor { weights[name]! }

    /// Logits [T, vocab] for one sequence of token ids (each in 0..<vocab, at most
    /// `maxPositionEmbeddings` of them), positions starting at 0.
    public func forward(tokens: [Int]) -> Tensor {
        let cfg = configuration
        let t = tokens.count
        precondition(t > 0, "LlamaModel.forward: no tokens")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < cfg.vocabSize }, "LlamaModel.forward: a token id is outside 0..<\(cfg.vocabSize)")
        let (c, d) = (cfg.hiddenSize, cfg.headDim)
        var x = Tensor.embedding(weight("model.embed_tokens.weight"), indices: tokens, shape: [1, t])
        for layer in 0..<cfg.numHiddenLayers {
            let p = "model.layers.\(layer)."
            let n1 = x.rmsNorm(weight: weight(p + "input_layernorm.weight"), eps: cfg.rmsNormEps)
            let q = n1.matmul(weight(p + "self_attn.q_proj.weight").transposed()).reshaped([1, t, cfg.numAttentionHeads, d])
                .rotaryEmbedding(startPosition: 0, theta: cfg.ropeTheta, layout: cfg.rotaryLayout)
            let k = n1.matmul(weight(p + "self_attn.k_proj.weight").transposed()).reshaped([1, t, cfg.numKeyValueHeads, d])
                .rotaryEmbedding(startPosition: 0, theta: cfg.ropeTheta, layout: cfg.rotaryLayout)
            let v = n1.matmul(weight(p + "self_attn.v_proj.weight").transposed()).reshaped([1, t, cfg.numKeyValueHeads, d])
            let a = Attention.causal(query: q, key: k, value: v).reshaped([1, t, c])
            x = x + a.matmul(weight(p + "self_attn.o_proj.weight").transposed())
            let n2 = x.rmsNorm(weight: weight(p + "post_attention_layernorm.weight"), eps: cfg.rmsNormEps)
            let gated = n2.matmul(weight(p + "mlp.gate_proj.weight").transposed()).silu()
                * n2.matmul(weight(p + "mlp.up_proj.weight").transposed())
            x = x + gated.matmul(weight(p + "mlp.down_proj.weight").transposed())
        }
        let h = x.rmsNorm(weight: weight("model.norm.weight"), eps: cfg.rmsNormEps)
        let head = cfg.tieWordEmbeddings ? weight("model.embed_tokens.weight") : weight("lm_head.weight")
        return h.matmul(head.transposed()).reshaped([t, cfg.vocabSize])
    }
}
