import Foundation

/// What `tokenizer_config.json` and `special_tokens_map.json` say about special tokens, and
/// writing them. Hugging Face keeps the same facts in several places; the loader reads them in
/// the order transformers does (tokenizer_config over special_tokens_map) and checks every
/// named token against the vocabulary.
struct HuggingFaceTokenizerConfig {
    var bos: String?
    var eos: String?
    var unk: String?
    var pad: String?
    var addBOS: Bool?
    var addEOS: Bool?
    /// `added_tokens_decoder`: id → (content, special).
    var addedTokens: [Int: (content: String, special: Bool)] = [:]
    var configFile: String?

    /// Reads whichever of the two files exist in `directory`.
    static func read(directory: String) throws -> HuggingFaceTokenizerConfig {
        var config = HuggingFaceTokenizerConfig()
        let mapPath = directory + "/special_tokens_map.json"
        if FileManager.default.fileExists(atPath: mapPath) {
            let map = try JSONObject.read(path: mapPath)
            config.bos = try map.tokenText("bos_token")
            config.eos = try map.tokenText("eos_token")
            config.unk = try map.tokenText("unk_token")
            config.pad = try map.tokenText("pad_token")
        }
        let configPath = directory + "/tokenizer_config.json"
        if FileManager.default.fileExists(atPath: configPath) {
            config.configFile = configPath
            let json = try JSONObject.read(path: configPath)
            config.bos = try json.tokenText("bos_token") ?? config.bos
            config.eos = try json.tokenText("eos_token") ?? config.eos
            config.unk = try json.tokenText("unk_token") ?? config.unk
            config.pad = try json.tokenText("pad_token") ?? config.pad
            config.addBOS = try json.bool("add_bos_token")
            config.addEOS = try json.bool("add_eos_token")
            if let decoder = try json.object("added_tokens_decoder") {
                for key in decoder.members.keys {
                    guard let id = Int(key), id >= 0 else {
                        throw TokenizerError(file: configPath, "`added_tokens_decoder` has the key `\(key)`, expected a token id")
                    }
                    let entry = try decoder.requiredObject(key)
                    config.addedTokens[id] = (try entry.requiredString("content"), try entry.bool("special") ?? false)
                }
            }
        }
        return config
    }

    /// The special tokens named here, looked up in `ids`; a name not in the vocabulary is an error
    /// in `file` (the config that named it).
    func specialTokens(ids: (String) -> Int?, defaultAddBOS: Bool, defaultAddEOS: Bool, file: String) throws -> SpecialTokens {
        func token(_ text: String?, _ role: String) throws -> SpecialToken? {
            guard let text else { return nil }
            guard let id = ids(text) else {
                throw TokenizerError(file: configFile ?? file, "the \(role) token `\(text)` is not in the vocabulary")
            }
            return SpecialToken(id: id, text: text)
        }
        return SpecialTokens(bos: try token(bos, "BOS"), eos: try token(eos, "EOS"), pad: try token(pad, "padding"),
                             unk: try token(unk, "unknown"), addBOS: addBOS ?? defaultAddBOS, addEOS: addEOS ?? defaultAddEOS)
    }

    static func addedTokenJSON(_ token: SpecialToken, normalized: Bool, withID: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = withID ? [("id", .int(token.id))] : []
        members += [("content", .string(token.text)), ("single_word", .bool(false)), ("lstrip", .bool(false)),
                    ("rstrip", .bool(false)), ("normalized", .bool(normalized)), ("special", .bool(true))]
        return .object(members)
    }

    /// tokenizer_config.json and special_tokens_map.json for `special`.
    static func files(special: SpecialTokens, tokenizerClass: String, normalized: Bool,
                      extra: [(String, JSONValue)]) -> [(name: String, bytes: [UInt8])] {
        let tokens = special.all.sorted { $0.id < $1.id }
        var config: [(String, JSONValue)] = [
            ("tokenizer_class", .string(tokenizerClass)),
            ("add_bos_token", .bool(special.addBOS)),
            ("add_eos_token", .bool(special.addEOS)),
        ]
        config += extra
        config.append(("added_tokens_decoder", .object(tokens.map {
            (String($0.id), addedTokenJSON($0, normalized: normalized, withID: false))
        })))
        var map: [(String, JSONValue)] = []
        for (name, token) in [("bos_token", special.bos), ("eos_token", special.eos), ("unk_token", special.unk), ("pad_token", special.pad)] {
            guard let token else { continue }
            config.append((name, .string(token.text)))
            map.append((name, .string(token.text)))
        }
        return [("tokenizer_config.json", JSONValue.object(config).bytes),
                ("special_tokens_map.json", JSONValue.object(map).bytes)]
    }
}
