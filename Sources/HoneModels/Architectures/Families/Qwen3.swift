// Qwen3: RMSNorm on each head of q and k before the rotary embedding, no q/k/v biases, and
// `head_dim` free of hidden/heads (128 with hidden 1024 in Qwen3 0.6B).
extension DecoderFamily {
    static let qwen3 = DecoderFamily(
        modelType: "qwen3", architectureClass: "Qwen3ForCausalLM", displayName: "Qwen3",
        traits: DecoderTraits(queryKeyNorm: .perHead), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "qwen3", rotaryLayout: .halfRotation),
        readOwnKeys: { r, c in
            try readAttentionBias(&r, &c)
            try readQwenWindows(&r, &c)
        },
        writeOwnKeys: { c, json in
            json["attention_bias"] = c.outputBias
            writeQwenWindows(c, into: &json)
        },
        referenceCases: ["qwen3"])
}
