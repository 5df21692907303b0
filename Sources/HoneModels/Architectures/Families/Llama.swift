// Llama 2 and 3 (3.1/3.2 with llama3 rotary scaling): RMSNorm, rotary, GQA, SwiGLU.
extension DecoderFamily {
    static let llama = DecoderFamily(
        modelType: "llama", architectureClass: "LlamaForCausalLM", displayName: "Llama",
        traits: DecoderTraits(), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "llama", rotaryLayout: .interleaved),
        readOwnKeys: { r, c in try readAttentionBias(&r, &c) },
        writeOwnKeys: { c, json in
            json["attention_bias"] = c.outputBias
            json["mlp_bias"] = false
        },
        referenceCases: ["llama3", "llama-rope-linear", "llama-rope-yarn", "llama-rope-dynamic"])
}
