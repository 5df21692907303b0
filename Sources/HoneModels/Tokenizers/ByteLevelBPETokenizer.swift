/// GPT-2's byte-level BPE (GPT-2, GPT-J, GPT-NeoX-style vocabularies with GPT-2's split rule):
/// text is split by `GPT2PreTokenizer`, each piece's UTF-8 bytes are spelled in
/// `ByteLevelAlphabet`, and merges apply by rank inside each piece. Read from tokenizer.json,
/// from vocab.json + merges.txt, or from GGUF (`tokenizer.ggml.model = gpt2`).
///
/// Decoding concatenates the bytes of the pieces and reads them as UTF-8, replacing invalid
/// sequences (a prefix of ids can end inside a character) with U+FFFD. Special tokens decode to
/// nothing. Round trips are exact for any text, except that a special token's string inside
/// the text (`<|endoftext|>`) is plain text to `encode(_:bos:)` and so comes back as itself,
/// while its id decodes to nothing.
public struct ByteLevelBPETokenizer: Tokenizer {
    public let pieces: [String]
    public let merges: [(left: String, right: String)]
    public let specialTokens: SpecialTokens
    /// Hugging Face's ByteLevel `add_prefix_space`: a space is put before text that does not
    /// start with one (RoBERTa-style); false for GPT-2.
    public let addPrefixSpace: Bool
    /// The id used for a byte whose character is not in the vocabulary (only toy vocabularies
    /// lack some); without one such bytes are dropped, as Hugging Face does.
    public let unknownID: Int?

    let table: BPEMergeTable
    let byteIDs: [Int32]
    let decodedPieces: [[UInt8]]
    let ids: [String: Int]

    public var vocabularySize: Int { pieces.count }
    public var bos: Int? { specialTokens.bos?.id }
    public var eos: Int? { specialTokens.eos?.id }

    /// `mergePosition(i)` says where merge i came from (a merges.txt line, a JSON index) for errors.
    init(pieces: [String], merges: [(left: String, right: String)], specialTokens: SpecialTokens, addPrefixSpace: Bool = false,
         unknownID: Int?, source: String, mergePosition: (Int) -> (line: Int?, name: String)) throws {
        guard !pieces.isEmpty else { throw TokenizerError(file: source, "the vocabulary is empty") }
        var ids: [String: Int] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        for token in [specialTokens.bos, specialTokens.eos, specialTokens.pad, specialTokens.unk].compactMap({ $0 }) + specialTokens.others
        where !pieces.indices.contains(token.id) {
            throw TokenizerError(file: source, tokenID: token.id, "special token `\(token.text)` has id \(token.id), outside the vocabulary 0..<\(pieces.count)")
        }
        self.table = try BPEMergeTable.ranked(merges, ids: ids, file: source, position: mergePosition)
        self.byteIDs = ByteLevelAlphabet.characters.map { ids[String($0)].map(Int32.init) ?? -1 }
        let special = Set(specialTokens.all.map(\.id))
        self.decodedPieces = pieces.enumerated().map { special.contains($0) ? [] : ByteLevelAlphabet.decode($1) }
        self.pieces = pieces
        self.merges = merges
        self.specialTokens = specialTokens
        self.addPrefixSpace = addPrefixSpace
        self.unknownID = unknownID
        self.ids = ids
    }

    public func piece(_ id: Int) -> String {
        pieces.indices.contains(id) ? pieces[id] : "<invalid id \(id)>"
    }

    /// Encodes piece by piece; pieces seen before in the same text come from a cache (natural
    /// text repeats most words), which keeps 100 KB well under a second.
    public func encode(_ text: String, bos: Bool) -> [Int] {
        var result: [Int] = []
        if bos, let id = self.bos { result.append(id) }
        var scalars = Array(text.unicodeScalars)
        if addPrefixSpace, let first = scalars.first, first != " " { scalars.insert(" ", at: 0) }
        var cache: [[UInt8]: [Int32]] = [:]
        var bytes: [UInt8] = []
        var symbols: [Int32] = []
        for range in GPT2PreTokenizer.split(scalars) {
            bytes.removeAll(keepingCapacity: true)
            for scalar in scalars[range] { UTF8.encode(scalar) { bytes.append($0) } }
            if let cached = cache[bytes] {
                result += cached.lazy.map(Int.init)
                continue
            }
            symbols.removeAll(keepingCapacity: true)
            for byte in bytes {
                let id = byteIDs[Int(byte)]
                if id >= 0 { symbols.append(id) } else if let unknownID { symbols.append(Int32(unknownID)) }
            }
            table.apply(&symbols)
            cache[bytes] = symbols
            result += symbols.lazy.map(Int.init)
        }
        return result
    }

    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where decodedPieces.indices.contains(id) { bytes += decodedPieces[id] }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension BPEMergeTable {
    /// A table from an ordered merge list (rank = position). Every piece of a merge and its
    /// concatenation must be in the vocabulary; the error names where the bad merge is.
    static func ranked(_ merges: [(left: String, right: String)], ids: [String: Int], file: String,
                       position: (Int) -> (line: Int?, name: String)) throws -> BPEMergeTable {
        var table = BPEMergeTable()
        for (rank, merge) in merges.enumerated() {
            let (line, name) = position(rank)
            guard let left = ids[merge.left], let right = ids[merge.right] else {
                let missing = ids[merge.left] == nil ? merge.left : merge.right
                throw TokenizerError(file: file, line: line, "\(name) (`\(merge.left) \(merge.right)`) uses `\(missing)`, which is not in the vocabulary")
            }
            guard let result = ids[merge.left + merge.right] else {
                throw TokenizerError(file: file, line: line, "\(name) (`\(merge.left) \(merge.right)`) makes `\(merge.left + merge.right)`, which is not in the vocabulary")
            }
            table.add(Int32(left), Int32(right), result: Int32(result), rank: Int32(rank))
        }
        return table
    }
}
