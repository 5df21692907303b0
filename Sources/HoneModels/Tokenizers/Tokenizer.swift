/// Turns text into token ids and back. Each tokenizer file format has its own type; they share
/// this interface so models and generation need not know which one they have.
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
}

/// A tokenizer file that cannot be read: which file, which token id (when one is at fault),
/// and what is wrong.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var tokenID: Int?
    public var offset: Int?
    public var message: String

    public init(file: String, tokenID: Int? = nil, offset: Int? = nil, _ message: String) {
        self.file = file
        self.tokenID = tokenID
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var place = file
        if let tokenID { place += ", token \(tokenID)" }
        if let offset { place += ", byte \(offset)" }
        return "\(place): \(message)"
    }
}
