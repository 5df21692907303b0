/// One special token: its id and its text in the vocabulary.
public struct SpecialToken: Sendable, Equatable, CustomStringConvertible {
    public var id: Int
    public var text: String
    public init(id: Int, text: String) {
        self.id = id
        self.text = text
    }
    public var description: String { "\(id) \(text)" }
}

/// The special tokens a model was trained with. `addBOS`/`addEOS` say whether the model's own
/// tokenizer adds them to every text (Llama: BOS yes; GPT-2: neither).
public struct SpecialTokens: Sendable, Equatable {
    public var bos: SpecialToken?
    public var eos: SpecialToken?
    public var pad: SpecialToken?
    public var unk: SpecialToken?
    public var addBOS: Bool
    public var addEOS: Bool
    /// Further tokens that are never produced from plain text (control and added special tokens
    /// other than the four above), for `encode(_:bos:parsingSpecialTokens:)` and decoding.
    public var others: [SpecialToken]

    public init(bos: SpecialToken? = nil, eos: SpecialToken? = nil, pad: SpecialToken? = nil, unk: SpecialToken? = nil,
                addBOS: Bool = false, addEOS: Bool = false, others: [SpecialToken] = []) {
        self.bos = bos
        self.eos = eos
        self.pad = pad
        self.unk = unk
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.others = others
    }

    /// Every special token whose text can be matched in text: bos, eos, pad, unk and `others`,
    /// each once, longest text first so `<|im_start|>` wins over a prefix of it.
    public var all: [SpecialToken] {
        var seen = Set<Int>(), result: [SpecialToken] = []
        for token in [bos, eos, pad, unk].compactMap({ $0 }) + others where !token.text.isEmpty && seen.insert(token.id).inserted {
            result.append(token)
        }
        return result.sorted { ($0.text.utf8.count, -$0.id) > ($1.text.utf8.count, -$1.id) }
    }
}

extension Tokenizer {
    /// Like `encode(_:bos:)`, but with `parsingSpecialTokens` the strings of special tokens
    /// (`specialTokens.all`) in `text` become their ids, as Hugging Face tokenizers do by default;
    /// the text between them is encoded on its own (so SentencePiece adds its dummy-prefix space
    /// to each stretch, like Llama's "legacy" tokenizer).
    public func encode(_ text: String, bos: Bool, parsingSpecialTokens: Bool) -> [Int] {
        guard parsingSpecialTokens else { return encode(text, bos: bos) }
        var ids: [Int] = bos ? encode("", bos: true) : []
        let specials = specialTokens.all.map { (utf8: Array($0.text.utf8), id: $0.id) }
        let utf8 = Array(text.utf8)
        var start = 0, i = 0
        func flush(_ end: Int) {
            if end > start { ids += encode(String(decoding: utf8[start..<end], as: UTF8.self), bos: false) }
        }
        while i < utf8.count {
            if let match = specials.first(where: { utf8[i...].starts(with: $0.utf8) }) {
                flush(i)
                ids.append(match.id)
                i += match.utf8.count
                start = i
            } else {
                i += 1
            }
        }
        flush(utf8.count)
        return ids
    }
}
