// Rotary settings in both `config.json` layouts: transformers 4 (`rope_theta`, `rope_scaling`,
// `partial_rotary_factor`, Gemma 3's `rope_local_base_freq`) and transformers 5
// (`rope_parameters`, per layer type for Gemma 3). Both give the same `RotarySettings`; a key
// inside them hone does not know is refused by name.
import Foundation

extension DecoderFamily {
    /// The keys a rope dictionary may hold.
    static let rotaryKeys: Set<String> = [
        "rope_type", "type", "rope_theta", "factor", "original_max_position_embeddings", "low_freq_factor",
        "high_freq_factor", "attention_factor", "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate",
        "short_factor", "long_factor", "partial_rotary_factor",
    ]

    func readRotary(_ r: inout ConfigReader, into c: inout DecoderConfiguration) throws {
        let parameters = try r.object("rope_parameters")
        let scaling = try r.object("rope_scaling")
        let topTheta = try r.double("rope_theta")
        let topPartial = try r.double("partial_rotary_factor")
        let topOriginal = try r.int("original_max_position_embeddings")
        let localTheta = try r.double("rope_local_base_freq")
        if localTheta != nil && !hasLocalRotary {
            throw r.error("`rope_local_base_freq` is set, but \(displayName) has no local rotary base")
        }
        if parameters != nil && scaling != nil {
            throw r.error("both `rope_parameters` (transformers 5) and `rope_scaling` (transformers 4) are set; keep one")
        }
        let path = r.path
        func settings(_ dict: [String: Any], name: String, fallbackTheta: Double?) throws -> RotarySettings {
            try Self.rotarySettings(dict, name: name, path: path, theta: fallbackTheta ?? defaultRopeTheta,
                                    topTheta: topTheta, partial: topPartial, original: topOriginal)
        }
        if let parameters, hasLocalRotary, parameters["full_attention"] != nil || parameters["sliding_attention"] != nil {
            for key in parameters.keys where key != "full_attention" && key != "sliding_attention" {
                throw r.error("`rope_parameters.\(key)` is set beside the per-layer-type entries; expected only full_attention and sliding_attention")
            }
            let full = parameters["full_attention"] as? [String: Any] ?? [:]
            let sliding = parameters["sliding_attention"] as? [String: Any] ?? [:]
            c.rotary = try settings(full, name: "rope_parameters.full_attention", fallbackTheta: defaultRopeTheta)
            c.localRotary = try settings(sliding, name: "rope_parameters.sliding_attention", fallbackTheta: 10_000)
        } else if let parameters {
            c.rotary = try settings(parameters, name: "rope_parameters", fallbackTheta: topTheta)
            if hasLocalRotary { c.localRotary = RotarySettings(theta: localTheta ?? 10_000, partialRotaryFactor: c.rotary.partialRotaryFactor) }
        } else {
            c.rotary = try settings(scaling ?? [:], name: "rope_scaling", fallbackTheta: topTheta)
            // Gemma 3's local layers take `rope_local_base_freq` and no scaling.
            if hasLocalRotary { c.localRotary = RotarySettings(theta: localTheta ?? 10_000, partialRotaryFactor: c.rotary.partialRotaryFactor) }
        }
    }

    /// One rope dictionary. `topTheta`, `partial` and `original` are the top-level keys that
    /// fill in what the dictionary leaves out; a disagreement between the two is refused.
    static func rotarySettings(_ dict: [String: Any], name: String, path: String, theta fallback: Double,
                               topTheta: Double?, partial topPartial: Double?, original topOriginal: Int?) throws -> RotarySettings {
        func fail(_ message: String) -> CheckpointError { CheckpointError(file: path, message) }
        for key in dict.keys.sorted() where !rotaryKeys.contains(key) {
            let near = Suggestions.closest(to: key, among: rotaryKeys.sorted(), limit: 1).first.map { " (did you mean `\($0)`?)" } ?? ""
            throw fail("`\(name).\(key)` is \(ConfigReader.describe(dict[key]!)), a rotary setting hone does not implement\(near)")
        }
        func number(_ key: String) throws -> Double? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            return try ConfigReader.double(value, key: "\(name).\(key)", path: path)
        }
        func whole(_ key: String) throws -> Int? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            return try ConfigReader.int(value, key: "\(name).\(key)", path: path)
        }
        func required(_ key: String, _ type: String) throws -> Double {
            guard let value = try number(key) else { throw fail("`\(name)` has rope_type `\(type)` but no `\(key)`") }
            return value
        }
        func factors(_ key: String, _ type: String) throws -> [Double] {
            guard let list = dict[key] as? [Any] else { throw fail("`\(name)` has rope_type `\(type)` but no `\(key)` list") }
            return try list.enumerated().map { try ConfigReader.double($1, key: "\(name).\(key)[\($0)]", path: path) }
        }
        let ownTheta = try number("rope_theta")
        if let ownTheta, let topTheta, ownTheta != topTheta {
            throw fail("`rope_theta` is \(topTheta) but `\(name).rope_theta` is \(ownTheta)")
        }
        let ownPartial = try number("partial_rotary_factor")
        if let ownPartial, let topPartial, ownPartial != topPartial {
            throw fail("`partial_rotary_factor` is \(topPartial) but `\(name).partial_rotary_factor` is \(ownPartial)")
        }
        let theta = ownTheta ?? topTheta ?? fallback
        let partial = ownPartial ?? topPartial ?? 1
        let typeValue = dict["rope_type"] ?? dict["type"]
        var type = (typeValue as? String) ?? "default"
        if typeValue != nil && !(typeValue is String) && !(typeValue is NSNull) {
            throw fail("`\(name).rope_type` is \(ConfigReader.describe(typeValue!)), expected a string")
        }
        if type == "su" { type = "longrope" }  // Phi-3's first name for LongRoPE
        let original = try whole("original_max_position_embeddings") ?? topOriginal
        func needOriginal() throws -> Int {
            guard let original else { throw fail("`\(name)` has rope_type `\(type)` but no `original_max_position_embeddings`") }
            return original
        }
        let scaling: RotaryScaling
        switch type {
        case "default": scaling = .none
        case "linear": scaling = .linear(factor: try required("factor", type))
        case "dynamic": scaling = .dynamic(factor: try required("factor", type))
        case "llama3":
            scaling = .llama3(factor: try required("factor", type), lowFrequencyFactor: try required("low_freq_factor", type),
                              highFrequencyFactor: try required("high_freq_factor", type), originalContext: try needOriginal())
        case "yarn":
            var truncate = true
            if let value = dict["truncate"], !(value is NSNull) {
                guard ConfigReader.isBool(value), let flag = value as? Bool else { throw fail("`\(name).truncate` is \(ConfigReader.describe(value)), expected true or false") }
                truncate = flag
            }
            scaling = .yarn(factor: try required("factor", type), originalContext: try needOriginal(),
                            attentionFactor: try number("attention_factor"), betaFast: try number("beta_fast") ?? 32,
                            betaSlow: try number("beta_slow") ?? 1, mscale: try number("mscale"),
                            mscaleAllDim: try number("mscale_all_dim"), truncate: truncate)
        case "longrope":
            scaling = .longrope(shortFactors: try factors("short_factor", type), longFactors: try factors("long_factor", type),
                                factor: try number("factor"), originalContext: try needOriginal(),
                                attentionFactor: try number("attention_factor"))
        default:
            throw fail("`\(name).rope_type` is `\(type)`; hone implements default, linear, dynamic, llama3, yarn and longrope")
        }
        return RotarySettings(theta: theta, partialRotaryFactor: partial, scaling: scaling)
    }

    /// `rope_theta`, `rope_scaling` and `partial_rotary_factor` in the transformers 4 layout,
    /// which transformers 4 and 5 and llama.cpp's converter all read.
    func writeRotary(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        json["rope_theta"] = c.rotary.theta
        if c.rotary.partialRotaryFactor != 1 { json["partial_rotary_factor"] = c.rotary.partialRotaryFactor }
        if let local = c.localRotary { json["rope_local_base_freq"] = local.theta }
        var scaling: [String: Any] = ["rope_type": c.rotary.scaling.typeName]
        switch c.rotary.scaling {
        case .none:
            json["rope_scaling"] = NSNull()
            return
        case .linear(let factor), .dynamic(let factor):
            scaling["factor"] = factor
        case .llama3(let factor, let low, let high, let original):
            scaling.merge(["factor": factor, "low_freq_factor": low, "high_freq_factor": high,
                           "original_max_position_embeddings": original]) { $1 }
        case .yarn(let factor, let original, let attention, let fast, let slow, let mscale, let mscaleAll, let truncate):
            scaling.merge(["factor": factor, "original_max_position_embeddings": original, "beta_fast": fast,
                           "beta_slow": slow, "truncate": truncate]) { $1 }
            if let attention { scaling["attention_factor"] = attention }
            if let mscale { scaling["mscale"] = mscale }
            if let mscaleAll { scaling["mscale_all_dim"] = mscaleAll }
        case .longrope(let short, let long, let factor, let original, let attention):
            scaling.merge(["short_factor": short, "long_factor": long, "original_max_position_embeddings": original]) { $1 }
            json["original_max_position_embeddings"] = original
            if let factor { scaling["factor"] = factor }
            if let attention { scaling["attention_factor"] = attention }
        }
        json["rope_scaling"] = scaling
    }
}
