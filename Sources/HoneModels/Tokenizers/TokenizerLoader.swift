import Foundation

/// Finds and reads the tokenizer of a model directory or a GGUF file, whichever format it is in.
public enum TokenizerLoader {
    /// A Hugging Face model directory: `tokenizer.json` when present (a SentencePiece-style BPE
    /// with byte fallback, or a GPT-2 byte-level BPE), else `vocab.json` + `merges.txt`; special
    /// tokens and add_bos/add_eos from `tokenizer_config.json` and `special_tokens_map.json`.
    public static func load(directory: String) throws -> any Tokenizer {
        let config = try HuggingFaceTokenizerConfig.read(directory: directory)
        let jsonPath = directory + "/tokenizer.json"
        if FileManager.default.fileExists(atPath: jsonPath) {
            return try load(tokenizerJSON: try JSONObject.read(path: jsonPath), config: config)
        }
        let vocab = directory + "/vocab.json", merges = directory + "/merges.txt"
        if FileManager.default.fileExists(atPath: vocab), FileManager.default.fileExists(atPath: merges) {
            return try ByteLevelBPETokenizer(vocabPath: vocab, mergesPath: merges, config: config)
        }
        var hint = ""
        if FileManager.default.fileExists(atPath: directory + "/tokenizer.model") {
            hint = "; it has only tokenizer.model (a SentencePiece protobuf), which hone does not read: convert it to tokenizer.json or use the GGUF's vocabulary"
        }
        throw TokenizerError(file: directory, "has no tokenizer.json and no vocab.json + merges.txt" + hint)
    }

    /// The tokenizer in tokenizer.json bytes (the directory's other files given by `config`).
    static func load(tokenizerJSON json: JSONObject, config: HuggingFaceTokenizerConfig) throws -> any Tokenizer {
        let model = try json.requiredObject("model")
        let pre = try json.object("pre_tokenizer")
        if try pre?.string("type") == "ByteLevel" {
            return try ByteLevelBPETokenizer(huggingFace: json, config: config)
        }
        if try model.bool("byte_fallback") == true || json.has("normalizer") || pre != nil {
            return try SentencePieceTokenizer(huggingFace: json, config: config)
        }
        throw TokenizerError(file: json.file, "is neither a SentencePiece-style BPE (byte_fallback, ▁ for spaces) nor a GPT-2 byte-level BPE (ByteLevel pre-tokenizer)")
    }

    /// The vocabulary embedded in a GGUF file.
    public static func load(gguf: GGUFReader) throws -> any Tokenizer {
        try load(ggufMetadata: gguf.metadata, file: gguf.path)
    }

    /// The tokenizer described by `tokenizer.ggml.*` keys (as `ggufMetadata()` returns them).
    public static func load(ggufMetadata metadata: [String: GGUFValue], file: String) throws -> any Tokenizer {
        switch metadata[GGUFTokenizerMetadata.model]?.string {
        case "llama": return try SentencePieceTokenizer(ggufMetadata: metadata, file: file)
        case "gpt2": return try ByteLevelBPETokenizer(ggufMetadata: metadata, file: file)
        case let other?:
            throw TokenizerError(file: file, "`tokenizer.ggml.model` is `\(other)`; hone reads `llama` (SentencePiece BPE) and `gpt2` (byte-level BPE)")
        case nil:
            throw TokenizerError(file: file, "has no tokenizer (`tokenizer.ggml.model` is missing)")
        }
    }

    /// Reads back what `huggingFaceFiles()` wrote, through a temporary directory that is removed
    /// afterwards.
    public static func load(huggingFaceFiles files: [(name: String, bytes: [UInt8])]) throws -> any Tokenizer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-tokenizer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in files {
            try Data(file.bytes).write(to: URL(fileURLWithPath: directory + "/" + file.name))
        }
        return try load(directory: directory)
    }
}
