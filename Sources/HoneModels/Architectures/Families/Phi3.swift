// Phi-3 and Phi-4-mini: fused `qkv_proj` and `gate_up_proj` (gate first), partial rotary
// (`partial_rotary_factor`, 0.75 in Phi-4-mini), LongRoPE in the long-context variants.
extension DecoderFamily {
    static let phi3 = DecoderFamily(
        modelType: "phi3", architectureClass: "Phi3ForCausalLM", displayName: "Phi-3",
        traits: DecoderTraits(fusedProjections: true), defaultLoRATargets: ["qkv_proj"],
        gguf: GGUFNaming(architecture: "phi3", rotaryLayout: .halfRotation),
        defaultRMSNormEps: 1e-5,
        // Hub copies of Phi-3 name their own modeling files; transformers' Phi3 is the same model.
        harmlessKeys: ["auto_map"],
        readOwnKeys: { r, c in try readUniformWindow(&r, &c) },
        writeOwnKeys: { c, json in
            writeUniformWindow(c, into: &json)
            json["embd_pdrop"] = 0.0
            json["resid_pdrop"] = 0.0
        },
        referenceCases: ["phi3", "phi3-longrope"])
}
