// llama2.c's tokenizer (`tokenizer.bin`, e.g. tok512.bin) and its encoder and decoder, ported
// from `run.c` (`build_tokenizer`, `encode`, `decode`).
import Foundation

/// A SentencePiece-style BPE vocabulary with scores, in llama2.c's `tokenizer.bin` format:
/// int32 max_token_length, then per id float32 score, int32 byte length and the raw bytes.
/// Spaces are stored as spaces (not `▁`), bytes as `<0x00>`…`<0xFF>` at ids 3…258, BOS is 1
/// and EOS 2.
public struct Llama2CTokenizer: Tokenizer {
    public let pieces: [[UInt8]]
    public let scores: [Float]
    public let maxTokenLength: Int
    private let ids: [[UInt8]: Int]
    private let table: BPEMergeTable

    public var vocabularySize: Int { pieces.count }
    public var bos: Int? { 1 }
    public var eos: Int? { 2 }

    /// Reads the tokenizer at `path`. With `vocabularySize` (the model's, as llama2.c does) exactly
    /// that many entries must be present; without it the file is read to its end.
    public init(path: String, vocabularySize: Int? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError(file: path, "cannot be read (missing or not a readable file)")
        }
        try self.init(bytes: [UInt8](data), path: path, vocabularySize: vocabularySize)
    }

    /// Reads a tokenizer from the bytes of a `tokenizer.bin`; `path` names the file in errors.
    init(bytes: [UInt8], path: String, vocabularySize: Int? = nil) throws {
        func int32(at offset: Int) -> Int32 {
            Int32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) })
        }
        guard bytes.count >= 4 else {
            throw TokenizerError(file: path, offset: 0, "the file has \(bytes.count) bytes, too few for the int32 max_token_length")
        }
        let maxLength = Int(int32(at: 0))
        guard maxLength > 0 else {
            throw TokenizerError(file: path, offset: 0, "max_token_length is \(maxLength), expected a positive number")
        }
        if let vocabularySize, vocabularySize <= 0 {
            throw TokenizerError(file: path, "asked for \(vocabularySize) tokens, expected a positive number")
        }
        var pieces: [[UInt8]] = [], scores: [Float] = []
        var offset = 4
        while vocabularySize.map({ pieces.count < $0 }) ?? (offset < bytes.count) {
            let id = pieces.count
            guard offset + 8 <= bytes.count else {
                throw TokenizerError(file: path, tokenID: id, offset: offset,
                    "the file ends inside this token's score and length (8 bytes needed, \(bytes.count - offset) left)"
                    + (vocabularySize.map { "; expected \($0) tokens" } ?? ""))
            }
            let score = Float(bitPattern: UInt32(bitPattern: int32(at: offset)))
            let length = Int(int32(at: offset + 4))
            guard length >= 0, length <= maxLength else {
                throw TokenizerError(file: path, tokenID: id, offset: offset + 4,
                    "the byte length is \(length), expected 0...\(maxLength) (max_token_length)")
            }
            guard offset + 8 + length <= bytes.count else {
                throw TokenizerError(file: path, tokenID: id, offset: offset + 8,
                    "the file ends inside this token's \(length) bytes (\(bytes.count - offset - 8) left)")
            }
            pieces.append(Array(bytes[(offset + 8)..<(offset + 8 + length)]))
            scores.append(score)
            offset += 8 + length
        }
        if offset != bytes.count {
            throw TokenizerError(file: path, offset: offset,
                "\(bytes.count - offset) bytes follow the last of the \(pieces.count) tokens")
        }
        guard pieces.count > 258 else {
            throw TokenizerError(file: path, "has \(pieces.count) tokens, fewer than the 259 that BOS, EOS and the 256 byte tokens need")
        }
        self.init(pieces: pieces, scores: scores, maxTokenLength: maxLength)
    }

    /// A tokenizer over `pieces` (bytes of each id) and their merge `scores`.
    public init(pieces: [[UInt8]], scores: [Float], maxTokenLength: Int) {
        precondition(pieces.count == scores.count, "Llama2CTokenizer: \(pieces.count) pieces, \(scores.count) scores")
        self.pieces = pieces
        self.scores = scores
        self.maxTokenLength = maxTokenLength
        var ids: [[UInt8]: Int] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        self.ids = ids
        self.table = BPEMergeTable.byScore(pieces: pieces, scores: scores)
    }

    /// The piece of `id` as SentencePiece shows it: a space as `▁`, BOS/EOS as `<s>`/`</s>`
    /// (the file stores `"\n<s>\n"`), bytes not valid UTF-8 replaced.
    public func piece(_ id: Int) -> String {
        guard pieces.indices.contains(id) else { return "<invalid id \(id)>" }
        if id == 1 || id == 2 { return id == 1 ? "<s>" : "</s>" }
        return String(decoding: pieces[id], as: UTF8.self).replacingOccurrences(of: " ", with: "▁")
    }

    /// llama2.c's encoder: BOS when asked, a dummy-prefix space (for non-empty text), each UTF-8
    /// character as its own token or as byte tokens (id 3 + byte), then repeatedly the adjacent
    /// pair whose concatenation is in the vocabulary with the highest score is merged (the
    /// leftmost on ties) until no pair merges. The merging runs on a heap (`BPEMergeTable`), not
    /// llama2.c's quadratic rescan, with the same result.
    public func encode(_ text: String, bos: Bool) -> [Int] {
        var tokens: [Int] = bos ? [1] : []
        let utf8 = Array(text.utf8)
        if !utf8.isEmpty, let space = ids[[0x20]] { tokens.append(space) }
        var i = 0
        while i < utf8.count {
            var end = i + 1
            while end < utf8.count, end - i < 4, utf8[end] & 0xC0 == 0x80 { end += 1 }
            let character = Array(utf8[i..<end])
            if let id = ids[character] {
                tokens.append(id)
            } else {
                tokens += character.map { Int($0) + 3 }
            }
            i = end
        }
        var symbols = tokens.map(Int32.init)
        table.apply(&symbols)
        return symbols.map(Int.init)
    }

    /// llama2.c's decoder: BOS and EOS give no text, a piece right after BOS loses its leading
    /// space, and `<0xXX>` pieces are that byte. Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        var previous: Int? = nil
        for id in ids {
            defer { previous = id }
            guard id >= 0, id < pieces.count, id != 1, id != 2 else { continue }
            var piece = pieces[id][...]
            if previous == 1, piece.first == 0x20 { piece = piece.dropFirst() }
            if let byte = Self.byteValue(piece) {
                bytes.append(byte)
            } else {
                bytes += piece
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The byte a `<0xXX>` piece stands for.
    static func byteValue(_ piece: ArraySlice<UInt8>) -> UInt8? {
        guard piece.count == 6 else { return nil }
        let p = Array(piece)
        guard p[0] == UInt8(ascii: "<"), p[1] == UInt8(ascii: "0"), p[2] == UInt8(ascii: "x"), p[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: p[3..<5], as: UTF8.self), radix: 16)
    }
}
