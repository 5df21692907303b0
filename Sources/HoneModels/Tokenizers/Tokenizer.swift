/// Turns text into token ids and back. Each tokenizer file format has its own type; they share
/// this interface so models, generation and the `tokenize` command need not know which one they
/// have, and so any of them can be written back out for llama.cpp (GGUF) or Hugging Face.
///
/// `encode(_:bos:)` treats its text as plain text: a special token's string inside it (`<s>`,
/// `<|endoftext|>`) is encoded as ordinary characters, so training data cannot smuggle in control
/// ids. `encode(_:bos:parsingSpecialTokens:)` does what Hugging Face does by default instead.
public protocol Tokenizer: Sendable {
    /// The number of ids, 0..<vocabularySize.
    var vocabularySize: Int { get }
    /// The beginning-of-sequence id, when the vocabulary has one.
    var bos: Int? { get }
    /// The end-of-sequence id, when the vocabulary has one.
    var eos: Int? { get }
    /// The ids for `text`, starting with `bos` when asked and the vocabulary has one.
    func encode(_ text: String, bos: Bool) -> [Int]
    /// The text of `ids`, following the file format's own decoding rules.
    func decode(_ ids: [Int]) -> String

    /// BOS, EOS, padding and unknown tokens, and whether the model expects BOS/EOS added.
    var specialTokens: SpecialTokens { get }
    /// The vocabulary entry of `id` as a person should see it (`▁the`, `Ġthe`, `<0x0A>`, `<s>`);
    /// `"<invalid id N>"` outside the vocabulary.
    func piece(_ id: Int) -> String
    /// The `tokenizer.ggml.*` metadata llama.cpp reads to rebuild this tokenizer.
    func ggufMetadata() -> [(key: String, value: GGUFValue)]
    /// `tokenizer.json`, `tokenizer_config.json` and `special_tokens_map.json` that Hugging Face
    /// `AutoTokenizer` and `TokenizerLoader.load(directory:)` read back as this tokenizer.
    func huggingFaceFiles() throws -> [(name: String, bytes: [UInt8])]
}

/// A tokenizer file that cannot be read: which file, which token id or line (when one is at
/// fault), and what is wrong.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var tokenID: Int?
    public var offset: Int?
    public var line: Int?
    public var message: String

    public init(file: String, tokenID: Int? = nil, offset: Int? = nil, line: Int? = nil, _ message: String) {
        self.file = file
        self.tokenID = tokenID
        self.offset = offset
        self.line = line
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let tokenID { place += ", token \(tokenID)" }
        if let offset { place += ", byte \(offset)" }
        return "\(place): \(message)"
    }
}
