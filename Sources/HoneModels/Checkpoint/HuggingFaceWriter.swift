// Writes a Hugging Face model directory: config.json, model.safetensors (or shards
// model-0000i-of-0000n.safetensors listed by model.safetensors.index.json), generation_config.json
// and the tokenizer files. The directory is built beside the target and renamed into place, so a
// reader sees the old directory or the new one, never a half-written one.
import Foundation
import HoneTensor

public enum HuggingFaceWriter {
    /// Hugging Face's default shard size (`max_shard_size="5GB"`, decimal).
    public static let defaultMaxShardBytes = 5_000_000_000

    /// Writes `model` to `directory`. `configJSON` is `config.json` (default: the model's
    /// `huggingFaceConfigurationJSON()`); `generationConfigJSON` is `generation_config.json`
    /// (default: the bos/eos ids of the config). Tensors are stored as `dtype`; above
    /// `maxShardBytes` of tensor data the weights are split into shards with an index. A
    /// `chatTemplate` is written as `chat_template` in tokenizer_config.json, where transformers,
    /// TGI and hone look for it.
    public static func write(
        model: any LanguageModel, configJSON: Data? = nil, generationConfigJSON: Data? = nil,
        tokenizerFiles: [(name: String, bytes: [UInt8])], chatTemplate: String? = nil, to directory: String,
        dtype: DType = .float32, maxShardBytes: Int = defaultMaxShardBytes
    ) throws {
        let files = try chatTemplate.map { try ChatTemplateFiles.tokenizerFiles(tokenizerFiles, adding: $0) } ?? tokenizerFiles
        if let llama = (model as AnyObject) as? LlamaModel {
            try write(model: llama, configJSON: configJSON, generationConfigJSON: generationConfigJSON,
                      tokenizerFiles: files, to: directory, dtype: dtype, maxShardBytes: maxShardBytes)
            return
        }
        try write(parameters: model.parameters, configJSON: try configJSON ?? model.huggingFaceConfigurationJSON(),
                  generationConfigJSON: generationConfigJSON, tokenizerFiles: files, to: directory,
                  dtype: dtype, maxShardBytes: maxShardBytes)
    }

    /// Writes a Llama model: q/k (and biases) converted to the half-rotation layout when the model
    /// holds interleaved ones, a tied `lm_head` left out. `configJSON` defaults to the
    /// configuration's `config.json`.
    public static func write(
        model: LlamaModel, configJSON: Data? = nil, generationConfigJSON: Data? = nil,
        tokenizerFiles: [(name: String, bytes: [UInt8])], to directory: String,
        dtype: DType = .float32, maxShardBytes: Int = defaultMaxShardBytes
    ) throws {
        var weights: [String: Tensor] = [:]
        for (name, tensor) in model.parameters { weights[name] = tensor }
        let (configuration, converted) = RotaryPermutation.convert(weights: weights, configuration: model.configuration, to: .halfRotation)
        let order = model.parameters.map(\.name)
        let parameters = order.compactMap { name in converted[name].map { (name: name, tensor: $0) } }
        let config = try configJSON ?? llamaConfigurationJSON(configuration, dtype: dtype)
        try write(parameters: parameters, configJSON: config, generationConfigJSON: generationConfigJSON,
                  tokenizerFiles: tokenizerFiles, to: directory, dtype: dtype, maxShardBytes: maxShardBytes)
    }

    /// Writes `parameters` (Hugging Face names, in this order) and the files beside them.
    public static func write(
        parameters: [(name: String, tensor: Tensor)], configJSON: Data, generationConfigJSON: Data? = nil,
        tokenizerFiles: [(name: String, bytes: [UInt8])], to directory: String,
        dtype: DType = .float32, maxShardBytes: Int = defaultMaxShardBytes
    ) throws {
        guard maxShardBytes > 0 else { throw CheckpointError(file: directory, "the shard size \(maxShardBytes) is not positive") }
        let reserved: Set<String> = ["config.json", "generation_config.json", "model.safetensors", "model.safetensors.index.json"]
        for file in tokenizerFiles {
            guard !file.name.isEmpty, !file.name.contains("/"), file.name != ".", file.name != "..", !reserved.contains(file.name),
                  !(file.name.hasPrefix("model-") && file.name.hasSuffix(".safetensors")) else {
                throw CheckpointError(file: directory, "the tokenizer file name `\(file.name)` is not a plain file name or is one the model files use")
            }
        }
        let generation = try generationConfigJSON ?? defaultGenerationConfiguration(configJSON: configJSON)
        try replaceDirectory(directory) { staging in
            try write(Array(configJSON), to: staging + "/config.json")
            try write(Array(generation), to: staging + "/generation_config.json")
            try writeWeights(parameters, to: staging, dtype: dtype, maxShardBytes: maxShardBytes)
            for file in tokenizerFiles { try write(file.bytes, to: staging + "/" + file.name) }
        }
    }

    // MARK: - Weights

    /// model.safetensors, or shards and model.safetensors.index.json when the data exceeds `maxShardBytes`.
    static func writeWeights(_ parameters: [(name: String, tensor: Tensor)], to directory: String, dtype: DType, maxShardBytes: Int) throws {
        let metadata = ["format": "pt"]
        var shards: [[(String, Tensor)]] = [[]]
        var shardBytes = 0, total = 0
        for (name, tensor) in parameters {
            let size = tensor.count * dtype.byteSize
            if shardBytes + size > maxShardBytes, !shards[shards.count - 1].isEmpty {
                shards.append([])
                shardBytes = 0
            }
            shards[shards.count - 1].append((name, tensor))
            shardBytes += size
            total += size
        }
        if shards.count == 1 {
            try SafeTensorsWriter.write(shards[0], metadata: metadata, to: directory + "/model.safetensors", dtype: dtype)
            return
        }
        var weightMap: [String: String] = [:]
        for (i, shard) in shards.enumerated() {
            let file = String(format: "model-%05d-of-%05d.safetensors", i + 1, shards.count)
            try SafeTensorsWriter.write(shard, metadata: metadata, to: directory + "/" + file, dtype: dtype)
            for (name, _) in shard { weightMap[name] = file }
        }
        let index: [String: Any] = ["metadata": ["total_size": total], "weight_map": weightMap]
        let json = try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys])
        try write(Array(json) + [0x0A], to: directory + "/model.safetensors.index.json")
    }

    // MARK: - JSON

    /// `config.json` for a Llama configuration (q/k in half rotation, as Hugging Face holds them).
    static func llamaConfigurationJSON(_ c: LlamaConfiguration, dtype: DType) throws -> Data {
        var object = c.huggingFaceConfiguration()
        object["torch_dtype"] = ["float32": "float32", "float16": "float16", "bfloat16": "bfloat16"][dtype.rawValue] ?? "float32"
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) + Data([0x0A])
    }


    /// `generation_config.json` carrying the config's bos/eos ids, as `GenerationConfig.from_model_config` does.
    static func defaultGenerationConfiguration(configJSON: Data) throws -> Data {
        var object: [String: Any] = ["_from_model_config": true]
        if let config = (try? JSONSerialization.jsonObject(with: configJSON)) as? [String: Any] {
            for key in ["bos_token_id", "eos_token_id", "pad_token_id"] { if let v = config[key] { object[key] = v } }
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) + Data([0x0A])
    }

    // MARK: - Files

    /// The entries of an existing directory that a saved model would not hold: replacing the
    /// directory would delete them, so `replaceDirectory` refuses (a typo such as `save model .`
    /// must not delete a project).
    static func foreignEntries(in directory: String) throws -> [String] {
        let modelFiles: Set<String> = ["config.json", "generation_config.json", "model.safetensors", "model.safetensors.index.json",
                                       "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json",
                                       "merges.txt", "tokenizer.model", "added_tokens.json", "README.md", ".gitattributes",
                                       ChatTemplateFiles.jinjaFileName]
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { name in
            !modelFiles.contains(name) && !(name.hasPrefix("model-") && name.hasSuffix(".safetensors"))
        }.sorted()
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try AtomicFile.write(bytes, to: path)
    }

    /// Builds a new directory at a temporary sibling of `directory` through `body`, then puts it in
    /// place of `directory`: an existing directory is moved aside, the new one renamed in, the old
    /// one removed. When `body` fails, the staging directory is removed and `directory` is as it was.
    public static func replaceDirectory(_ directory: String, _ body: (String) throws -> Void) throws {
        let fm = FileManager.default
        let target = (directory as NSString).standardizingPath
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw CheckpointError(file: directory, "is not a directory path hone can write a model to")
        }
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: target, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw CheckpointError(file: directory, "exists and is not a directory; hone does not replace it with a model directory")
        }
        if exists, let foreign = try foreignEntries(in: target).first {
            throw CheckpointError(file: directory, "exists and holds `\(foreign)`, which is not part of a saved model; "
                                  + "hone replaces only an empty directory or one holding a model. Choose a new directory")
        }
        let base = (parent.isEmpty ? "." : parent)
        if !fm.fileExists(atPath: base) {
            try fm.createDirectory(atPath: base, withIntermediateDirectories: true)
        }
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let staging = base + "/.\(name).tmp-\(tag)"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
        do {
            try body(staging)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        if !exists {
            guard rename(staging, target) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fm.removeItem(atPath: staging)
                throw CheckpointError(file: directory, "cannot move the written model into place: \(reason)")
            }
            return
        }
        let old = base + "/.\(name).old-\(tag)"
        guard rename(target, old) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fm.removeItem(atPath: staging)
            throw CheckpointError(file: directory, "cannot move the existing directory aside: \(reason)")
        }
        guard rename(staging, target) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(old, target)
            try? fm.removeItem(atPath: staging)
            throw CheckpointError(file: directory, "cannot move the written model into place: \(reason)")
        }
        try? fm.removeItem(atPath: old)
    }
}
