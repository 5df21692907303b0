// Qwen2 and Qwen2.5: Llama with biases on q, k and v, and optional sliding windows on the
// layers from `max_window_layers` on.
extension DecoderFamily {
    static let qwen2 = DecoderFamily(
        modelType: "qwen2", architectureClass: "Qwen2ForCausalLM", displayName: "Qwen2",
        traits: DecoderTraits(alwaysQueryKeyValueBias: true), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "qwen2", rotaryLayout: .halfRotation),
        readOwnKeys: { r, c in try readQwenWindows(&r, &c) },
        writeOwnKeys: { c, json in writeQwenWindows(c, into: &json) },
        referenceCases: ["qwen2"])
}
