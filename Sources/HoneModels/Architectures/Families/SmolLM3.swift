// SmolLM3: Llama with rotary embeddings left out of some layers (`no_rope_layers`, 1 = uses
// rotary; by default every fourth layer has none).
extension DecoderFamily {
    static let smollm3 = DecoderFamily(
        modelType: "smollm3", architectureClass: "SmolLM3ForCausalLM", displayName: "SmolLM3",
        traits: DecoderTraits(), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "smollm3", rotaryLayout: .interleaved),
        defaultRopeTheta: 2_000_000, defaultTieWordEmbeddings: true,
        readOwnKeys: { r, c in
            try readAttentionBias(&r, &c)
            try readQwenWindows(&r, &c)
            let interval = try r.int("no_rope_layer_interval", default: 4)
            if let listed = try r.list("no_rope_layers") {
                guard listed.count == c.numHiddenLayers else {
                    throw r.error("`no_rope_layers` lists \(listed.count) layers; num_hidden_layers is \(c.numHiddenLayers)")
                }
                c.rotaryLayers = try listed.enumerated().map { index, value in
                    let flag = try ConfigReader.int(value, key: "no_rope_layers[\(index)]", path: r.path)
                    guard flag == 0 || flag == 1 else { throw r.error("`no_rope_layers[\(index)]` is \(flag), expected 0 or 1") }
                    return flag == 1
                }
            } else {
                guard interval > 0 else { throw r.error("`no_rope_layer_interval` is \(interval), expected a positive number") }
                c.rotaryLayers = (0..<c.numHiddenLayers).map { ($0 + 1) % interval != 0 }
            }
        },
        writeOwnKeys: { c, json in
            json["attention_bias"] = c.outputBias
            json["mlp_bias"] = false
            writeQwenWindows(c, into: &json)
            json["no_rope_layers"] = c.rotaryLayers.map { $0 ? 1 : 0 }
        },
        referenceCases: ["smollm3"])
}
