// Reads a Hugging Face model directory: `config.json` plus `model.safetensors`, or shards listed
// by `model.safetensors.index.json` (`weight_map`: tensor name → shard file). Pickled weights
// (`pytorch_model.bin`, `*.pt`, `*.pth`, …) are refused through `PickleRefusal`.
import Foundation
import HoneTensor

public enum HuggingFaceDirectory {
    /// The `model_type` values and architectures `loadLlama` accepts.
    public static let supportedLlamaModelTypes = DecoderFamily.all.map(\.modelType)
    public static let supportedLlamaArchitectures = DecoderFamily.all.map(\.architectureClass)

    /// Files that hold pickled weights in a Hugging Face directory, by name or extension.
    static let pickleNames = ["pytorch_model.bin", "pytorch_model.bin.index.json"]

    /// The Llama model in the Hugging Face directory at `path`, with q/k in the half-rotation
    /// layout. Throws a `CheckpointError` naming the file (and tensor) at fault.
    public static func loadLlama(path: String) throws -> LlamaModel {
        let (configuration, weights, file) = try readLlama(path: path)
        return try LlamaModel(configuration: configuration, weights: weights, file: file)
    }

    /// The configuration and float32 weights (Hugging Face names) of the directory at `path`,
    /// and the file the weights came from (the index for sharded checkpoints), for errors.
    public static func readLlama(path: String) throws -> (LlamaConfiguration, [String: Tensor], String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, "does not exist")
        }
        guard isDirectory.boolValue else {
            try PickleRefusal.check(path: path)
            throw CheckpointError(file: path, "is a file; a Hugging Face model is a directory holding config.json and model.safetensors")
        }
        let configPath = path + "/config.json"
        let configuration = try llamaConfiguration(configPath: configPath)
        let weights: [String: Tensor]
        let file: String
        let single = path + "/model.safetensors", index = path + "/model.safetensors.index.json"
        if FileManager.default.fileExists(atPath: single) {
            let reader = try SafeTensorsReader(path: single)
            var loaded: [String: Tensor] = [:]
            for name in reader.names { loaded[name] = try reader.tensor(name) }
            (weights, file) = (loaded, single)
        } else if FileManager.default.fileExists(atPath: index) {
            (weights, file) = (try readSharded(directory: path, index: index), index)
        } else {
            try refusePickles(directory: path)
            throw CheckpointError(file: path, "holds neither model.safetensors nor model.safetensors.index.json")
        }
        return (configuration, weights, file)
    }

    /// The weights of a sharded checkpoint: every tensor of the index's `weight_map`, read from
    /// its shard.
    static func readSharded(directory: String, index: String) throws -> [String: Tensor] {
        guard let data = FileManager.default.contents(atPath: index) else {
            throw CheckpointError(file: index, "cannot be read")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError(file: index, "is not a JSON object")
        }
        guard let map = json["weight_map"] as? [String: Any] else {
            throw CheckpointError(file: index, "has no `weight_map` object (tensor name → shard file)")
        }
        var byShard: [String: [String]] = [:]
        for (tensor, value) in map {
            guard let shard = value as? String, !shard.isEmpty else {
                throw CheckpointError(file: index, tensor: tensor, "the weight_map entry is \(value), expected a shard file name")
            }
            guard !shard.hasPrefix("/"), !shard.split(separator: "/").contains("..") else {
                throw CheckpointError(file: index, tensor: tensor, "the shard `\(shard)` lies outside the model directory")
            }
            byShard[shard, default: []].append(tensor)
        }
        guard !byShard.isEmpty else { throw CheckpointError(file: index, "the weight_map is empty") }
        var weights: [String: Tensor] = [:]
        for shard in byShard.keys.sorted() {
            let shardPath = directory + "/" + shard
            guard FileManager.default.fileExists(atPath: shardPath) else {
                throw CheckpointError(file: index, tensor: byShard[shard]!.sorted().first,
                    "the shard `\(shard)` listed in the weight_map is missing from the directory")
            }
            let reader = try SafeTensorsReader(path: shardPath)
            for tensor in byShard[shard]!.sorted() {
                guard reader.contains(tensor) else {
                    throw CheckpointError(file: shardPath, tensor: tensor, "is listed for this shard in \(index) but the shard does not hold it")
                }
                weights[tensor] = try reader.tensor(tensor)
            }
        }
        return weights
    }

    /// Throws PickleRefusal's error for the first pickled weights file in `directory`, if any.
    static func refusePickles(directory: String) throws {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in pickleNames where names.contains(name) && !name.hasSuffix(".json") {
            try PickleRefusal.check(path: directory + "/" + name)
        }
        for name in names {
            let ext = (name as NSString).pathExtension.lowercased()
            if PickleRefusal.pickleExtensions.contains(ext) || ext == "bin" {
                try PickleRefusal.check(path: directory + "/" + name)
            }
        }
        if names.contains("pytorch_model.bin.index.json") {
            throw CheckpointError(file: directory + "/pytorch_model.bin.index.json",
                "lists sharded PyTorch pickles; hone does not load pickles, because loading one would run arbitrary code. "
                + "Convert the model to safetensors: " + PickleRefusal.directoryConversion.replacingOccurrences(of: "'DIR'", with: "'\(directory)'"))
        }
    }

    /// The decoder configuration of `config.json` at `configPath` (any family of
    /// `DecoderFamily.all`), refusing other architectures and any setting hone does not implement, by name.
    public static func llamaConfiguration(configPath: String) throws -> DecoderConfiguration {
        var configuration = try DecoderFamily.configuration(configPath: configPath)
        configuration.rotaryLayout = .halfRotation
        return configuration
    }

    /// The JSON object of `config.json`, once its `model_type` and `architectures` are ones the
    /// `loader` implements; otherwise an error naming them and what is supported.
    static func configObject(configPath: String, modelTypes: [String], architectures: [String], loader: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw CheckpointError(file: configPath, "cannot be read (a Hugging Face model directory needs config.json)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError(file: configPath, "is not a JSON object")
        }
        let supported = "supported: model_type \(modelTypes.joined(separator: ", ")) (architectures \(architectures.joined(separator: ", ")))"
        guard let modelType = json["model_type"] as? String else {
            throw CheckpointError(file: configPath, "has no `model_type`; \(supported)")
        }
        guard modelTypes.contains(modelType) else {
            throw CheckpointError(file: configPath, "model_type `\(modelType)` is not supported by the \(loader) loader; \(supported)")
        }
        if let listed = json["architectures"] as? [Any] {
            for case let architecture as String in listed where !architectures.contains(architecture) {
                throw CheckpointError(file: configPath, "architecture `\(architecture)` is not supported; \(supported)")
            }
        }
        return json
    }

    /// `config.json` decoded as `type`, with decoding errors turned into ones that name the key.
    static func decodeConfiguration<T: Decodable>(_ type: T.Type, from data: Data, configPath: String, kind: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw CheckpointError(file: configPath, "has no `\(key.stringValue)`, which a \(kind) configuration needs")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw CheckpointError(file: configPath, "`\(key)` has the wrong type: \(context.debugDescription)")
        } catch {
            throw CheckpointError(file: configPath, "cannot be decoded as a \(kind) configuration: \(error)")
        }
    }

    static func describe(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
           let text = String(data: data, encoding: .utf8) { return text }
        return "\(value)"
    }
}
