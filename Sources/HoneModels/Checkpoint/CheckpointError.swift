/// A checkpoint that cannot be read: which file, which tensor (when one is at fault), where in
/// the file, what is wrong and what would be right. Readers throw it; HoneLang shows it as the
/// `caused by:` line under the command that loaded the file.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var tensor: String?
    /// The byte offset in the file where the problem was found, when it is about the bytes.
    public var offset: Int?
    public var message: String

    public init(file: String, tensor: String? = nil, offset: Int? = nil, _ message: String) {
        self.file = file
        self.tensor = tensor
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var place = file
        if let tensor { place += ", tensor `\(tensor)`" }
        if let offset { place += ", byte \(offset)" }
        return "\(place): \(message)"
    }
}
