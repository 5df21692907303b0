/// How retrieved passages enter a prompt: a text with `{context}` (the passages) and
/// `{question}` (the user's prompt) placeholders. The default states plainly that the passages
/// are facts to use, then asks the question, which is the usual shape of a RAG prompt.
public struct RetrievalTemplate: Sendable, Equatable {
    public static let standard = RetrievalTemplate(unchecked: "Use these facts:\n{context}\n\nQuestion: {question}\nAnswer:")

    public let text: String

    /// Refuses a text without both placeholders: without `{context}` the retrieval would be
    /// silently dropped, without `{question}` the question would.
    public init(_ text: String) throws(RetrievalTemplateError) {
        let missing = ["{context}", "{question}"].filter { !text.contains($0) }
        if !missing.isEmpty { throw RetrievalTemplateError(missing: missing) }
        self.text = text
    }

    init(unchecked text: String) { self.text = text }

    /// The passages as a numbered list, `[1] …` per passage, so an answer can cite them.
    public static func context(_ passages: [Passage]) -> String {
        passages.enumerated().map { "[\($0.offset + 1)] \($0.element.text)" }.joined(separator: "\n")
    }

    /// `question` with `passages` filled in. Placeholders are replaced in one pass, so braces in
    /// a passage or the question are never read as placeholders.
    public func render(question: String, passages: [Passage]) -> String {
        let values = ["{context}": Self.context(passages), "{question}": question]
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            if let (key, value) = values.first(where: { rest[open...].hasPrefix($0.key) }) {
                out += value
                rest = rest[rest.index(open, offsetBy: key.count)...]
            } else {
                out.append("{")
                rest = rest[rest.index(after: open)...]
            }
        }
        return out + rest
    }
}

/// A retrieval template lacking a placeholder.
public struct RetrievalTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var missing: [String]
    public var description: String {
        "the retrieval template needs " + missing.joined(separator: " and ") + " (where the passages and the question go)"
    }
}
