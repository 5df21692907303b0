import Foundation

extension ByteLevelBPETokenizer {
    /// A tokenizer.json whose model is BPE and whose pre-tokenizer is `ByteLevel` with GPT-2's
    /// regex (`use_regex` true). Special tokens are the `added_tokens` marked special plus the
    /// names in `config`; `model.unk_token` (GPT-2 has none) stands for bytes missing from the
    /// vocabulary.
    init(huggingFace json: JSONObject, config: HuggingFaceTokenizerConfig) throws {
        let file = json.file
        guard let pre = try json.object("pre_tokenizer"), try pre.string("type") == "ByteLevel" else {
            throw TokenizerError(file: file, "`pre_tokenizer` is not ByteLevel; hone's byte-level BPE needs GPT-2's ByteLevel pre-tokenizer")
        }
        guard try pre.bool("use_regex") ?? true else {
            throw TokenizerError(file: file, "`pre_tokenizer.use_regex` is false; hone implements ByteLevel with GPT-2's split rule only")
        }
        if let normalizer = try json.object("normalizer") {
            throw TokenizerError(file: file, "`normalizer` is `\(try normalizer.string("type") ?? "?")`; a GPT-2-style tokenizer.json has none")
        }
        let model = try HuggingFaceBPEModel.parse(json)
        var ids: [String: Int] = [:]
        for (id, piece) in model.pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        var special = try config.specialTokens(ids: { ids[$0] }, defaultAddBOS: false, defaultAddEOS: false, file: file)
        let named = Set([special.bos, special.eos, special.pad, special.unk].compactMap { $0?.id })
        special.others = model.added.filter { $0.special && !named.contains($0.id) }.map { SpecialToken(id: $0.id, text: $0.content) }
        var unknownID: Int? = nil
        if let unk = model.unkToken {
            guard let id = ids[unk] else { throw TokenizerError(file: file, "`model.unk_token` is `\(unk)`, which is not in the vocabulary") }
            unknownID = id
        }
        try self.init(pieces: model.pieces, merges: model.merges, specialTokens: special,
                      addPrefixSpace: try pre.bool("add_prefix_space") ?? false, unknownID: unknownID, source: file,
                      mergePosition: { (nil, "`model.merges[\($0)]`") })
    }

    /// GPT-2's original pair of files: vocab.json (piece → id) and merges.txt (an optional
    /// `#version` line, then one `left right` merge per line, best first). Special tokens and
    /// any further added tokens come from `config` (tokenizer_config.json's
    /// `added_tokens_decoder`, the bos/eos/unk/pad names); the unknown token stands for bytes
    /// missing from the vocabulary, as transformers' GPT2Tokenizer does.
    init(vocabPath: String, mergesPath: String, config: HuggingFaceTokenizerConfig) throws {
        let vocabJSON = try JSONObject.read(path: vocabPath)
        var byID: [Int: String] = [:]
        for (piece, value) in vocabJSON.members {
            guard let n = value as? NSNumber, !JSONObject.isBool(n), let id = Int(exactly: n.doubleValue), id >= 0 else {
                throw TokenizerError(file: vocabPath, "`\(piece)` has the value \(value), expected a non-negative integer id")
            }
            if let other = byID[id] { throw TokenizerError(file: vocabPath, tokenID: id, "both `\(other)` and `\(piece)` have id \(id)") }
            byID[id] = piece
        }
        for (id, token) in config.addedTokens {
            if let existing = byID[id], existing != token.content {
                throw TokenizerError(file: config.configFile ?? vocabPath, tokenID: id,
                                     "`added_tokens_decoder` puts `\(token.content)` at id \(id), where vocab.json has `\(existing)`")
            }
            byID[id] = token.content
        }
        let count = (byID.keys.max() ?? -1) + 1
        guard count > 0, byID.count == count else {
            let missing = (0..<max(count, 1)).first { byID[$0] == nil } ?? 0
            throw TokenizerError(file: vocabPath, tokenID: missing, count == 0 ? "the vocabulary is empty"
                                 : "the ids run to \(count - 1) but id \(missing) has no piece; expected ids without gaps")
        }
        let pieces = (0..<count).map { byID[$0]! }
        guard let data = FileManager.default.contents(atPath: mergesPath) else {
            throw TokenizerError(file: mergesPath, "cannot be read (missing or not a readable file)")
        }
        var merges: [(left: String, right: String)] = [], lines: [Int] = []
        let text = String(decoding: data, as: UTF8.self)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError(file: mergesPath, line: index + 1, "`\(line)` is not a merge; expected two pieces separated by one space")
            }
            merges.append((String(parts[0]), String(parts[1])))
            lines.append(index + 1)
        }
        var ids: [String: Int] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        var special = try config.specialTokens(ids: { ids[$0] }, defaultAddBOS: false, defaultAddEOS: false, file: vocabPath)
        let named = Set([special.bos, special.eos, special.pad, special.unk].compactMap { $0?.id })
        special.others = config.addedTokens.filter { $0.value.special && !named.contains($0.key) }
            .map { SpecialToken(id: $0.key, text: $0.value.content) }.sorted { $0.id < $1.id }
        try self.init(pieces: pieces, merges: merges, specialTokens: special, unknownID: special.unk?.id,
                      source: mergesPath, mergePosition: { (lines[$0], "merge \($0)") })
    }

    /// A GGUF vocabulary with `tokenizer.ggml.model = gpt2`: tokens, merges (`left right`),
    /// token types (control tokens are special) and special ids. Only GPT-2's own split rule is
    /// implemented, so `tokenizer.ggml.pre` must be absent, `default` or `gpt-2`.
    public init(ggufMetadata metadata: [String: GGUFValue], file: String) throws {
        typealias K = GGUFTokenizerMetadata
        let keys = K(metadata: metadata, file: file)
        let model = metadata[K.model]?.string
        guard model == "gpt2" else {
            throw TokenizerError(file: file, "`tokenizer.ggml.model` is \(model.map { "`\($0)`" } ?? "missing"), expected `gpt2` for a byte-level BPE vocabulary")
        }
        if let pre = metadata[K.pre]?.string, !["default", "gpt-2", "gpt2"].contains(pre) {
            throw TokenizerError(file: file, "`tokenizer.ggml.pre` is `\(pre)`; hone implements GPT-2's pre-tokenizer (`gpt-2`) only")
        }
        guard let tokens = try keys.strings(K.tokens) else { throw TokenizerError(file: file, "`tokenizer.ggml.tokens` is missing") }
        let types = try keys.ints(K.tokenType) ?? [Int](repeating: 1, count: tokens.count)
        guard types.count == tokens.count else {
            throw TokenizerError(file: file, "\(tokens.count) tokens but \(types.count) token types")
        }
        let mergeStrings = try keys.strings(K.merges) ?? []
        let merges = try mergeStrings.enumerated().map { (i, s) -> (left: String, right: String) in
            let parts = s.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError(file: file, "`tokenizer.ggml.merges`[\(i)] is `\(s)`, expected two pieces separated by one space")
            }
            return (String(parts[0]), String(parts[1]))
        }
        var special = try keys.specialTokens(tokens: tokens, defaultAddBOS: false, others: [])
        let named = Set([special.bos, special.eos, special.pad, special.unk].compactMap { $0?.id })
        special.others = types.indices.filter { types[$0] == 3 && !named.contains($0) }.map { SpecialToken(id: $0, text: tokens[$0]) }
        try self.init(pieces: tokens, merges: merges, specialTokens: special, unknownID: special.unk?.id, source: file,
                      mergePosition: { (nil, "`tokenizer.ggml.merges`[\($0)]") })
    }

    /// `tokenizer.ggml.*` as llama.cpp's converter writes GPT-2: model `gpt2`, pre `gpt-2`,
    /// tokens, token types (special tokens control), merges, special ids.
    public func ggufMetadata() -> [(key: String, value: GGUFValue)] {
        typealias K = GGUFTokenizerMetadata
        let special = Set(specialTokens.all.map(\.id))
        var result: [(key: String, value: GGUFValue)] = [
            (K.model, .string("gpt2")),
            (K.pre, .string("gpt-2")),
            (K.tokens, K.stringArray(pieces)),
            (K.tokenType, .array(elementType: K.typeInt32, values: pieces.indices.map { .int32(special.contains($0) ? 3 : 1) })),
            (K.merges, K.stringArray(merges.map { $0.left + " " + $0.right })),
        ]
        result += K.entries(for: specialTokens)
        return result
    }

    /// tokenizer.json in GPT-2's form (ByteLevel pre-tokenizer, post-processor and decoder),
    /// tokenizer_config.json and special_tokens_map.json.
    public func huggingFaceFiles() throws -> [(name: String, bytes: [UInt8])] {
        try huggingFaceFiles(extraConfig: [])
    }

    /// The same files, with `extraConfig` members added to tokenizer_config.json (`model_max_length`).
    func huggingFaceFiles(extraConfig: [(String, JSONValue)]) throws -> [(name: String, bytes: [UInt8])] {
        let byteLevel = JSONValue.object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(addPrefixSpace)),
                                          ("trim_offsets", .bool(true)), ("use_regex", .bool(true))])
        let completeAlphabet = byteIDs.allSatisfy { $0 >= 0 }
        let unk = completeAlphabet ? nil : unknownID.map { pieces[$0] }
        let json = JSONValue.object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array(specialTokens.all.sorted { $0.id < $1.id }.map {
                HuggingFaceTokenizerConfig.addedTokenJSON($0, normalized: true, withID: true)
            })),
            ("normalizer", .null),
            ("pre_tokenizer", byteLevel),
            ("post_processor", specialTokens.addBOS || specialTokens.addEOS ? TemplateJSON.processing(special: specialTokens) : byteLevel),
            ("decoder", byteLevel),
            ("model", HuggingFaceBPEModel.modelJSON(pieces: pieces, merges: merges, unkToken: unk, byteFallback: false,
                                                    fuseUnk: false, subwordAffixes: .string(""))),
        ])
        return [("tokenizer.json", json.bytes)]
            + HuggingFaceTokenizerConfig.files(special: specialTokens, tokenizerClass: "GPT2Tokenizer", normalized: true,
                                               extra: [("add_prefix_space", .bool(addPrefixSpace)), ("clean_up_tokenization_spaces", .bool(false))] + extraConfig)
    }
}
