// Gemma 3 text models (270M, 1B; `gemma3_text`): Gemma 2's sandwich norms plus RMSNorm on each
// head of q and k, a local rotary base for sliding layers and a global one for the rest, and
// sliding layers by `layer_types` (five of every six by default).
extension DecoderFamily {
    static let gemma3 = DecoderFamily(
        modelType: "gemma3_text", architectureClass: "Gemma3ForCausalLM", displayName: "Gemma 3",
        traits: DecoderTraits(normWeightOffset: 1, scalesEmbeddingBySqrtHidden: true, queryKeyNorm: .perHead, blockLayout: .sandwich),
        defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "gemma3", rotaryLayout: .halfRotation, storesNormWithOffset: true),
        defaultRopeTheta: 1_000_000, defaultTieWordEmbeddings: true,
        activationKeys: ["hidden_activation", "hidden_act"], defaultActivation: .geluTanh,
        hasLocalRotary: true,
        readOwnKeys: { r, c in
            try readGemma2Attention(&r, &c)
            let pattern = try r.int("_sliding_window_pattern") ?? r.int("sliding_window_pattern") ?? 6
            guard pattern > 0 else { throw r.error("`_sliding_window_pattern` is \(pattern), expected a positive number") }
            try readLayerTypes(&r, &c, window: try r.int("sliding_window") ?? 4096) { ($0 + 1) % pattern != 0 ? .sliding : .full }
        },
        writeOwnKeys: { c, json in writeGemma2Attention(c, into: &json) },
        referenceCases: ["gemma3"])
}
