extension SentencePieceTokenizer {
    /// The vocabulary embedded in a GGUF file whose `tokenizer.ggml.model` is `llama`: tokens,
    /// scores (merge priority) and token types, special ids, `add_bos_token` (default true, as
    /// llama.cpp assumes for SentencePiece) and `add_space_prefix` (default true). Decoding follows
    /// llama.cpp (`LeadingSpace.llamaCpp`).
    public init(ggufMetadata metadata: [String: GGUFValue], file: String) throws {
        let keys = GGUFTokenizerMetadata(metadata: metadata, file: file)
        let model = metadata[GGUFTokenizerMetadata.model]?.string
        guard model == "llama" else {
            throw TokenizerError(file: file, "`tokenizer.ggml.model` is \(model.map { "`\($0)`" } ?? "missing"), expected `llama` for a SentencePiece vocabulary")
        }
        guard let tokens = try keys.strings(GGUFTokenizerMetadata.tokens) else {
            throw TokenizerError(file: file, "`tokenizer.ggml.tokens` is missing")
        }
        let scores = try keys.floats(GGUFTokenizerMetadata.scores) ?? [Float](repeating: 0, count: tokens.count)
        let typeNumbers = try keys.ints(GGUFTokenizerMetadata.tokenType) ?? [Int](repeating: 1, count: tokens.count)
        let types = try typeNumbers.enumerated().map { (id, n) in
            guard let type = TokenType(rawValue: n) else {
                throw TokenizerError(file: file, tokenID: id, "`tokenizer.ggml.token_type` is \(n), expected 1…6 (normal, unknown, control, user-defined, unused, byte)")
            }
            return type
        }
        guard scores.count == tokens.count, types.count == tokens.count else {
            throw TokenizerError(file: file, "\(tokens.count) tokens but \(scores.count) scores and \(types.count) token types")
        }
        let control = types.indices.filter { types[$0] == .control }.map { SpecialToken(id: $0, text: tokens[$0]) }
        var special = try keys.specialTokens(tokens: tokens, defaultAddBOS: true, others: [])
        let named = Set([special.bos, special.eos, special.pad, special.unk].compactMap { $0?.id })
        special.others = control.filter { !named.contains($0.id) }
        try self.init(pieces: tokens, scores: scores, types: types, specialTokens: special, merges: nil,
                      addDummyPrefix: try keys.bool(GGUFTokenizerMetadata.addSpacePrefix) ?? true,
                      leadingSpace: .llamaCpp, source: file)
    }

    /// `tokenizer.ggml.*` for llama.cpp. A vocabulary from tokenizer.json has no scores; the
    /// loader derived them from the merge ranks (`scores(pieces:types:merges:)`), and llama.cpp's
    /// score-ranked merging reproduces the merge-ranked encoding.
    public func ggufMetadata() -> [(key: String, value: GGUFValue)] {
        typealias K = GGUFTokenizerMetadata
        var result: [(key: String, value: GGUFValue)] = [
            (K.model, .string("llama")),
            (K.tokens, K.stringArray(pieces)),
            (K.scores, .array(elementType: K.typeFloat32, values: scores.map { .float32($0) })),
            (K.tokenType, .array(elementType: K.typeInt32, values: types.map { .int32(Int32($0.rawValue)) })),
        ]
        result += K.entries(for: specialTokens)
        result.append((K.addSpacePrefix, .bool(addDummyPrefix)))
        return result
    }

    /// Scores that rank merges as `merges` does, for a vocabulary from tokenizer.json (which has
    /// none): the piece made by merge r (its first) scores −r; other normal pieces follow in id
    /// order below them; control, unknown and byte tokens score 0, as SentencePiece writes them.
    /// For stories260K this gives back the original scores.
    static func scores(pieces: [String], types: [TokenType], merges: [(left: String, right: String)]) -> [Float] {
        var ids: [String: Int] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        var result = [Float?](repeating: nil, count: pieces.count)
        var next: Float = 0
        for merge in merges {
            if let id = ids[merge.left + merge.right], result[id] == nil {
                result[id] = -next
                next += 1
            }
        }
        for id in pieces.indices where result[id] == nil {
            if types[id] == .normal || types[id] == .userDefined || types[id] == .unused {
                result[id] = -next
                next += 1
            } else {
                result[id] = 0
            }
        }
        return result.map { $0! }
    }
}
