// Gemma 2: Gemma with norms before and after attention and the MLP, soft-capped attention
// scores and logits, `query_pre_attn_scalar`, and sliding-window layers alternating with global ones.
extension DecoderFamily {
    static let gemma2 = DecoderFamily(
        modelType: "gemma2", architectureClass: "Gemma2ForCausalLM", displayName: "Gemma 2",
        traits: DecoderTraits(normWeightOffset: 1, scalesEmbeddingBySqrtHidden: true, blockLayout: .sandwich),
        defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "gemma2", rotaryLayout: .halfRotation, storesNormWithOffset: true),
        defaultTieWordEmbeddings: true,
        activationKeys: ["hidden_activation", "hidden_act"], defaultActivation: .geluTanh,
        readOwnKeys: { r, c in
            try readGemma2Attention(&r, &c)
            try readLayerTypes(&r, &c, window: try r.int("sliding_window") ?? 4096) { $0 % 2 == 0 ? .sliding : .full }
        },
        writeOwnKeys: { c, json in writeGemma2Attention(c, into: &json) },
        referenceCases: ["gemma2"])
}
