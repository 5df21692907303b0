import Foundation
import HoneTrain

/// A BM25 index as the language sees it: a session object named in `rag search` and in
/// `generate … rag=NAME`, with fields for scripts (`docs.passages`, `docs.vocabulary`).
public final class RetrievalIndexHandle: SessionObject, @unchecked Sendable {
    public let name: String
    public let index: BM25Index
    /// The documents' path as the user wrote it.
    public let source: String

    public init(name: String, index: BM25Index, source: String) {
        self.name = name
        self.index = index
        self.source = source
    }

    public var typeName: String { "index" }

    public var summary: String {
        "index \(name): \(index.passages.count) passage\(index.passages.count == 1 ? "" : "s"), \(index.vocabularySize) terms, from \(source)"
    }

    public var fieldNames: [String] { ["name", "passages", "vocabulary", "path"] }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": .string(self.name)
        case "passages": .int(index.passages.count)
        case "vocabulary": .int(index.vocabularySize)
        case "path": .string(source)
        default: nil
        }
    }
}
