import Foundation

extension Llama2CTokenizer {
    /// llama2.c fixes these ids: 0 unknown, 1 BOS, 2 EOS; run.c always adds BOS.
    public var specialTokens: SpecialTokens {
        func token(_ id: Int, _ text: String) -> SpecialToken? { id < pieces.count ? SpecialToken(id: id, text: text) : nil }
        return SpecialTokens(bos: token(1, "<s>"), eos: token(2, "</s>"), unk: token(0, "<unk>"), addBOS: true)
    }

    /// The same vocabulary as a `SentencePieceTokenizer` (spaces as `▁`, `<s>`/`</s>` for the
    /// `"\n<s>\n"` entries llama2.c's exporter writes, ids 3…258 as byte tokens), decoding with
    /// llama2.c's leading-space rule. It encodes every text to the same ids as this tokenizer.
    public func sentencePiece() throws -> SentencePieceTokenizer {
        let special = specialTokens
        var texts: [String] = [], types: [SentencePieceTokenizer.TokenType] = []
        for (id, bytes) in pieces.enumerated() {
            if let token = [special.unk, special.bos, special.eos].compactMap({ $0 }).first(where: { $0.id == id }) {
                texts.append(token.text)
                types.append(id == 0 ? .unknown : .control)
            } else if Self.byteValue(bytes[...]) != nil {
                texts.append(String(decoding: bytes, as: UTF8.self))
                types.append(.byte)
            } else {
                texts.append(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: " ", with: "▁"))
                types.append(.normal)
            }
        }
        return try SentencePieceTokenizer(pieces: texts, scores: scores, types: types, specialTokens: special,
                                          leadingSpace: .llama2c, source: "llama2.c tokenizer")
    }

    /// `tokenizer.ggml.*` for the vocabulary as llama.cpp's SentencePiece (`llama`) model.
    public func ggufMetadata() -> [(key: String, value: GGUFValue)] {
        (try? sentencePiece())?.ggufMetadata() ?? []
    }

    /// A Llama-2-style tokenizer.json (merges ranked by score, byte fallback), like stories260K-hf.
    public func huggingFaceFiles() throws -> [(name: String, bytes: [UInt8])] {
        try sentencePiece().huggingFaceFiles()
    }
}
