import Foundation

/// A SentencePiece-style BPE vocabulary (Llama, Llama 2, Mistral, TinyLlama, stories260K): pieces
/// with `▁` for a space, byte-fallback tokens `<0x00>`…`<0xFF>`, and merges ranked either by
/// piece score (GGUF `tokenizer.ggml.model = llama`, llama2.c) or by a merge list (Hugging Face
/// tokenizer.json, BPE with `byte_fallback`).
///
/// Encoding: a dummy-prefix `▁` before non-empty text (when `addDummyPrefix`), every space becomes
/// `▁`, each Unicode scalar becomes its piece or, when it has none, the byte tokens of its UTF-8
/// bytes; then adjacent pairs merge, lowest rank (highest score) first, leftmost among equals.
///
/// Lossy cases (decode(encode(text)) ≠ text): none for plain text under the llama2.c and HF rules
/// except that SentencePiece cannot tell the dummy-prefix space from a real one: HF strips exactly
/// one leading space, so a text that itself starts with a space keeps it, but llama.cpp's rule
/// (below) keeps the dummy space when the ids start with BOS. Control tokens (BOS, EOS, …) decode
/// to nothing, and characters with neither a piece nor byte tokens become `<unk>`.
public struct SentencePieceTokenizer: Tokenizer {
    /// SentencePiece / GGUF token types (`tokenizer.ggml.token_type`).
    public enum TokenType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// How decoding removes the dummy-prefix space, which differs between implementations.
    public enum LeadingSpace: String, Sendable {
        /// Hugging Face's `Strip` decoder: special tokens are skipped, then one leading space of
        /// the whole text is removed. `[BOS, ▁Once]` → "Once".
        case huggingFace
        /// llama.cpp's `llama_detokenize`: only the first id's leading space is removed, so a
        /// leading BOS keeps it. `[▁Once]` → "Once", `[BOS, ▁Once]` → " Once".
        case llamaCpp
        /// llama2.c's `decode`: a piece right after BOS loses its leading space.
        /// `[BOS, ▁Once]` → "Once", `[▁Once]` → " Once".
        case llama2c
    }

    public let pieces: [String]
    public let scores: [Float]
    public let types: [TokenType]
    public let specialTokens: SpecialTokens
    public let addDummyPrefix: Bool
    public let leadingSpace: LeadingSpace
    /// The merge list when ranks come from one (tokenizer.json); nil when they come from scores.
    public let merges: [(left: String, right: String)]?

    let table: BPEMergeTable
    let scalarIDs: [Unicode.Scalar: Int32]
    let byteIDs: [Int32]  // 256 entries, -1 when the byte has no token
    let ids: [String: Int]
    /// What each id decodes to before the leading-space rule: `▁` as a space, a byte token as
    /// its byte, a control token as nothing.
    let decodedPieces: [[UInt8]]

    public var vocabularySize: Int { pieces.count }
    public var bos: Int? { specialTokens.bos?.id }
    public var eos: Int? { specialTokens.eos?.id }

    /// A tokenizer over `pieces` and their `scores` and `types`. With `merges` the pair ranks
    /// come from that list (each pair and its concatenation must be pieces); without, from the
    /// scores. `source` names the file in errors, `mergePosition` where merge i is in it.
    public init(pieces: [String], scores: [Float], types: [TokenType], specialTokens: SpecialTokens,
                merges: [(left: String, right: String)]? = nil, addDummyPrefix: Bool = true,
                leadingSpace: LeadingSpace, source: String,
                mergePosition: (Int) -> (line: Int?, name: String) = { (nil, "merge \($0)") }) throws {
        guard !pieces.isEmpty else { throw TokenizerError(file: source, "the vocabulary is empty") }
        guard scores.count == pieces.count, types.count == pieces.count else {
            throw TokenizerError(file: source, "\(pieces.count) tokens but \(scores.count) scores and \(types.count) token types; expected one of each per token")
        }
        if let id = scores.firstIndex(where: { $0.isNaN }) {
            throw TokenizerError(file: source, tokenID: id, "the score is NaN; expected a number (a higher score merges first)")
        }
        for token in [specialTokens.bos, specialTokens.eos, specialTokens.pad, specialTokens.unk].compactMap({ $0 }) + specialTokens.others
        where !(0..<pieces.count).contains(token.id) {
            throw TokenizerError(file: source, tokenID: token.id, "special token `\(token.text)` has id \(token.id), outside the vocabulary 0..<\(pieces.count)")
        }
        var ids: [String: Int] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        var scalarIDs: [Unicode.Scalar: Int32] = [:]
        var byteIDs = [Int32](repeating: -1, count: 256)
        for (id, piece) in pieces.enumerated() where ids[piece] == id {
            if types[id] == .byte {
                guard let byte = Llama2CTokenizer.byteValue(Array(piece.utf8)[...]) else {
                    throw TokenizerError(file: source, tokenID: id, "a byte token is `\(piece)`, expected the form <0xNN>")
                }
                byteIDs[Int(byte)] = Int32(id)
            } else if types[id] != .control, piece.unicodeScalars.count == 1 {
                scalarIDs[piece.unicodeScalars.first!] = Int32(id)
            }
        }
        var table = BPEMergeTable()
        if let merges {
            table = try BPEMergeTable.ranked(merges, ids: ids, file: source, position: mergePosition)
        } else {
            table = BPEMergeTable.byScore(pieces: pieces.map { Array($0.utf8) }, scores: scores) {
                types[$0] == .normal || types[$0] == .userDefined
            }
        }
        self.pieces = pieces
        self.scores = scores
        self.types = types
        self.specialTokens = specialTokens
        self.merges = merges
        self.addDummyPrefix = addDummyPrefix
        self.leadingSpace = leadingSpace
        self.table = table
        self.scalarIDs = scalarIDs
        self.byteIDs = byteIDs
        self.ids = ids
        self.decodedPieces = pieces.indices.map { id in
            switch types[id] {
            case .control: return []
            case .byte: return Llama2CTokenizer.byteValue(Array(pieces[id].utf8)[...]).map { [$0] } ?? []
            default: return Array(pieces[id].replacingOccurrences(of: "▁", with: " ").utf8)
            }
        }
    }

    public func piece(_ id: Int) -> String {
        pieces.indices.contains(id) ? pieces[id] : "<invalid id \(id)>"
    }

    public func encode(_ text: String, bos: Bool) -> [Int] {
        var result: [Int] = []
        if bos, let id = self.bos { result.append(id) }
        guard !text.isEmpty else { return result }
        var symbols: [Int32] = []
        symbols.reserveCapacity(text.utf8.count + 1)
        let space: Unicode.Scalar = "▁"
        func add(_ scalar: Unicode.Scalar) {
            if let id = scalarIDs[scalar] {
                symbols.append(id)
                return
            }
            var utf8 = [UInt8]()
            utf8.append(contentsOf: String(scalar).utf8)
            if utf8.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                for byte in utf8 { symbols.append(byteIDs[Int(byte)]) }
            } else if let unk = specialTokens.unk {
                symbols.append(Int32(unk.id))
            }
        }
        if addDummyPrefix { add(space) }
        for scalar in text.unicodeScalars { add(scalar == " " ? space : scalar) }
        table.apply(&symbols)
        result += symbols.map(Int.init)
        return result
    }

    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        var first = true, afterBOS = false, sawText = false
        for id in ids {
            defer { first = false }
            guard pieces.indices.contains(id) else { continue }
            if types[id] == .control {
                afterBOS = id == bos
                continue
            }
            defer { afterBOS = false }
            var text = decodedPieces[id][...]
            let strip: Bool
            switch leadingSpace {
            case .huggingFace: strip = !sawText && addDummyPrefix
            case .llamaCpp: strip = first && addDummyPrefix
            case .llama2c: strip = afterBOS
            }
            sawText = true
            if strip, text.first == 0x20 { text = text.dropFirst() }
            bytes += text
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
