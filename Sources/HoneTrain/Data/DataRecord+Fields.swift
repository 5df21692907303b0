/// A record's texts by field name, so statistics, cleaning and reports treat every format alike.
extension DataRecord {
    /// The record's texts, named as its file names them: alpaca `instruction`/`input`/`output`,
    /// `prompt`/`completion`, `text`, preference `prompt`/`chosen`/`rejected`. A chat has two:
    /// `turns` (every turn before the last assistant turn, joined by blank lines) and `answer`
    /// (that last assistant turn), the split training uses.
    public var fields: [(name: String, text: String)] {
        switch self {
        case .instruction(let i, let input, let o): return [("instruction", i), ("input", input), ("output", o)]
        case .promptCompletion(let p, let c): return [("prompt", p), ("completion", c)]
        case .text(let t): return [("text", t)]
        case .chat(let messages):
            let (context, answer) = PromptTemplate.split(messages)
            return [("turns", context.map(\.content).joined(separator: "\n\n")), ("answer", answer)]
        case .preference(let p, let chosen, let rejected, let history):
            let prompt = history.isEmpty ? p : history.map(\.content).joined(separator: "\n\n")
            return [("prompt", prompt), ("chosen", chosen), ("rejected", rejected)]
        }
    }

    /// The field names a record of `format` has, in `fields` order.
    public static func fieldNames(of format: DataFormat) -> [String] {
        switch format {
        case .alpaca: return ["instruction", "input", "output"]
        case .promptCompletion: return ["prompt", "completion"]
        case .text: return ["text"]
        case .messages: return ["turns", "answer"]
        case .preference: return ["prompt", "chosen", "rejected"]
        }
    }

    /// The fields a record cannot train without: all but alpaca's `input`, which is optional.
    /// A chat needs a final assistant turn and some turn before it.
    public var requiredFieldNames: Set<String> {
        switch self {
        case .instruction: return ["instruction", "output"]
        case .promptCompletion: return ["prompt", "completion"]
        case .text: return ["text"]
        case .chat: return ["turns", "answer"]
        case .preference: return ["prompt", "chosen", "rejected"]
        }
    }

    /// The required fields that hold nothing but whitespace.
    public var emptyRequiredFields: [String] {
        let required = requiredFieldNames
        return fields.filter { required.contains($0.name) && $0.text.allSatisfy(\.isWhitespace) }.map(\.name)
    }

    /// The same record with `transform` applied to every text (chat turns and roles kept).
    public func mapTexts(_ transform: (String) -> String) -> DataRecord {
        func turns(_ ms: [ChatMessage]) -> [ChatMessage] { ms.map { ChatMessage(role: $0.role, content: transform($0.content)) } }
        switch self {
        case .instruction(let i, let input, let o): return .instruction(instruction: transform(i), input: transform(input), output: transform(o))
        case .promptCompletion(let p, let c): return .promptCompletion(prompt: transform(p), completion: transform(c))
        case .text(let t): return .text(transform(t))
        case .chat(let ms): return .chat(turns(ms))
        case .preference(let p, let c, let r, let h):
            return .preference(prompt: transform(p), chosen: transform(c), rejected: transform(r), history: turns(h))
        }
    }

    /// All the record's text in one string, fields separated by a unit separator, for duplicate checks.
    var joinedText: String { fields.map(\.text).joined(separator: "\u{1F}") }
}
