import Foundation

extension ByteLevelBPETokenizer {
    /// Writes tokenizer.json, tokenizer_config.json (with `model_max_length`, the context a model
    /// trained with this tokenizer will have) and special_tokens_map.json into `directory`,
    /// creating it if needed. Each file is replaced atomically, so an interrupted save leaves the
    /// previous file or the new one, never half of one. Returns the paths written.
    @discardableResult
    public func save(directory: String, modelMaxLength: Int? = nil) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let extra: [(String, JSONValue)] = modelMaxLength.map { [("model_max_length", .int($0))] } ?? []
        var paths: [String] = []
        for file in try huggingFaceFiles(extraConfig: extra) {
            let path = directory + "/" + file.name
            try AtomicFile.write(file.bytes, to: path)
            paths.append(path)
        }
        return paths
    }
}
