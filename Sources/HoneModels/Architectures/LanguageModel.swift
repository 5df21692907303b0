// What every architecture shows to generation, saving, adapters and commands, so that none of
// them needs to know whether it holds a Llama or a GPT-2.
import Foundation
import HoneTensor

/// The architectures hone implements, by their Hugging Face `model_type`.
/// `.llama` covers every decoder family of `DecoderFamily.all` (they share `DecoderModel`);
/// a model's `familyName` and `huggingFaceConfiguration()` say which one it is.
public enum ModelArchitecture: String, Sendable, CaseIterable {
    case llama
    case gpt2
}

/// A causal language model whose weights are float32 tensors under their Hugging Face names.
public protocol LanguageModel: AnyObject {
    var architecture: ModelArchitecture { get }
    var vocabularySize: Int { get }
    /// The most positions the model attends over (`max_position_embeddings`, `n_positions`).
    var contextLength: Int { get }
    var hiddenSize: Int { get }
    var layerCount: Int { get }
    var attentionHeads: Int { get }
    var keyValueHeads: Int { get }
    var headDim: Int { get }
    /// The weights in checkpoint order (a tied output embedding appears once, as the input embedding).
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// The float32 weights as stored, by name (quantised ones are not here, and none is
    /// dequantised to list them).
    var weights: [String: Tensor] { get }
    /// Logits [B, T, vocab] for `tokens`, row-major [B, T] with B = `batch`. Without a cache the
    /// positions are 0..<T and the forward records gradients when grad mode is on. With a cache
    /// the positions are `cache.length ..< cache.length + T`; the keys and values of these
    /// positions are appended to it (inference only). Token ids must be in 0..<vocabularySize
    /// and positions below `contextLength`; callers validate (`validate(tokens:start:)`).
    /// With `lastPositionOnly` the logits are [B, 1, vocab], for the last position only: a
    /// prompt's prefill needs no more, and all positions of a long prompt over a large
    /// vocabulary would take gigabytes.
    func forward(tokens: [Int], batch: Int, cache: KVCache?, lastPositionOnly: Bool) -> Tensor
    /// The final hidden states [B, T, hidden] (after the last norm, before the output head), for
    /// heads other than the language-model head (a reward model's scalar head).
    func hiddenStates(tokens: [Int], batch: Int) -> Tensor
    /// The output head applied to hidden states [..., hidden] from `hiddenStates`: logits
    /// [..., vocab]. PPO needs both from one forward (values from the hidden states, log-probs
    /// from the logits).
    func logits(hidden: Tensor) -> Tensor
    /// The `config.json` this model is saved with, as a JSON object.
    func huggingFaceConfiguration() -> [String: Any]
    /// The linear layers inside the blocks (not the output head), in checkpoint order: what
    /// LoRA can target and QLoRA quantises.
    var linearModules: [LinearModule] { get }
    /// What the linear layers compute instead of x·Wᵀ + b when set (adapters).
    var linearHook: (any LinearLayerHook)? { get set }
    /// When on, a forward that records gradients keeps only each decoder layer's input and
    /// recomputes the layer's activations in backward (`Tensor.checkpointed`): less memory for a
    /// second forward of every layer. Gradients are the same as without it. Off by default.
    var gradientCheckpointing: Bool { get set }
    /// Replaces the weight `name` (same shape), as merging an adapter does; a quantised weight
    /// becomes a float one again.
    func replaceWeight(_ name: String, with tensor: Tensor) throws
    /// The linear weights stored quantised (QLoRA's frozen base), by weight name. Their float
    /// tensors are dropped; `parameters` dequantises them when asked.
    var quantizedWeights: [String: QuantizedMatrix] { get }
    /// Stores the weight `name` of a linear module quantised, in [out, in] orientation.
    func quantizeWeight(_ name: String, format: QuantizationFormat) throws
    /// The number of weights (a tied embedding counted once), without dequantising anything.
    var parameterCount: Int { get }
    /// What the weight `name` is (nil when the model has no such weight).
    func parameterKind(of name: String) -> ParameterKind?
    /// The PEFT-style module names LoRA targets when none are given (PEFT's defaults for the family).
    var defaultLoRATargets: [String] { get }
    /// The family's name for people ("Llama", "Gemma 2").
    var familyName: String { get }
}

/// What a linear layer computes inside a block, whatever a family names it. Adapters, the
/// memory estimate and weight decay read roles, never name substrings.
public enum LinearRole: String, Sendable, Equatable, CaseIterable {
    case query, key, value
    /// q, k and v in one matrix (Phi-3's `qkv_proj`, GPT-2's `c_attn`).
    case fusedQueryKeyValue
    case attentionOutput
    case gate, up, down
    /// gate and up in one matrix, gate first (Phi-3's `gate_up_proj`).
    case fusedGateUp
    /// The output head (`lm_head`), outside the blocks.
    case head

    /// Whether the layer belongs to attention (rather than the MLP or the head).
    public var isAttention: Bool { [.query, .key, .value, .fusedQueryKeyValue, .attentionOutput].contains(self) }
}

/// What a weight of a checkpoint is, so that training can exclude norms and biases from weight
/// decay and count what each part costs without reading names.
public enum ParameterKind: Sendable, Equatable {
    case embedding
    /// Learned absolute position embeddings (GPT-2's `wpe`).
    case positionEmbedding
    case linear(LinearRole)
    case bias
    case norm
}

/// A linear layer of a model, named as Hugging Face names its module
/// ("model.layers.0.self_attn.q_proj"); its weight is `name + ".weight"`.
public struct LinearModule: Sendable, Equatable {
    public var name: String
    public var inFeatures: Int
    public var outFeatures: Int
    /// GPT-2's Conv1D stores the weight [in, out] (PEFT's `fan_in_fan_out`); Linear stores [out, in].
    public var storesTransposed: Bool
    public var role: LinearRole

    public init(name: String, inFeatures: Int, outFeatures: Int, storesTransposed: Bool = false, role: LinearRole) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.storesTransposed = storesTransposed
        self.role = role
    }

    /// The last part of the name ("q_proj"), which PEFT's `target_modules` match.
    public var shortName: String { name.split(separator: ".").last.map(String.init) ?? name }
}

/// Changes what a model's linear layers compute. The model calls `output` for every linear
/// layer with the layer's input and weights and a closure computing the plain x·Wᵀ + b; the
/// hook returns the layer's output (an adapter adds its low-rank path).
public protocol LinearLayerHook: AnyObject {
    /// `weight` gives the weight as the model stores it (dequantised when it is quantised), for
    /// hooks that need it (DoRA); `base` computes x·Wᵀ + b the model's own way.
    func output(of module: String, input: Tensor, weight: () -> Tensor, bias: Tensor?, base: () -> Tensor) -> Tensor
}

/// Why a model cannot run a token sequence.
public enum ModelInputError: Error, Equatable, CustomStringConvertible, Sendable {
    case empty
    case tokenOutOfRange(index: Int, id: Int, vocabularySize: Int)
    case tooLong(positions: Int, contextLength: Int)

    public var description: String {
        switch self {
        case .empty: "there are no tokens to run"
        case .tokenOutOfRange(let index, let id, let vocabularySize):
            "token \(index) has id \(id), outside the vocabulary 0..<\(vocabularySize)"
        case .tooLong(let positions, let contextLength):
            "\(positions) positions exceed the model's context length of \(contextLength)"
        }
    }
}

extension LanguageModel {
    /// The linear module called `name`, if there is one.
    public func linearModule(named name: String) -> LinearModule? { linearModules.first { $0.name == name } }

    /// Logits [B, T, vocab] at every position.
    public func forward(tokens: [Int], batch: Int, cache: KVCache?) -> Tensor {
        forward(tokens: tokens, batch: batch, cache: cache, lastPositionOnly: false)
    }


    /// Throws when `tokens` (of one sequence) cannot run at positions `start...`.
    public func validate(tokens: [Int], start: Int = 0) throws(ModelInputError) {
        guard !tokens.isEmpty else { throw .empty }
        if let i = tokens.firstIndex(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw .tokenOutOfRange(index: i, id: tokens[i], vocabularySize: vocabularySize)
        }
        if start + tokens.count > contextLength { throw .tooLong(positions: start + tokens.count, contextLength: contextLength) }
    }

    /// Logits [T, vocab] for one sequence at positions 0..<T.
    public func forward(tokens: [Int]) -> Tensor {
        forward(tokens: tokens, batch: 1, cache: nil).reshaped([tokens.count, vocabularySize])
    }

    /// An empty cache for `batch` sequences of up to `capacity` positions (default: the context length).
    public func makeCache(batch: Int = 1, capacity: Int? = nil) -> KVCache {
        KVCache(layers: layerCount, batch: batch, capacity: min(capacity ?? contextLength, contextLength),
                keyValueHeads: keyValueHeads, headDim: headDim)
    }

    /// `config.json` bytes: pretty-printed with sorted keys, as Hugging Face writes them.
    public func huggingFaceConfigurationJSON() throws -> Data {
        try JSONSerialization.data(withJSONObject: huggingFaceConfiguration(), options: [.prettyPrinted, .sortedKeys])
    }
}
