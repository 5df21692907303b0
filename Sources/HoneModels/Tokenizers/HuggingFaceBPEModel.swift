import Foundation

/// The parts of a tokenizer.json both BPE kinds share: the `model` section (vocabulary, merges,
/// byte fallback, unknown token) and `added_tokens`, checked for consistency.
struct HuggingFaceBPEModel {
    /// Pieces by id, 0..<count, added tokens included.
    var pieces: [String]
    var merges: [(left: String, right: String)]
    var byteFallback: Bool
    var unkToken: String?
    var added: [(id: Int, content: String, special: Bool)]

    static func parse(_ json: JSONObject) throws -> HuggingFaceBPEModel {
        let file = json.file
        let model = try json.requiredObject("model")
        let type = try model.string("type") ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError(file: file, "`model.type` is `\(type)`; hone reads BPE tokenizers (SentencePiece-style with byte fallback, or GPT-2 byte-level), not \(type)")
        }
        guard let vocabValue = model["vocab"] else { throw TokenizerError(file: file, "`model.vocab` is missing, expected an object of piece → id") }
        guard let vocab = vocabValue as? [String: Any] else { throw model.wrongType("vocab", vocabValue, expected: "an object of piece → id") }
        var byID: [Int: String] = [:]
        for (piece, value) in vocab {
            guard let n = value as? NSNumber, !JSONObject.isBool(n), let id = Int(exactly: n.doubleValue), id >= 0 else {
                throw TokenizerError(file: file, "`model.vocab` gives `\(piece)` the value \(value), expected a non-negative integer id")
            }
            if let other = byID[id] {
                throw TokenizerError(file: file, tokenID: id, "`model.vocab` gives id \(id) to both `\(other)` and `\(piece)`")
            }
            byID[id] = piece
        }
        var added: [(id: Int, content: String, special: Bool)] = []
        for entry in try json.objects("added_tokens") {
            guard let id = try entry.int("id"), id >= 0 else {
                throw TokenizerError(file: file, "`\(entry.path).id` is missing or negative, expected a token id")
            }
            let content = try entry.requiredString("content")
            if let existing = byID[id], existing != content {
                throw TokenizerError(file: file, tokenID: id, "`\(entry.path)` is `\(content)` but `model.vocab` has `\(existing)` at id \(id)")
            }
            byID[id] = content
            added.append((id, content, try entry.bool("special") ?? false))
        }
        let count = (byID.keys.max() ?? -1) + 1
        guard count > 0 else { throw TokenizerError(file: file, "`model.vocab` is empty") }
        guard byID.count == count else {
            let missing = (0..<count).first { byID[$0] == nil }!
            throw TokenizerError(file: file, tokenID: missing, "the ids run to \(count - 1) but id \(missing) has no piece; expected ids 0..<\(byID.count) without gaps")
        }
        let pieces = (0..<count).map { byID[$0]! }
        var merges: [(left: String, right: String)] = []
        for (i, value) in (try model.array("merges") ?? []).enumerated() {
            if let s = value as? String {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw TokenizerError(file: file, "`model.merges[\(i)]` is `\(s)`, expected two pieces separated by one space")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = value as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                merges.append((a, b))
            } else {
                throw TokenizerError(file: file, "`model.merges[\(i)]` is \(value), expected \"left right\" or [\"left\", \"right\"]")
            }
        }
        return HuggingFaceBPEModel(pieces: pieces, merges: merges, byteFallback: try model.bool("byte_fallback") ?? false,
                                   unkToken: try model.string("unk_token"), added: added)
    }

    /// The `model` section for writing.
    static func modelJSON(pieces: [String], merges: [(left: String, right: String)], unkToken: String?, byteFallback: Bool,
                          fuseUnk: Bool, subwordAffixes: JSONValue) -> JSONValue {
        .object([
            ("type", .string("BPE")),
            ("dropout", .null),
            ("unk_token", unkToken.map { .string($0) } ?? .null),
            ("continuing_subword_prefix", subwordAffixes),
            ("end_of_word_suffix", subwordAffixes),
            ("fuse_unk", .bool(fuseUnk)),
            ("byte_fallback", .bool(byteFallback)),
            ("ignore_merges", .bool(false)),
            ("vocab", .object(pieces.enumerated().map { ($1, .int($0)) })),
            ("merges", .array(merges.map { .array([.string($0.left), .string($0.right)]) })),
        ])
    }
}
