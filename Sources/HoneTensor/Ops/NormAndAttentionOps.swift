extension OpRegistry {
    /// RMSNorm, LayerNorm, rotary embeddings and attention.
    static let normAndAttentionOps: [any GradCheckable.Type] = [
        RMSNormOp.self,
        LayerNormOp.self,
        RotaryEmbeddingOp.self,
        CausalAttentionOp.self,
    ]
}

/// The tensor itself when row-major, else a copy made outside the graph: the norm, rotary and
/// attention ops record their original inputs, so the copy needs no node of its own.
func rowMajorCopyIfNeeded(_ t: Tensor) -> Tensor {
    t.isContiguous ? t : t.contiguousCopy()
}
