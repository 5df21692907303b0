// The shared decoder body of every family in `DecoderFamily.all`: embeddings, then per layer
// attention and a gated MLP with the family's norms around them, a final norm and the output
// head, following Hugging Face's `modeling_llama.py`, `modeling_gemma2.py`, `modeling_olmo2.py`,
// … Weights keep their Hugging Face names and [out, in] layout.
import HoneTensor

/// A decoder causal language model. Every weight is a float32 `Tensor` under its Hugging Face name.
///
///     x = embed(tokens) · embedding scale
///     per layer (pre-norm): x = x + r·attn(norm(x))·Woᵀ;  x = x + r·(act(n·Wgateᵀ) * n·Wupᵀ)·Wdownᵀ,  n = norm(x)
///     logits = cap(norm(x)·Wlmᵀ / s)        (Wlm = the embedding when tied)
///
/// Gemma 2/3 wrap attention and the MLP in norms before and after (`BlockLayout.sandwich`),
/// OLMo 2 only after (`.postNorm`); `DecoderConfiguration` holds the rest of the knobs.
public final class DecoderModel: LanguageModel {
    public let configuration: DecoderConfiguration
    /// The float32 weights by Hugging Face name. `lm_head.weight` is absent when embeddings are
    /// tied; quantised linear weights are in `quantizedWeights` instead.
    public var weights: [String: Tensor] { store.floats }
    private var store: WeightStore
    /// "model.layers.N." for each layer, built once rather than on every forward.
    private let layerPrefixes: [String]
    private let traits: DecoderTraits
    private let kinds: [String: ParameterKind]
    /// Rotary angles per layer for settings that do not depend on the length, built once.
    private let fixedRotary: [RotaryFrequencies?]
    /// Ones of each norm size, for Gemma's (1 + w).
    private let normOffsets: [Int: Tensor]

    /// A model over `weights`, which must hold exactly `configuration.parameterShapes` (an extra
    /// `lm_head.weight` with tied embeddings is dropped). Throws a `CheckpointError` for `file`.
    public init(configuration: DecoderConfiguration, weights: [String: Tensor], file: String = "<memory>") throws {
        try configuration.validate(file: file)
        var weights = weights
        if configuration.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        let layout = configuration.parameterLayout
        weights = try CheckpointWeights.checked(weights, expected: layout.map { ($0.name, $0.shape) }, file: file,
                                                architecture: configuration.family.displayName)
        self.configuration = configuration
        traits = configuration.traits
        kinds = Dictionary(layout.map { ($0.name, $0.kind) }) { a, _ in a }
        layerPrefixes = (0..<configuration.numHiddenLayers).map { "model.layers.\($0)." }
        fixedRotary = (0..<configuration.numHiddenLayers).map { layer in
            guard let settings = configuration.rotarySettings(layer: layer), !settings.dependsOnLength else { return nil }
            return settings.frequencies(headDim: configuration.headDim, maxPositionEmbeddings: configuration.maxPositionEmbeddings,
                                        sequenceLength: 0)
        }
        var offsets: [Int: Tensor] = [:]
        if traits.normWeightOffset != 0 {
            for parameter in layout where parameter.kind == .norm {
                offsets[parameter.shape[0]] = Tensor(shape: parameter.shape, repeating: traits.normWeightOffset)
            }
        }
        normOffsets = offsets
        store = WeightStore(weights, linearModules: Self.linearModules(of: configuration))
    }

    public var architecture: ModelArchitecture { .llama }
    public var familyName: String { configuration.family.displayName }
    public var defaultLoRATargets: [String] { configuration.family.defaultLoRATargets }
    public func parameterKind(of name: String) -> ParameterKind? { kinds[name] }
    public var vocabularySize: Int { configuration.vocabSize }
    public var contextLength: Int { configuration.contextLength }
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

    /// Keeps the linear weight `name` as the quantised blocks a checkpoint stores (a GGUF's
    /// Q8_0 or Q4_0) instead of their float32 values.
    func keepWeight(_ name: String, quantizedAs matrix: QuantizedMatrix) throws { try store.keep(name, quantizedAs: matrix) }

    public var parameterCount: Int { configuration.parameterLayout.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    public var linearModules: [LinearModule] { Self.linearModules(of: configuration) }

    /// The linear layers of the blocks, read off the parameter layout's roles.
    static func linearModules(of cfg: DecoderConfiguration) -> [LinearModule] {
        cfg.parameterLayout.compactMap { parameter in
            guard case .linear(let role) = parameter.kind, role != .head else { return nil }
            return LinearModule(name: String(parameter.name.dropLast(".weight".count)), inFeatures: parameter.shape[1],
                                outFeatures: parameter.shape[0], role: role)
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
        let cfg = configuration
        let head = cfg.tieWordEmbeddings ? weight("model.embed_tokens.weight") : weight("lm_head.weight")
        var logits = hidden.matmul(head.transposed())
        if let divisor = cfg.logitsDivisor, divisor != 1 { logits = logits * (1 / divisor) }
        if let cap = cfg.finalLogitSoftCap { logits = logits.softCapped(cap) }
        return logits
    }

    public func hiddenStates(tokens: [Int], batch: Int) -> Tensor {
        trunk(tokens: tokens, batch: batch, cache: nil, lastPositionOnly: false)
    }

    /// The decoder layers and the final norm: hidden states [B, T, hidden] before the output head.
    private func trunk(tokens: [Int], batch: Int, cache: KVCache?, lastPositionOnly: Bool) -> Tensor {
        let cfg = configuration
        precondition(batch > 0 && !tokens.isEmpty && tokens.count % batch == 0, "DecoderModel.forward: \(tokens.count) tokens do not make \(batch) rows")
        let t = tokens.count / batch
        let start = cache?.length ?? 0
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < cfg.vocabSize }, "DecoderModel.forward: a token id is outside 0..<\(cfg.vocabSize)")
        precondition(start + t <= contextLength, "DecoderModel.forward: \(start + t) positions exceed the context length")
        var x = Tensor.embedding(weight("model.embed_tokens.weight"), indices: tokens, shape: [batch, t])
        if traits.scalesEmbeddingBySqrtHidden { x = x * Float(cfg.hiddenSize).squareRoot() }
        if let multiplier = cfg.embeddingMultiplier, multiplier != 1 { x = x * multiplier }
        let rotary = rotaryFrequencies(sequenceLength: start + t)
        let checkpointing = gradientCheckpointing && cache == nil && GradMode.isEnabled
        for layer in 0..<cfg.numHiddenLayers {
            if checkpointing {
                x = Tensor.checkpointed(inputs: [x]) { [unowned self] in
                    self.decoderLayer(layer, $0[0], batch: batch, time: t, start: start, rotary: rotary[layer], cache: nil)
                }
            } else {
                x = decoderLayer(layer, x, batch: batch, time: t, start: start, rotary: rotary[layer], cache: cache)
            }
        }
        cache?.advance(by: t)
        if lastPositionOnly && t > 1 { x = x.sliced(axis: 1, (t - 1)..<t).contiguous() }
        return norm(x, "model.norm.weight")
    }

    /// The rotary angles of each layer for a forward ending at `sequenceLength` (nil: no rotary).
    private func rotaryFrequencies(sequenceLength: Int) -> [RotaryFrequencies?] {
        let cfg = configuration
        return (0..<cfg.numHiddenLayers).map { layer in
            if let fixed = fixedRotary[layer] { return fixed }
            guard let settings = cfg.rotarySettings(layer: layer) else { return nil }
            return settings.frequencies(headDim: cfg.headDim, maxPositionEmbeddings: cfg.maxPositionEmbeddings, sequenceLength: sequenceLength)
        }
    }

    /// RMSNorm with the weight `name` over the last axis, times (offset + w) for Gemma.
    private func norm(_ x: Tensor, _ name: String) -> Tensor {
        var w = weight(name)
        if let ones = normOffsets[w.shape[0]] { w = w + ones }
        return x.rmsNorm(weight: w, eps: configuration.rmsNormEps)
    }

    /// q, k and v [B, T, heads, D] from the attention input, through fused or separate projections.
    private func projections(_ n: Tensor, _ p: String, batch: Int, time t: Int) -> (Tensor, Tensor, Tensor) {
        let cfg = configuration, bias = cfg.queryKeyValueBias
        var q, k, v: Tensor
        if traits.fusedProjections {
            let qkv = linear(n, p + "self_attn.qkv_proj", bias: bias)
            let parts = qkv.split([cfg.queryDim, cfg.kvDim, cfg.kvDim], axis: 2)
            (q, k, v) = (parts[0].contiguous(), parts[1].contiguous(), parts[2].contiguous())
        } else {
            q = linear(n, p + "self_attn.q_proj", bias: bias)
            k = linear(n, p + "self_attn.k_proj", bias: bias)
            v = linear(n, p + "self_attn.v_proj", bias: bias)
        }
        if traits.queryKeyNorm == .wholeProjection {
            q = norm(q, p + "self_attn.q_norm.weight")
            k = norm(k, p + "self_attn.k_norm.weight")
        }
        q = q.reshaped([batch, t, cfg.numAttentionHeads, cfg.headDim])
        k = k.reshaped([batch, t, cfg.numKeyValueHeads, cfg.headDim])
        v = v.reshaped([batch, t, cfg.numKeyValueHeads, cfg.headDim])
        if traits.queryKeyNorm == .perHead {
            q = norm(q, p + "self_attn.q_norm.weight")
            k = norm(k, p + "self_attn.k_norm.weight")
        }
        return (q, k, v)
    }

    /// act(n·Wgateᵀ) ⊙ n·Wupᵀ, then ·Wdownᵀ.
    private func mlp(_ n: Tensor, _ p: String) -> Tensor {
        let gate, up: Tensor
        if traits.fusedProjections {
            let parts = linear(n, p + "mlp.gate_up_proj").split([configuration.intermediateSize, configuration.intermediateSize], axis: 2)
            (gate, up) = (parts[0], parts[1])
        } else {
            (gate, up) = (linear(n, p + "mlp.gate_proj"), linear(n, p + "mlp.up_proj"))
        }
        let activated = configuration.activation == .silu ? gate.silu() : gate.gelu()
        return linear(activated * up, p + "mlp.down_proj")
    }

    /// One decoder layer, with the family's norms around attention and the MLP.
    private func decoderLayer(_ layer: Int, _ input: Tensor, batch: Int, time t: Int, start: Int,
                              rotary: RotaryFrequencies?, cache: KVCache?) -> Tensor {
        let cfg = configuration, p = layerPrefixes[layer]
        var x = input
        let attentionInput = traits.blockLayout == .postNorm ? x : norm(x, p + "input_layernorm.weight")
        var (q, k, v) = projections(attentionInput, p, batch: batch, time: t)
        if let rotary {
            q = q.rotaryEmbedding(startPosition: start, frequencies: rotary, layout: cfg.rotaryLayout)
            k = k.rotaryEmbedding(startPosition: start, frequencies: rotary, layout: cfg.rotaryLayout)
        }
        let settings = cfg.attentionSettings(layer: layer)
        let a: Tensor
        if let cache {
            cache.store(layer: layer, key: k, value: v)
            a = cache.attend(layer: layer, query: q, settings: settings)
        } else {
            a = settings == .standard ? Attention.causal(query: q, key: k, value: v)
                : Attention.causal(query: q, key: k, value: v, settings: settings)
        }
        var attended = linear(a.reshaped([batch, t, cfg.queryDim]), p + "self_attn.o_proj", bias: cfg.outputBias)
        switch traits.blockLayout {
        case .preNorm:
            if let r = cfg.residualMultiplier, r != 1 { attended = attended * r }
            x = x + attended
            var m = mlp(norm(x, p + "post_attention_layernorm.weight"), p)
            if let r = cfg.residualMultiplier, r != 1 { m = m * r }
            return x + m
        case .sandwich:
            x = x + norm(attended, p + "post_attention_layernorm.weight")
            let m = mlp(norm(x, p + "pre_feedforward_layernorm.weight"), p)
            return x + norm(m, p + "post_feedforward_layernorm.weight")
        case .postNorm:
            x = x + norm(attended, p + "post_attention_layernorm.weight")
            return x + norm(mlp(x, p), p + "post_feedforward_layernorm.weight")
        }
    }

    /// `config.json` for this model; q/k are saved in the half-rotation layout whatever this
    /// model holds, so the file always describes a Hugging Face checkpoint.
    public func huggingFaceConfiguration() -> [String: Any] { configuration.huggingFaceConfiguration() }
}

/// The decoder model by its first family's name.
public typealias LlamaModel = DecoderModel
