extension OpRegistry {
    /// RMSNorm, LayerNorm, rotary embeddings and attention.
    static let normAndAttentionOps: [any GradCheckable.Type] = []
}
