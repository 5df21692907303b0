// Granite 3: Llama with multipliers on the embeddings, the attention scores and each block's
// residual branch, and logits divided by `logits_scaling`.
extension DecoderFamily {
    static let granite = DecoderFamily(
        modelType: "granite", architectureClass: "GraniteForCausalLM", displayName: "Granite",
        traits: DecoderTraits(), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "granite", rotaryLayout: .interleaved),
        readOwnKeys: { r, c in
            try readAttentionBias(&r, &c)
            c.embeddingMultiplier = Float(try r.double("embedding_multiplier") ?? 1)
            c.attentionScale = Float(try r.double("attention_multiplier") ?? 1)
            c.residualMultiplier = Float(try r.double("residual_multiplier") ?? 1)
            c.logitsDivisor = Float(try r.double("logits_scaling") ?? 1)
        },
        writeOwnKeys: { c, json in
            json["attention_bias"] = c.outputBias
            json["mlp_bias"] = false
            json["embedding_multiplier"] = Double((c.embeddingMultiplier ?? 1).shortestDouble)
            json["attention_multiplier"] = Double((c.attentionScale ?? 1 / Float(c.headDim).squareRoot()).shortestDouble)
            json["residual_multiplier"] = Double((c.residualMultiplier ?? 1).shortestDouble)
            json["logits_scaling"] = Double((c.logitsDivisor ?? 1).shortestDouble)
        },
        referenceCases: ["granite"])
}
