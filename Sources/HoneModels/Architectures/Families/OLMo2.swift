// OLMo 2: norms after attention and after the MLP (none before), and RMSNorm on q and k over
// the whole projection before the heads are split.
extension DecoderFamily {
    static let olmo2 = DecoderFamily(
        modelType: "olmo2", architectureClass: "Olmo2ForCausalLM", displayName: "OLMo 2",
        traits: DecoderTraits(queryKeyNorm: .wholeProjection, blockLayout: .postNorm), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "olmo2", rotaryLayout: .halfRotation),
        defaultRMSNormEps: 1e-5,
        readOwnKeys: { r, c in try readAttentionBias(&r, &c) },
        writeOwnKeys: { c, json in json["attention_bias"] = c.outputBias },
        referenceCases: ["olmo2"])
}
