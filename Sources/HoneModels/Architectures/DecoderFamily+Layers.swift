// Which layers use a sliding window: `layer_types` when the config lists them, else each
// family's rule (Mistral: all once `sliding_window` is set; Qwen2: from `max_window_layers`;
// Gemma 2: every other layer; Gemma 3: all but every sixth).
extension DecoderFamily {
    /// Reads `layer_types`, or derives them with `derive(layer)`, and sets the window.
    static func readLayerTypes(_ r: inout ConfigReader, _ c: inout DecoderConfiguration, window: Int?,
                               derive: (Int) -> LayerAttention) throws {
        c.slidingWindow = window
        if let listed = try r.list("layer_types") {
            guard listed.count == c.numHiddenLayers else {
                throw r.error("`layer_types` lists \(listed.count) layers; num_hidden_layers is \(c.numHiddenLayers)")
            }
            c.layerAttention = try listed.enumerated().map { index, value in
                guard let name = value as? String, let kind = LayerAttention(rawValue: name) else {
                    throw r.error("`layer_types[\(index)]` is \(ConfigReader.describe(value)); hone implements full_attention and sliding_attention")
                }
                return kind
            }
        } else {
            c.layerAttention = (0..<c.numHiddenLayers).map(derive)
        }
    }

    /// `layer_types` and `sliding_window` as transformers 5 writes them.
    static func writeLayerTypes(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        json["layer_types"] = c.layerAttention.map(\.rawValue)
        json["sliding_window"] = c.slidingWindow.map { $0 as Any } ?? NSNull()
    }

    /// Qwen2, Qwen3 and SmolLM3: `use_sliding_window`, `sliding_window`, `max_window_layers`.
    static func readQwenWindows(_ r: inout ConfigReader, _ c: inout DecoderConfiguration) throws {
        let use = try r.bool("use_sliding_window") ?? false
        let window = try r.int("sliding_window")
        let firstWindowed = try r.int("max_window_layers", default: 28)
        let effective = use ? window : nil
        try readLayerTypes(&r, &c, window: effective) { effective != nil && $0 >= firstWindowed ? .sliding : .full }
    }

    static func writeQwenWindows(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        writeLayerTypes(c, into: &json)
        json["use_sliding_window"] = c.slidingWindow != nil && c.layerAttention.contains(.sliding)
        json["max_window_layers"] = c.layerAttention.firstIndex(of: .sliding) ?? c.numHiddenLayers
    }

    /// Mistral and Phi-3: every layer slides once `sliding_window` is set.
    static func readUniformWindow(_ r: inout ConfigReader, _ c: inout DecoderConfiguration) throws {
        let window = try r.int("sliding_window")
        try readLayerTypes(&r, &c, window: window) { _ in window != nil ? .sliding : .full }
    }

    static func writeUniformWindow(_ c: DecoderConfiguration, into json: inout [String: Any]) {
        json["sliding_window"] = c.layerAttention.contains(.sliding) ? c.slidingWindow.map { $0 as Any } ?? NSNull() : NSNull()
        if Set(c.layerAttention).count > 1 { json["layer_types"] = c.layerAttention.map(\.rawValue) }
    }

    /// `attention_bias`: biases on q, k, v and o together (Llama's meaning).
    static func readAttentionBias(_ r: inout ConfigReader, _ c: inout DecoderConfiguration) throws {
        let bias = try r.bool("attention_bias") ?? false
        c.queryKeyValueBias = bias
        c.outputBias = bias
    }
}
import Foundation
