/// Why documents could not become passages. It names the file (and the line, where one is to
/// blame) so the message points at what to fix; the language layer adds the script position.
public struct RetrievalError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The path does not exist or cannot be read.
        case unreadable
        /// The file or folder holds no text to index.
        case empty
        /// A JSONL line is not a JSON object.
        case badRecord
    }

    public var kind: Kind
    public var path: String
    /// The 1-based line at fault; nil when the whole file or folder is.
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, path: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
