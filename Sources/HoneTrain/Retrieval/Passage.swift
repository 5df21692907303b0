/// Where a passage came from: a file and the 1-based line it starts on, shown as `file:line`
/// so a reader can open the document at the retrieved text.
public struct PassageSource: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One retrievable unit of text: a paragraph of a text file, or one JSONL record.
public struct Passage: Sendable, Equatable {
    public var text: String
    public var source: PassageSource

    public init(text: String, source: PassageSource) {
        self.text = text
        self.source = source
    }
}
