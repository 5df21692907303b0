extension SentencePieceTokenizer {
    /// A Llama-2-style tokenizer.json: BPE with `byte_fallback`, spaces turned into `▁` by the
    /// normalizer (`Prepend("▁")` + `Replace(" ", "▁")`, the "legacy" form) or by a `Metaspace`
    /// pre-tokenizer (prepend_scheme `always`/`first`, or `never`). Merge ranks come from
    /// `model.merges`; decoding follows HF (`LeadingSpace.huggingFace`). `config` supplies BOS/EOS
    /// names and add_bos/add_eos, which otherwise come from the post-processor template.
    init(huggingFace json: JSONObject, config: HuggingFaceTokenizerConfig) throws {
        let file = json.file
        let model = try HuggingFaceBPEModel.parse(json)
        let addDummyPrefix = try Self.spaceHandling(json)
        var types = [TokenType](repeating: .normal, count: model.pieces.count)
        var others: [SpecialToken] = []
        for token in model.added where token.special {
            types[token.id] = .control
            others.append(SpecialToken(id: token.id, text: token.content))
        }
        for (id, piece) in model.pieces.enumerated() where types[id] == .normal && model.byteFallback {
            if Llama2CTokenizer.byteValue(Array(piece.utf8)[...]) != nil { types[id] = .byte }
        }
        var ids: [String: Int] = [:]
        for (id, piece) in model.pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        if let unk = model.unkToken {
            guard let id = ids[unk] else { throw TokenizerError(file: file, "`model.unk_token` is `\(unk)`, which is not in the vocabulary") }
            types[id] = .unknown
        }
        let (templateBOS, templateEOS) = try Self.templateSpecials(json)
        var config = config
        config.bos = config.bos ?? templateBOS
        config.eos = config.eos ?? templateEOS
        config.unk = config.unk ?? model.unkToken
        var special = try config.specialTokens(ids: { ids[$0] }, defaultAddBOS: templateBOS != nil,
                                               defaultAddEOS: templateEOS != nil, file: file)
        if let id = special.unk?.id { types[id] = .unknown }
        let named = Set([special.bos, special.eos, special.pad, special.unk].compactMap { $0?.id })
        special.others = others.filter { !named.contains($0.id) }
        for token in [special.bos, special.eos, special.pad].compactMap({ $0 }) where types[token.id] == .normal {
            types[token.id] = .control
        }
        let scores = Self.scores(pieces: model.pieces, types: types, merges: model.merges)
        try self.init(pieces: model.pieces, scores: scores, types: types, specialTokens: special, merges: model.merges,
                      addDummyPrefix: addDummyPrefix, leadingSpace: .huggingFace, source: file,
                      mergePosition: { (nil, "`model.merges[\($0)]`") })
    }

    /// Whether text gets a dummy-prefix `▁`, after checking that spaces become `▁` at all (other
    /// normalizers and pre-tokenizers are refused rather than half-applied).
    static func spaceHandling(_ json: JSONObject) throws -> Bool {
        let file = json.file
        var prepends = false, replaces = false
        if let normalizer = try json.object("normalizer") {
            let steps = try normalizer.string("type") == "Sequence" ? try normalizer.objects("normalizers") : [normalizer]
            for step in steps {
                switch try step.string("type") {
                case "Prepend" where try step.string("prepend") == "▁": prepends = true
                case "Replace":
                    let pattern = try step.requiredObject("pattern")
                    guard try pattern.string("String") == " ", try step.string("content") == "▁" else {
                        throw TokenizerError(file: file, "`\(step.path)` replaces something other than \" \" with \"▁\"; hone supports only that replacement")
                    }
                    replaces = true
                case let other:
                    throw TokenizerError(file: file, "`\(step.path)` is a `\(other ?? "?")` normalizer; hone supports Prepend(\"▁\") and Replace(\" \", \"▁\") for SentencePiece-style vocabularies")
                }
            }
        }
        if let pre = try json.object("pre_tokenizer") {
            guard try pre.string("type") == "Metaspace", try pre.string("replacement") ?? "▁" == "▁" else {
                throw TokenizerError(file: file, "`pre_tokenizer` is `\(try pre.string("type") ?? "?")`; a SentencePiece-style tokenizer.json has none or Metaspace")
            }
            guard try pre.bool("split") != true else {
                throw TokenizerError(file: file, "`pre_tokenizer.split` is true (Metaspace splitting at every ▁); hone implements SentencePiece-style BPE over the whole text, i.e. `split: false` or the legacy normalizer form")
            }
            replaces = true
            let scheme = try pre.string("prepend_scheme") ?? ((try pre.bool("add_prefix_space") ?? true) ? "always" : "never")
            prepends = scheme != "never"
        }
        guard replaces else {
            throw TokenizerError(file: file, "neither the normalizer nor the pre-tokenizer turns spaces into \"▁\"; not a SentencePiece-style tokenizer.json")
        }
        return prepends
    }

    /// The special tokens the post-processor's `single` template puts before and after `$A`.
    static func templateSpecials(_ json: JSONObject) throws -> (bos: String?, eos: String?) {
        guard let post = try json.object("post_processor"), try post.string("type") == "TemplateProcessing",
              let single = try post.array("single") else { return (nil, nil) }
        var before: String? = nil, after: String? = nil, seenSequence = false
        for item in single {
            guard let item = item as? [String: Any] else { continue }
            if item["Sequence"] != nil { seenSequence = true }
            if let special = item["SpecialToken"] as? [String: Any], let id = special["id"] as? String {
                if seenSequence { after = id } else { before = id }
            }
        }
        return (before, after)
    }

    /// tokenizer.json in the Llama-2 "legacy" form (like stories260K-hf), tokenizer_config.json
    /// and special_tokens_map.json. A score-ranked vocabulary gets merges ranked by the merged
    /// piece's score (then by the left and right ids), every pair whose concatenation is a piece,
    /// as transformers' SentencePiece converter does.
    public func huggingFaceFiles() throws -> [(name: String, bytes: [UInt8])] {
        let mergeList = merges ?? table.orderedPairs().map { (pieces[Int($0.left)], pieces[Int($0.right)]) }
        var added = specialTokens.all
        for id in types.indices where types[id] == .control && !added.contains(where: { $0.id == id }) {
            added.append(SpecialToken(id: id, text: pieces[id]))
        }
        added.sort { $0.id < $1.id }
        var normalizers: [JSONValue] = []
        if addDummyPrefix { normalizers.append(.object([("type", .string("Prepend")), ("prepend", .string("▁"))])) }
        normalizers.append(.object([("type", .string("Replace")), ("pattern", .object([("String", .string(" "))])), ("content", .string("▁"))]))
        var decoders: [JSONValue] = [
            .object([("type", .string("Replace")), ("pattern", .object([("String", .string("▁"))])), ("content", .string(" "))]),
            .object([("type", .string("ByteFallback"))]),
            .object([("type", .string("Fuse"))]),
        ]
        if addDummyPrefix {
            decoders.append(.object([("type", .string("Strip")), ("content", .string(" ")), ("start", .int(1)), ("stop", .int(0))]))
        }
        let json = JSONValue.object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array(added.map { HuggingFaceTokenizerConfig.addedTokenJSON($0, normalized: false, withID: true) })),
            ("normalizer", .object([("type", .string("Sequence")), ("normalizers", .array(normalizers))])),
            ("pre_tokenizer", .null),
            ("post_processor", TemplateJSON.processing(special: specialTokens)),
            ("decoder", .object([("type", .string("Sequence")), ("decoders", .array(decoders))])),
            ("model", HuggingFaceBPEModel.modelJSON(pieces: pieces, merges: mergeList, unkToken: specialTokens.unk?.text,
                                                    byteFallback: true, fuseUnk: true, subwordAffixes: .null)),
        ])
        return [("tokenizer.json", json.bytes)]
            + HuggingFaceTokenizerConfig.files(special: specialTokens, tokenizerClass: "LlamaTokenizer", normalized: false,
                                               extra: [("legacy", .bool(true)), ("clean_up_tokenization_spaces", .bool(false))])
    }
}

/// The `TemplateProcessing` post-processor that adds BOS/EOS as `SpecialTokens` says.
enum TemplateJSON {
    static func processing(special: SpecialTokens) -> JSONValue {
        func token(_ t: SpecialToken, _ typeID: Int) -> JSONValue {
            .object([("SpecialToken", .object([("id", .string(t.text)), ("type_id", .int(typeID))]))])
        }
        func sequence(_ name: String, _ typeID: Int) -> JSONValue {
            .object([("Sequence", .object([("id", .string(name)), ("type_id", .int(typeID))]))])
        }
        let bos = special.addBOS ? special.bos : nil, eos = special.addEOS ? special.eos : nil
        var single: [JSONValue] = [], pair: [JSONValue] = []
        if let bos { single.append(token(bos, 0)); pair.append(token(bos, 0)) }
        single.append(sequence("A", 0)); pair.append(sequence("A", 0))
        if let eos { single.append(token(eos, 0)); pair.append(token(eos, 0)) }
        if let bos { pair.append(token(bos, 1)) }
        pair.append(sequence("B", 1))
        if let eos { pair.append(token(eos, 1)) }
        let used = [bos, eos].compactMap { $0 }
        var specials: [(String, JSONValue)] = []
        for t in used where !specials.contains(where: { $0.0 == t.text }) {
            specials.append((t.text, .object([("id", .string(t.text)), ("ids", .array([.int(t.id)])), ("tokens", .array([.string(t.text)]))])))
        }
        return .object([("type", .string("TemplateProcessing")), ("single", .array(single)), ("pair", .array(pair)),
                         ("special_tokens", .object(specials))])
    }
}
