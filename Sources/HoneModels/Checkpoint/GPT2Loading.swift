// Reads a GPT-2 Hugging Face directory: `config.json` plus safetensors weights, read the way
// `readLlama` reads them. Names are brought to `GPT2LMHeadModel`'s (`transformer.` prefix, as a
// `GPT2Model` checkpoint or OpenAI's own conversion omits it), and the causal-mask buffers old
// checkpoints store (`attn.bias`, `attn.masked_bias`) are dropped: they are not weights.
import Foundation
import HoneTensor

extension HuggingFaceDirectory {
    /// The `model_type` values and architectures `loadGPT2` accepts. `GPT2Model` is the same
    /// network without the LM head, which is the token embedding when tied (the default).
    public static let supportedGPT2ModelTypes = ["gpt2"]
    public static let supportedGPT2Architectures = ["GPT2LMHeadModel", "GPT2Model"]

    /// The GPT-2 model in the Hugging Face directory at `path`. Throws a `CheckpointError`
    /// naming the file (and tensor) at fault.
    public static func loadGPT2(path: String) throws -> GPT2Model {
        try requireDirectory(path)
        let configuration = try gpt2Configuration(configPath: path + "/config.json")
        let (weights, file) = try readSafeTensorsWeights(directory: path)
        return try GPT2Model(configuration: configuration, weights: try gpt2Names(weights, file: file), file: file)
    }

    /// Throws unless `path` is a directory (refusing a pickle file by name).
    static func requireDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, "does not exist")
        }
        guard isDirectory.boolValue else {
            try PickleRefusal.check(path: path)
            throw CheckpointError(file: path, "is a file; a Hugging Face model is a directory holding config.json and model.safetensors")
        }
    }

    /// The float32 weights of the directory at `directory` (`model.safetensors`, or the shards of
    /// `model.safetensors.index.json`), and the file they came from, for errors. Pickles are refused.
    static func readSafeTensorsWeights(directory: String) throws -> ([String: Tensor], String) {
        let single = directory + "/model.safetensors", index = directory + "/model.safetensors.index.json"
        if FileManager.default.fileExists(atPath: single) {
            let reader = try SafeTensorsReader(path: single)
            var loaded: [String: Tensor] = [:]
            for name in reader.names { loaded[name] = try reader.tensor(name) }
            return (loaded, single)
        }
        if FileManager.default.fileExists(atPath: index) {
            return (try readSharded(directory: directory, index: index), index)
        }
        try refusePickles(directory: directory)
        throw CheckpointError(file: directory, "holds neither model.safetensors nor model.safetensors.index.json")
    }

    /// `weights` under `GPT2LMHeadModel` names: `transformer.` added where it is missing, the
    /// attention-mask buffers dropped. Throws when a tensor appears under both names.
    static func gpt2Names(_ weights: [String: Tensor], file: String) throws -> [String: Tensor] {
        let bare = ["wte.", "wpe.", "h.", "ln_f."]
        var renamed: [String: Tensor] = [:]
        for name in weights.keys.sorted() {
            let parts = name.split(separator: ".")
            if parts.count >= 2 && parts[parts.count - 2] == "attn" && ["bias", "masked_bias"].contains(parts[parts.count - 1]) {
                continue  // the causal mask / its fill value, stored as buffers by old transformers
            }
            let full = bare.contains(where: name.hasPrefix) ? "transformer." + name : name
            guard renamed[full] == nil else {
                throw CheckpointError(file: file, tensor: name, "appears both with and without the `transformer.` prefix")
            }
            renamed[full] = weights[name]
        }
        return renamed
    }

    /// The GPT-2 configuration of `config.json` at `configPath`, refusing other architectures and
    /// any feature hone does not implement, by name.
    public static func gpt2Configuration(configPath: String) throws -> GPT2Configuration {
        let json = try configObject(configPath: configPath, modelTypes: supportedGPT2ModelTypes,
                                    architectures: supportedGPT2Architectures, loader: "GPT-2")
        let data = try JSONSerialization.data(withJSONObject: json)
        var refused: [String] = []
        func flag(_ key: String, is value: Bool, _ why: String) {
            if let set = json[key] as? Bool, set == value { refused.append("`\(key)` is \(value); \(why)") }
        }
        flag("scale_attn_by_inverse_layer_idx", is: true, "hone's GPT-2 scales attention scores by 1/√head_dim only")
        flag("reorder_and_upcast_attn", is: true, "hone's GPT-2 implements only the standard attention order")
        flag("add_cross_attention", is: true, "hone's GPT-2 is a decoder without cross-attention")
        flag("scale_attn_weights", is: false, "hone's GPT-2 always scales attention scores by 1/√head_dim")
        if let act = json["activation_function"] as? String, !GPT2Configuration.supportedActivations.contains(act) {
            let note = act == "gelu" ? " (`gelu` is the exact erf GELU, which differs from the tanh approximation)" : ""
            refused.append("`activation_function` is `\(act)`\(note); hone's GPT-2 implements "
                + GPT2Configuration.supportedActivations.joined(separator: ", "))
        }
        if let tied = json["tie_word_embeddings"] as? Bool, !tied, (json["architectures"] as? [String])?.contains("GPT2Model") == true {
            refused.append("`tie_word_embeddings` is false for a `GPT2Model`, which has no LM head to use")
        }
        if !refused.isEmpty {
            throw CheckpointError(file: configPath, "uses features hone does not implement (refused rather than ignored): " + refused.joined(separator: "; "))
        }
        let configuration: GPT2Configuration
        configuration = try decodeConfiguration(GPT2Configuration.self, from: data, configPath: configPath, kind: "GPT-2")
        try configuration.validate(file: configPath)
        return configuration
    }
}
