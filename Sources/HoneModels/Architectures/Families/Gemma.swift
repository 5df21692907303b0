// Gemma (1): RMSNorm multiplying by (1 + w), embeddings × √hidden, GeGLU with the tanh GELU,
// tied output head.
import Foundation

extension DecoderFamily {
    static let gemma = DecoderFamily(
        modelType: "gemma", architectureClass: "GemmaForCausalLM", displayName: "Gemma",
        traits: DecoderTraits(normWeightOffset: 1, scalesEmbeddingBySqrtHidden: true), defaultLoRATargets: ["q_proj", "v_proj"],
        gguf: GGUFNaming(architecture: "gemma", rotaryLayout: .halfRotation, storesNormWithOffset: true),
        defaultTieWordEmbeddings: true,
        activationKeys: ["hidden_act", "hidden_activation"], defaultActivation: .geluTanh,
        readOwnKeys: { r, c in
            try readAttentionBias(&r, &c)
            try refuseBidirectional(&r)
        },
        writeOwnKeys: { c, json in json["attention_bias"] = c.outputBias },
        referenceCases: ["gemma"])

    /// Gemma's `use_bidirectional_attention` (an encoder variant) must be off.
    static func refuseBidirectional(_ r: inout ConfigReader) throws {
        if try r.bool("use_bidirectional_attention") == true {
            throw r.error("`use_bidirectional_attention` is true; hone implements causal attention only")
        }
    }

    /// The attention keys Gemma 2 and 3 share: biases, the query scalar, soft-caps (the
    /// sliding layers follow each family's own rule).
    static func readGemma2Attention(_ r: inout ConfigReader, _ c: inout DecoderConfiguration) throws {
        try readAttentionBias(&r, &c)
        try refuseBidirectional(&r)
        try readQueryScalar(&r, &c)
        try readSoftCaps(&r, &c)
    }

    static func writeGemma2Attention(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        json["attention_bias"] = c.outputBias
        writeQueryScalar(c, into: &json)
        writeSoftCaps(c, into: &json)
        writeLayerTypes(c, into: &json)
    }

    /// Gemma 2 and 3: `query_pre_attn_scalar` sets the score scale to its −½ power.
    static func readQueryScalar(_ r: inout ConfigReader, _ c: inout DecoderConfiguration) throws {
        let scalar = try r.double("query_pre_attn_scalar") ?? 256
        guard scalar > 0 else { throw r.error("`query_pre_attn_scalar` is \(scalar), expected a positive number") }
        c.attentionScale = Float(Foundation.pow(scalar, -0.5))
    }

    static func writeQueryScalar(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        let scale = Double(c.attentionScale ?? 1 / Float(c.headDim).squareRoot())
        let scalar = 1 / (scale * scale)
        json["query_pre_attn_scalar"] = scalar.rounded() == scalar ? Int(scalar) as Any : scalar
    }

    static func readSoftCaps(_ r: inout ConfigReader, _ c: inout DecoderConfiguration) throws {
        c.attentionSoftCap = try r.double("attn_logit_softcapping").map(Float.init)
        c.finalLogitSoftCap = try r.double("final_logit_softcapping").map(Float.init)
    }

    static func writeSoftCaps(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        json["attn_logit_softcapping"] = c.attentionSoftCap.map { Double($0.shortestDouble) as Any } ?? NSNull()
        json["final_logit_softcapping"] = c.finalLogitSoftCap.map { Double($0.shortestDouble) as Any } ?? NSNull()
    }
}
