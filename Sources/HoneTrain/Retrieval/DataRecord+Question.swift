/// A record as a question and its answer, the view retrieval and few-shot prompting need: the
/// question is what gets augmented (and searched for), the answer is what a shot shows.
extension DataRecord {
    /// The text the user asks: alpaca's instruction (and its input, after a blank line), the
    /// prompt, or the last user turn of a chat; nil for plain text, which asks nothing.
    public var question: String? {
        switch self {
        case .instruction(let instruction, let input, _):
            return input.isEmpty ? instruction : instruction + "\n\n" + input
        case .promptCompletion(let prompt, _), .preference(let prompt, _, _, _):
            return prompt
        case .chat(let messages):
            return messages.last(where: { $0.role == "user" })?.content
        case .text:
            return nil
        }
    }

    /// The expected answer: output, completion, the final assistant turn, or the chosen answer.
    public var answer: String? {
        switch self {
        case .instruction(_, _, let output): return output
        case .promptCompletion(_, let completion): return completion
        case .chat(let messages): return PromptTemplate.split(messages).1
        case .preference(_, let chosen, _, _): return chosen
        case .text: return nil
        }
    }

    /// The same record with its question replaced by `transform(question)`: the instruction
    /// (its input folded in), the prompt, or the last user turn. Plain text is returned as is.
    public func replacingQuestion(_ transform: (String) -> String) -> DataRecord {
        guard let question else { return self }
        switch self {
        case .instruction(_, _, let output):
            return .instruction(instruction: transform(question), input: "", output: output)
        case .promptCompletion(_, let completion):
            return .promptCompletion(prompt: transform(question), completion: completion)
        case .preference(_, let chosen, let rejected, let history):
            return .preference(prompt: transform(question), chosen: chosen, rejected: rejected, history: history)
        case .chat(var messages):
            if let i = messages.lastIndex(where: { $0.role == "user" }) {
                messages[i] = ChatMessage(role: "user", content: transform(messages[i].content))
            }
            return .chat(messages)
        case .text:
            return self
        }
    }
}
