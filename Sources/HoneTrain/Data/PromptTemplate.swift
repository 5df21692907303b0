/// Turns a record into the prompt text (no loss by default) and the completion text (the loss).
/// EOS is not part of the completion: `SFTExample.tokenize` appends the tokenizer's EOS id.
///
/// * `alpaca`: Stanford Alpaca `train.py` PROMPT_DICT, with or without input; nothing follows
///   `### Response:` (the completion is tokenised on its own, so a SentencePiece tokenizer gives
///   its first piece the `▁` of a space).
/// * `chatml`: `<|im_start|>{role}\n{content}<|im_end|>\n` per prompt turn, then
///   `<|im_start|>assistant\n`; the completion is the final assistant turn.
/// * `llama2`: `[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]`; earlier exchanges as
///   `[INST] {user} [/INST] {answer} </s><s>`; the completion is the final answer.
/// * `plain`: the texts as they are, the prompt ending in a line break when it is not empty.
/// * `custom`: a text with `{instruction}`, `{input}` and `{output}`; the prompt is the part before
///   `{output}`, the completion `{output}` and whatever follows it.
///
/// * `chat`: a model's own Jinja chat template (see `PromptTemplate+Chat.swift`).
///
/// Chat records are trained on their last assistant turn; every earlier turn is prompt. Marker
/// strings such as `<|im_start|>` become their special-token ids when the tokenizer has them
/// (`usesSpecialTokens`), as transformers encodes them.
public enum PromptTemplate: Sendable, Equatable {
    case alpaca
    case chatml
    case llama2
    case plain
    case custom(String)
    case chat(ChatTemplate)

    public static let alpacaWithInput = "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:"
    public static let alpacaWithoutInput = "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:"

    public static let placeholders: Set<String> = ["instruction", "input", "output"]

    /// A template by name (`alpaca`, `chatml`, `llama2`, `plain`), or a custom template text
    /// (anything containing `{`), checked for unknown placeholders.
    public static func named(_ name: String) throws -> PromptTemplate {
        switch name.lowercased() {
        case "alpaca": return .alpaca
        case "chatml": return .chatml
        case "llama2", "llama-2": return .llama2
        case "plain", "none": return .plain
        default:
            if name.contains("{") { return try custom(validating: name) }
            throw PromptTemplateError(message: "unknown template \"\(name)\"; expected alpaca, chatml, llama2, plain, or a text with {instruction}, {input} and {output}")
        }
    }

    /// A custom template whose placeholders are all known and whose `{output}`, if any, appears once.
    public static func custom(validating text: String) throws -> PromptTemplate {
        let names = placeholderNames(in: text)
        let unknown = names.filter { !placeholders.contains($0) }
        if !unknown.isEmpty {
            var seen = Set<String>()
            let list = unknown.filter { seen.insert($0).inserted }.map { "{\($0)}" }.joined(separator: ", ")
            throw PromptTemplateError(message: "unknown placeholder\(unknown.count == 1 ? "" : "s") \(list) in the template; the known ones are {instruction}, {input} and {output}")
        }
        if names.filter({ $0 == "output" }).count > 1 {
            throw PromptTemplateError(message: "{output} appears more than once in the template")
        }
        return .custom(text)
    }

    /// The names inside `{...}` in `text` (identifier characters only, so JSON braces and the
    /// like are left alone).
    static func placeholderNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                names.append(String(name))
                rest = after[after.index(after: close)...]
            } else {
                rest = after
            }
        }
        return names
    }

    /// The record's parts as one instruction exchange (for alpaca and custom templates): a chat's
    /// last assistant turn is the output, the user turn before it the instruction, earlier turns and
    /// any system turn go first in the instruction.
    static func fields(_ record: DataRecord) -> (instruction: String, input: String, output: String) {
        switch record {
        case .instruction(let i, let input, let o): return (i, input, o)
        case .promptCompletion(let p, let c): return (p, "", c)
        case .text(let t): return ("", "", t)
        case .chat(let messages):
            let (context, answer) = split(messages)
            return (context.map(\.content).joined(separator: "\n\n"), "", answer)
        case .preference(let p, let chosen, _, let history):
            return (history.isEmpty ? p : history.map(\.content).joined(separator: "\n\n"), "", chosen)
        }
    }

    /// The turns before the final assistant turn, and that turn's content ("" when the chat does
    /// not end with the assistant).
    static func split(_ messages: [ChatMessage]) -> ([ChatMessage], String) {
        if let last = messages.last, last.role == "assistant" { return (Array(messages.dropLast()), last.content) }
        return (messages, "")
    }

    /// The record as conversation turns plus the answer to train on.
    static func turns(_ record: DataRecord) -> (context: [ChatMessage], answer: String) {
        switch record {
        case .instruction(let i, let input, let o):
            return ([ChatMessage(role: "user", content: input.isEmpty ? i : i + "\n\n" + input)], o)
        case .promptCompletion(let p, let c): return ([ChatMessage(role: "user", content: p)], c)
        case .text(let t): return ([], t)
        case .chat(let messages): return split(messages)
        case .preference(let p, let chosen, _, let history):
            return (history.isEmpty ? [ChatMessage(role: "user", content: p)] : history, chosen)
        }
    }

    /// The prompt and completion of `record`. A chat template that fails on the record (it calls
    /// `raise_exception`, say) gives ("", ""): use `rendered(_:)` to get the error.
    public func render(_ record: DataRecord) -> (prompt: String, completion: String) {
        if case .chat(let template) = self { return (try? Self.renderChat(template, record)) ?? ("", "") }
        if case .text(let t) = record {
            if case .custom(let text) = self { return Self.fill(text, ("", "", t)) }
            return ("", t)
        }
        switch self {
        case .alpaca:
            let f = Self.fields(record)
            return Self.fill(f.input.isEmpty ? Self.alpacaWithoutInput : Self.alpacaWithInput, f)
        case .custom(let text):
            return Self.fill(text, Self.fields(record))
        case .chatml:
            let (context, answer) = Self.turns(record)
            let prompt = context.map { "<|im_start|>\($0.role)\n\($0.content)<|im_end|>\n" }.joined() + "<|im_start|>assistant\n"
            return (prompt, answer)
        case .llama2:
            let (context, answer) = Self.turns(record)
            var prompt = ""
            var system: String? = nil
            var pendingUser: [String] = []
            func flushUser(answer: String?) {
                var user = pendingUser.joined(separator: "\n\n")
                if let s = system { user = "<<SYS>>\n\(s)\n<</SYS>>\n\n" + user; system = nil }
                if !prompt.isEmpty { prompt += "<s>" }
                prompt += "[INST] \(user) [/INST]"
                if let answer { prompt += " \(answer) </s>" }
                pendingUser = []
            }
            for m in context {
                switch m.role {
                case "system": system = (system.map { $0 + "\n\n" } ?? "") + m.content
                case "assistant": flushUser(answer: m.content)
                default: pendingUser.append(m.content)
                }
            }
            flushUser(answer: nil)
            return (prompt, answer)
        case .plain:
            let (context, answer) = Self.turns(record)
            let prompt = context.map(\.content).joined(separator: "\n")
            return (prompt.isEmpty ? "" : prompt + "\n", answer)
        case .chat(let template):
            return (try? Self.renderChat(template, record)) ?? ("", "")
        }
    }

    /// `template` with the placeholders filled, split at `{output}`.
    static func fill(_ template: String, _ f: (instruction: String, input: String, output: String)) -> (prompt: String, completion: String) {
        func substitute(_ s: String) -> String {
            // One pass, so a value containing "{input}" is not itself substituted.
            var out = ""
            var rest = Substring(s)
            while let open = rest.firstIndex(of: "{") {
                out += rest[..<open]
                let after = rest[rest.index(after: open)...]
                if let close = after.firstIndex(of: "}") {
                    switch after[..<close] {
                    case "instruction": out += f.instruction; rest = after[after.index(after: close)...]; continue
                    case "input": out += f.input; rest = after[after.index(after: close)...]; continue
                    case "output": out += f.output; rest = after[after.index(after: close)...]; continue
                    default: break
                    }
                }
                out += "{"
                rest = after
            }
            return out + rest
        }
        if let range = template.range(of: "{output}") {
            return (substitute(String(template[..<range.lowerBound])), f.output + substitute(String(template[range.upperBound...])))
        }
        return (substitute(template), f.output)
    }
}

/// A template that cannot be used.
public struct PromptTemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
