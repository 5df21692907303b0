/// What `show model` reports about a model's size: parameters by part and the memory that
/// inference and each way of fine-tuning need, so a learner sees why LoRA and QLoRA exist.
public struct ModelSummary: Sendable {
    /// Parameters by part, in a fixed order: embeddings, attention, MLP, norms, output head.
    public var parts: [(name: String, count: Int)]
    public var total: Int
    public var estimates: [MemoryEstimate]

    /// Bytes of memory, with what the figure is made of.
    public struct MemoryEstimate: Sendable {
        public var method: String
        public var bytes: Int
        public var explanation: String
    }

    /// The trainable parameters LoRA adds with rank `rank` on the family's default targets
    /// (PEFT's: q and v for Llama-like families, Phi-3's qkv_proj, GPT-2's c_attn).
    public static func loraParameters(_ model: any LanguageModel, rank: Int) -> Int {
        let targets = Set(model.defaultLoRATargets)
        return model.linearModules.filter { targets.contains($0.shortName) }
            .reduce(0) { $0 + rank * ($1.inFeatures + $1.outFeatures) }
    }

    public init(_ model: any LanguageModel, sequenceLength: Int = 512, loraRank: Int = 8) {
        var counts = ["embeddings": 0, "attention": 0, "MLP": 0, "norms": 0, "output head": 0]
        var quantizable = 0
        // Biases count with their layer: the parameter before a bias is its weight.
        var lastLinear = "MLP"
        for (name, tensor) in model.parameters {
            let part: String
            switch model.parameterKind(of: name) {
            case .embedding?, .positionEmbedding?: part = "embeddings"
            case .linear(.head)?: part = "output head"
            case .norm?: part = "norms"
            case .linear(let role)?: part = role.isAttention ? "attention" : "MLP"; lastLinear = part
            case .bias?: part = lastLinear
            case nil: part = "MLP"
            }
            counts[part, default: 0] += tensor.count
            // QLoRA quantises the linear layers inside the blocks; embeddings, head and norms stay float.
            if tensor.rank == 2 && (part == "attention" || part == "MLP") { quantizable += tensor.count }
        }
        parts = ["embeddings", "attention", "MLP", "norms", "output head"].map { ($0, counts[$0]!) }
        total = model.parameterCount
        // In Double: a lying configuration may hold sizes whose products overflow Int.
        let t = Double(min(sequenceLength, model.contextLength))
        let (layers, hidden, vocab) = (Double(model.layerCount), Double(model.hiddenSize), Double(model.vocabularySize))
        let kvCache = 2 * layers * Double(model.keyValueHeads) * Double(model.headDim) * Double(model.contextLength) * 4
        // Saved activations per token for backward, in floats: about a dozen hidden-size vectors
        // and four MLP-width ones per layer, the attention probabilities, and the logits twice.
        let mlpWidth = max(hidden * 4, Double(model.linearModules.first { $0.role == .down }?.inFeatures ?? 0))
        let perToken = layers * (12 * hidden + 4 * mlpWidth + Double(model.attentionHeads) * t) + 2 * vocab
        let activations = perToken * t * 4
        let lora = Double(Self.loraParameters(model, rank: loraRank))
        let totalParameters = Double(total)
        let weights = totalParameters * 4
        let quantized = Double(quantizable) * (0.5 + 4.0 / 64)  // 4-bit values + a float scale per 64
        func bytes(_ value: Double) -> Int { Int(min(value, 9e18)) }
        estimates = [
            MemoryEstimate(method: "inference", bytes: bytes(weights + kvCache),
                           explanation: "float32 weights + a KV cache for \(model.contextLength) positions"),
            MemoryEstimate(method: "full fine-tuning", bytes: bytes(totalParameters * 16 + activations),
                           explanation: "weights, gradients and AdamW's two moments (16 bytes a parameter) + activations for 1 × \(Int(t)) tokens"),
            MemoryEstimate(method: "LoRA r=\(loraRank)", bytes: bytes(weights + lora * 16 + activations),
                           explanation: "frozen weights + \(Int(lora)) trainable parameters on \(model.defaultLoRATargets.joined(separator: "/")) with gradients and moments + activations"),
            MemoryEstimate(method: "QLoRA r=\(loraRank)", bytes: bytes(weights - Double(quantizable) * 4 + quantized + lora * 16 + activations),
                           explanation: "4-bit block linear weights (scale per 64) + float embeddings and norms + LoRA + activations"),
        ]
    }
}
