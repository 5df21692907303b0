// Mistral: Llama with an optional sliding window over every layer.
extension DecoderFamily {
    static let mistral = DecoderFamily(
        modelType: "mistral", architectureClass: "MistralForCausalLM", displayName: "Mistral",
        traits: DecoderTraits(), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "llama", rotaryLayout: .interleaved),
        readOwnKeys: { r, c in try readUniformWindow(&r, &c) },
        writeOwnKeys: { c, json in writeUniformWindow(c, into: &json) },
        referenceCases: ["mistral-sliding"])
}
