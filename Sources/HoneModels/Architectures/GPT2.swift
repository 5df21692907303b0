// The GPT-2 architecture (learned positions, pre-LayerNorm blocks, fused q/k/v, GELU-tanh MLP,
// output tied to the token embedding), following Hugging Face `modeling_gpt2.py` and llm.c
// `train_gpt2.c`. Weights keep their Hugging Face names and GPT-2's Conv1D layout [in, out], so
// a projection is x·W + b with no transpose and a saved checkpoint matches transformers exactly.
import Foundation
import HoneTensor

/// A GPT-2 configuration with the keys of Hugging Face's `config.json`.
public struct GPT2Configuration: Codable, Sendable, Equatable {
    /// The `activation_function` values implemented: both name the tanh approximation of GELU.
    public static let supportedActivations = ["gelu_new", "gelu_pytorch_tanh"]

    public var embeddingSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var positionCount: Int
    public var vocabSize: Int
    /// The MLP width; nil means 4·`embeddingSize` (`n_inner: null`).
    public var innerSize: Int?
    public var layerNormEpsilon: Float
    public var activationFunction: String
    public var tieWordEmbeddings: Bool
    public var bosTokenID: Int?
    public var eosTokenID: Int?

    enum CodingKeys: String, CodingKey {
        case embeddingSize = "n_embd"
        case layerCount = "n_layer"
        case headCount = "n_head"
        case positionCount = "n_positions"
        case vocabSize = "vocab_size"
        case innerSize = "n_inner"
        case layerNormEpsilon = "layer_norm_epsilon"
        case activationFunction = "activation_function"
        case tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
    }

    public init(
        embeddingSize: Int, layerCount: Int, headCount: Int, positionCount: Int, vocabSize: Int,
        innerSize: Int? = nil, layerNormEpsilon: Float = 1e-5, activationFunction: String = "gelu_new",
        tieWordEmbeddings: Bool = true, bosTokenID: Int? = 50256, eosTokenID: Int? = 50256
    ) {
        self.embeddingSize = embeddingSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.positionCount = positionCount
        self.vocabSize = vocabSize
        self.innerSize = innerSize
        self.layerNormEpsilon = layerNormEpsilon
        self.activationFunction = activationFunction
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    /// Missing keys take transformers' `GPT2Config` defaults, except the sizes, which are required.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        embeddingSize = try c.decode(Int.self, forKey: .embeddingSize)
        layerCount = try c.decode(Int.self, forKey: .layerCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        positionCount = try c.decodeIfPresent(Int.self, forKey: .positionCount) ?? 1024
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        innerSize = try c.decodeIfPresent(Int.self, forKey: .innerSize)
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        activationFunction = try c.decodeIfPresent(String.self, forKey: .activationFunction) ?? "gelu_new"
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? true
        // Token ids are metadata the model never reads; a list or other form is dropped.
        bosTokenID = (try? c.decodeIfPresent(Int.self, forKey: .bosTokenID)) ?? nil
        eosTokenID = (try? c.decodeIfPresent(Int.self, forKey: .eosTokenID)) ?? nil
    }

    /// The MLP width: `n_inner`, or 4·`n_embd` when it is null.
    public var mlpSize: Int { innerSize ?? 4 * embeddingSize }
    public var headDim: Int { embeddingSize / headCount }

    /// The problems with this configuration, empty when it is usable.
    public var problems: [String] {
        var found: [String] = []
        let limit = LlamaConfiguration.sizeLimit
        let sizes: [(String, Int)] = [
            ("n_embd", embeddingSize), ("n_layer", layerCount), ("n_head", headCount),
            ("n_positions", positionCount), ("vocab_size", vocabSize), ("n_inner", innerSize ?? 1),
        ]
        for (name, value) in sizes where value <= 0 || value > limit {
            found.append("\(name) is \(value), expected a positive number up to \(limit)")
        }
        if layerCount > LlamaConfiguration.layerLimit {
            found.append("n_layer is \(layerCount), more than the \(LlamaConfiguration.layerLimit) hone accepts")
        }
        if headCount > 0 && embeddingSize > 0 && embeddingSize % headCount != 0 {
            found.append("n_head \(headCount) does not divide n_embd \(embeddingSize)")
        }
        if !(layerNormEpsilon > 0) || !layerNormEpsilon.isFinite {
            found.append("layer_norm_epsilon is \(layerNormEpsilon), expected a positive number")
        }
        if !Self.supportedActivations.contains(activationFunction) {
            found.append("activation_function `\(activationFunction)` is not implemented; supported: "
                + Self.supportedActivations.joined(separator: ", ") + " (GELU, tanh approximation)")
        }
        return found
    }

    /// Throws a `CheckpointError` for `file` listing every problem, if there are any.
    public func validate(file: String) throws {
        let found = problems
        if !found.isEmpty { throw CheckpointError(file: file, "invalid GPT-2 configuration: " + found.joined(separator: "; ")) }
    }

    /// The names and shapes of the weights a checkpoint for this configuration holds, in the
    /// order of transformers' `GPT2LMHeadModel.named_parameters()`. Conv1D weights are [in, out].
    public var parameterShapes: [(name: String, shape: [Int])] {
        let c = embeddingSize, f = mlpSize
        var shapes: [(String, [Int])] = [("transformer.wte.weight", [vocabSize, c]), ("transformer.wpe.weight", [positionCount, c])]
        for layer in 0..<layerCount {
            let p = "transformer.h.\(layer)."
            shapes += [
                (p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]),
                (p + "attn.c_attn.weight", [c, 3 * c]), (p + "attn.c_attn.bias", [3 * c]),
                (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]),
                (p + "mlp.c_fc.weight", [c, f]), (p + "mlp.c_fc.bias", [f]),
                (p + "mlp.c_proj.weight", [f, c]), (p + "mlp.c_proj.bias", [c]),
            ]
        }
        shapes += [("transformer.ln_f.weight", [c]), ("transformer.ln_f.bias", [c])]
        if !tieWordEmbeddings { shapes.append(("lm_head.weight", [vocabSize, c])) }
        return shapes
    }
}

/// A GPT-2 causal language model (`GPT2LMHeadModel`). Every weight is a float32 `Tensor` under
/// its Hugging Face name.
///
///     x = wte[tokens] + wpe[positions]
///     per layer: q,k,v = split(n·Wattn + battn), n = ln_1(x);  x = x + attn(q,k,v)·Wproj + bproj
///                x = x + gelu_tanh(n·Wfc + bfc)·Wmlp + bmlp,   n = ln_2(x)
///     logits = ln_f(x)·wteᵀ        (lm_head.weight instead when not tied)
public final class GPT2Model: LanguageModel {
    public let configuration: GPT2Configuration
    /// The float32 weights by Hugging Face name. `lm_head.weight` is absent when embeddings are
    /// tied; quantised Conv1D weights are in `quantizedWeights` instead.
    public var weights: [String: Tensor] { store.floats }
    private var store: WeightStore

    /// A model over `weights`, which must hold exactly `configuration.parameterShapes` (an extra
    /// `lm_head.weight` of the embedding's shape is dropped when tied). Throws a
    /// `CheckpointError` for `file` naming the tensor at fault.
    public init(configuration: GPT2Configuration, weights: [String: Tensor], file: String = "<memory>") throws {
        try configuration.validate(file: file)
        var weights = weights
        if configuration.tieWordEmbeddings, let head = weights["lm_head.weight"] {
            let expected = [configuration.vocabSize, configuration.embeddingSize]
            guard head.shape == expected else {
                throw CheckpointError(file: file, tensor: "lm_head.weight",
                    "has shape \(head.shape), expected \(expected) (tied to transformer.wte.weight)")
            }
            weights["lm_head.weight"] = nil
        }
        weights = try CheckpointWeights.checked(weights, expected: configuration.parameterShapes, file: file, architecture: "GPT-2")
        self.configuration = configuration
        store = WeightStore(weights, linearModules: Self.linearModules(of: configuration))
    }

    public var architecture: ModelArchitecture { .gpt2 }
    public var vocabularySize: Int { configuration.vocabSize }
    public var contextLength: Int { configuration.positionCount }
    public var hiddenSize: Int { configuration.embeddingSize }
    public var layerCount: Int { configuration.layerCount }
    public var attentionHeads: Int { configuration.headCount }
    public var keyValueHeads: Int { configuration.headCount }
    public var headDim: Int { configuration.headDim }

    /// The weights in checkpoint order, with their names.
    public var parameters: [(name: String, tensor: Tensor)] {
        configuration.parameterShapes.map { ($0.name, store[$0.name]!) }
    }

    private func weight(_ name: String) -> Tensor { store.floats[name]! }

    public var linearHook: (any LinearLayerHook)?

    public var gradientCheckpointing = false

    /// x·W + b for the Conv1D module `name` (W stored [in, out]), or what the hook makes of it.
    private func conv1D(_ x: Tensor, _ name: String) -> Tensor {
        let b = weight(name + ".bias")
        let quantized = quantizedWeights[name + ".weight"]
        let base = { (quantized.map { x.matmul(quantizedTransposed: $0) } ?? x.matmul(self.weight(name + ".weight"))) + b }
        guard let linearHook else { return base() }
        return linearHook.output(of: name, input: x, weight: { self.store[name + ".weight"]! }, bias: b, base: base)
    }

    /// Quantised Conv1D weights are held transposed, [out, in], as the quantised matmul takes them.
    public var quantizedWeights: [String: QuantizedMatrix] { store.quantized }

    public func quantizeWeight(_ name: String, format: QuantizationFormat) throws { try store.quantize(name, format: format) }

    public var parameterCount: Int { configuration.parameterShapes.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    public var linearModules: [LinearModule] { Self.linearModules(of: configuration) }

    static func linearModules(of configuration: GPT2Configuration) -> [LinearModule] {
        let c = configuration.embeddingSize, f = configuration.mlpSize
        return (0..<configuration.layerCount).flatMap { layer -> [LinearModule] in
            let p = "transformer.h.\(layer)."
            return [
                LinearModule(name: p + "attn.c_attn", inFeatures: c, outFeatures: 3 * c, storesTransposed: true, role: .fusedQueryKeyValue),
                LinearModule(name: p + "attn.c_proj", inFeatures: c, outFeatures: c, storesTransposed: true, role: .attentionOutput),
                LinearModule(name: p + "mlp.c_fc", inFeatures: c, outFeatures: f, storesTransposed: true, role: .up),
                LinearModule(name: p + "mlp.c_proj", inFeatures: f, outFeatures: c, storesTransposed: true, role: .down),
            ]
        }
    }

    public func replaceWeight(_ name: String, with tensor: Tensor) throws { try store.replace(name, with: tensor) }

    public func parameterKind(of name: String) -> ParameterKind? {
        guard configuration.parameterShapes.contains(where: { $0.name == name }) else { return nil }
        switch name {
        case "transformer.wte.weight": return .embedding
        case "transformer.wpe.weight": return .positionEmbedding
        case "lm_head.weight": return .linear(.head)
        default: break
        }
        let module = String(name.dropLast(name.hasSuffix(".bias") ? 5 : 7))
        if name.hasSuffix(".bias") { return .bias }
        if let linear = linearModule(named: module) { return .linear(linear.role) }
        return .norm
    }

    /// PEFT's default for GPT-2 (`src/peft/utils/constants.py`).
    public var defaultLoRATargets: [String] { ["c_attn"] }
    public var familyName: String { "GPT-2" }

    /// Logits [B, T, vocab]. See `LanguageModel.forward(tokens:batch:cache:)`.
    public func forward(tokens: [Int], batch: Int, cache: KVCache?, lastPositionOnly: Bool) -> Tensor {
        let cfg = configuration
        precondition(batch > 0 && !tokens.isEmpty && tokens.count % batch == 0,
                     "GPT2Model.forward: \(tokens.count) tokens do not form \(batch) sequences")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < cfg.vocabSize }, "GPT2Model.forward: a token id is outside 0..<\(cfg.vocabSize)")
        let t = tokens.count / batch
        let start = cache?.length ?? 0
        precondition(start + t <= cfg.positionCount, "GPT2Model.forward: \(start + t) positions exceed n_positions \(cfg.positionCount)")
        if let cache {
            precondition(cache.batch == batch && cache.layers == cfg.layerCount && cache.keyValueHeads == cfg.headCount
                         && cache.headDim == cfg.headDim, "GPT2Model.forward: the cache does not fit this model and batch")
            return GradMode.withoutGradients { run(tokens: tokens, batch: batch, time: t, start: start, cache: cache, lastPositionOnly: lastPositionOnly) }
        }
        return run(tokens: tokens, batch: batch, time: t, start: 0, cache: nil, lastPositionOnly: lastPositionOnly)
    }

    private func run(tokens: [Int], batch b: Int, time t: Int, start: Int, cache: KVCache?, lastPositionOnly: Bool, hiddenOnly: Bool = false) -> Tensor {
        let cfg = configuration
        let eps = cfg.layerNormEpsilon
        let positions = Tensor.embedding(weight("transformer.wpe.weight"), indices: Array(start..<(start + t)), shape: [1, t])
        var x = Tensor.embedding(weight("transformer.wte.weight"), indices: tokens, shape: [b, t]) + positions
        let checkpointing = gradientCheckpointing && cache == nil && GradMode.isEnabled
        for layer in 0..<cfg.layerCount {
            if checkpointing {
                x = Tensor.checkpointed(inputs: [x]) { [unowned self] in
                    self.block(layer, $0[0], batch: b, time: t, cache: nil)
                }
            } else {
                x = block(layer, x, batch: b, time: t, cache: cache)
            }
        }
        cache?.advance(by: t)
        if lastPositionOnly && t > 1 { x = x.sliced(axis: 1, (t - 1)..<t).contiguous() }
        let final = x.layerNorm(weight: weight("transformer.ln_f.weight"), bias: weight("transformer.ln_f.bias"), eps: eps)
        return hiddenOnly ? final : logits(hidden: final)
    }

    public func logits(hidden: Tensor) -> Tensor {
        let head = configuration.tieWordEmbeddings ? weight("transformer.wte.weight") : weight("lm_head.weight")
        return hidden.matmul(head.transposed())
    }

    public func hiddenStates(tokens: [Int], batch: Int) -> Tensor {
        let t = tokens.count / batch
        return run(tokens: tokens, batch: batch, time: t, start: 0, cache: nil, lastPositionOnly: false, hiddenOnly: true)
    }

    /// One block: x + attention(layerNorm(x)), then + mlp(layerNorm(·)).
    private func block(_ layer: Int, _ input: Tensor, batch b: Int, time t: Int, cache: KVCache?) -> Tensor {
        let cfg = configuration
        let (c, h, d, eps) = (cfg.embeddingSize, cfg.headCount, cfg.headDim, cfg.layerNormEpsilon)
        let p = "transformer.h.\(layer)."
        var x = input
        let n1 = x.layerNorm(weight: weight(p + "ln_1.weight"), bias: weight(p + "ln_1.bias"), eps: eps)
        let qkv = conv1D(n1, p + "attn.c_attn").split([c, c, c], axis: 2)
        let (q, k, v) = (qkv[0].reshaped([b, t, h, d]), qkv[1].reshaped([b, t, h, d]), qkv[2].reshaped([b, t, h, d]))
        let attended: Tensor
        if let cache {
            cache.store(layer: layer, key: k, value: v)
            attended = cache.attend(layer: layer, query: q)
        } else {
            attended = Attention.causal(query: q, key: k, value: v)
        }
        x = x + conv1D(attended.reshaped([b, t, c]), p + "attn.c_proj")
        let n2 = x.layerNorm(weight: weight(p + "ln_2.weight"), bias: weight(p + "ln_2.bias"), eps: eps)
        let hidden = conv1D(n2, p + "mlp.c_fc").gelu()
        return x + conv1D(hidden, p + "mlp.c_proj")
    }

    /// The `config.json` of a `GPT2LMHeadModel` with this configuration. Features hone refuses
    /// on loading are written out with the values it implements.
    public func huggingFaceConfiguration() -> [String: Any] {
        let cfg = configuration
        var json: [String: Any] = [
            "model_type": "gpt2",
            "architectures": ["GPT2LMHeadModel"],
            "n_embd": cfg.embeddingSize,
            "n_layer": cfg.layerCount,
            "n_head": cfg.headCount,
            "n_positions": cfg.positionCount,
            "vocab_size": cfg.vocabSize,
            "n_inner": cfg.innerSize.map { $0 as Any } ?? NSNull(),
            "layer_norm_epsilon": cfg.layerNormEpsilon.shortestDouble,
            "activation_function": cfg.activationFunction,
            "tie_word_embeddings": cfg.tieWordEmbeddings,
            "scale_attn_weights": true,
            "scale_attn_by_inverse_layer_idx": false,
            "reorder_and_upcast_attn": false,
            "add_cross_attention": false,
            "use_cache": true,
        ]
        json["bos_token_id"] = cfg.bosTokenID.map { $0 as Any } ?? NSNull()
        json["eos_token_id"] = cfg.eosTokenID.map { $0 as Any } ?? NSNull()
        return json
    }
}
