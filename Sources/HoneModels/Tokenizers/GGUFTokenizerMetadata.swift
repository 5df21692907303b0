/// Reading and writing the `tokenizer.ggml.*` keys llama.cpp uses (see llama.cpp's
/// `gguf-py/gguf/constants.py`, `Keys.Tokenizer`), with errors naming the key and the token.
struct GGUFTokenizerMetadata {
    static let model = "tokenizer.ggml.model"
    static let pre = "tokenizer.ggml.pre"
    static let tokens = "tokenizer.ggml.tokens"
    static let scores = "tokenizer.ggml.scores"
    static let tokenType = "tokenizer.ggml.token_type"
    static let merges = "tokenizer.ggml.merges"
    static let bos = "tokenizer.ggml.bos_token_id"
    static let eos = "tokenizer.ggml.eos_token_id"
    static let unk = "tokenizer.ggml.unknown_token_id"
    static let pad = "tokenizer.ggml.padding_token_id"
    static let addBOS = "tokenizer.ggml.add_bos_token"
    static let addEOS = "tokenizer.ggml.add_eos_token"
    static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"

    // GGUF value type numbers for array elements.
    static let typeUInt32: UInt32 = 4, typeInt32: UInt32 = 5, typeFloat32: UInt32 = 6, typeString: UInt32 = 8

    let metadata: [String: GGUFValue]
    let file: String

    func array(_ key: String) throws -> [GGUFValue]? {
        guard let value = metadata[key] else { return nil }
        guard let array = value.array else { throw TokenizerError(file: file, "`\(key)` is \(value), expected an array") }
        return array
    }

    func strings(_ key: String) throws -> [String]? {
        try array(key)?.enumerated().map { (i, v) in
            guard let s = v.string else { throw TokenizerError(file: file, tokenID: i, "`\(key)`[\(i)] is \(v), expected a string") }
            return s
        }
    }

    func floats(_ key: String) throws -> [Float]? {
        try array(key)?.enumerated().map { (i, v) in
            guard let d = v.double ?? v.int.map(Double.init) else { throw TokenizerError(file: file, tokenID: i, "`\(key)`[\(i)] is \(v), expected a number") }
            return Float(d)
        }
    }

    func ints(_ key: String) throws -> [Int]? {
        try array(key)?.enumerated().map { (i, v) in
            guard let n = v.int else { throw TokenizerError(file: file, tokenID: i, "`\(key)`[\(i)] is \(v), expected an integer") }
            return n
        }
    }

    func int(_ key: String) throws -> Int? {
        guard let value = metadata[key] else { return nil }
        guard let n = value.int else { throw TokenizerError(file: file, "`\(key)` is \(value), expected an integer") }
        return n
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = metadata[key] else { return nil }
        guard let b = value.bool else { throw TokenizerError(file: file, "`\(key)` is \(value), expected a boolean") }
        return b
    }

    /// The special token at the id stored under `key`, checked against the vocabulary. llama.cpp
    /// writes -1 (as uint32 0xFFFFFFFF) for "none", as stories260K.gguf does for padding.
    func special(_ key: String, tokens: [String]) throws -> SpecialToken? {
        guard let id = try int(key), id != -1, id != Int(UInt32.max) else { return nil }
        guard tokens.indices.contains(id) else {
            throw TokenizerError(file: file, tokenID: id, "`\(key)` is \(id), outside the vocabulary 0..<\(tokens.count)")
        }
        return SpecialToken(id: id, text: tokens[id])
    }

    func specialTokens(tokens: [String], defaultAddBOS: Bool, others: [SpecialToken]) throws -> SpecialTokens {
        SpecialTokens(bos: try special(Self.bos, tokens: tokens), eos: try special(Self.eos, tokens: tokens),
                      pad: try special(Self.pad, tokens: tokens), unk: try special(Self.unk, tokens: tokens),
                      addBOS: try bool(Self.addBOS) ?? defaultAddBOS, addEOS: try bool(Self.addEOS) ?? false,
                      others: others)
    }

    /// The id keys and add_bos/add_eos flags of `special`.
    static func entries(for special: SpecialTokens) -> [(key: String, value: GGUFValue)] {
        var result: [(key: String, value: GGUFValue)] = []
        if let t = special.bos { result.append((bos, .uint32(UInt32(t.id)))) }
        if let t = special.eos { result.append((eos, .uint32(UInt32(t.id)))) }
        if let t = special.unk { result.append((unk, .uint32(UInt32(t.id)))) }
        if let t = special.pad { result.append((pad, .uint32(UInt32(t.id)))) }
        result.append((addBOS, .bool(special.addBOS)))
        result.append((addEOS, .bool(special.addEOS)))
        return result
    }

    static func stringArray(_ values: [String]) -> GGUFValue { .array(elementType: typeString, values: values.map { .string($0) }) }
}
