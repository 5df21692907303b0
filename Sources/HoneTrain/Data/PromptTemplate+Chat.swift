/// Chat templates and prompt templates as one thing: a model's Jinja chat template renders a
/// record through the same `render(_:)` as the built-in templates, and every built-in template
/// has a Jinja text that renders the same prompt, so a model trained with `alpaca` is saved with
/// a `chat_template` that other tools (transformers, llama.cpp) apply the same way.
extension PromptTemplate {
    /// The short name shown to people: `alpaca`, `chatml`, `llama2`, `plain`, `custom`, `chat template`.
    public var name: String {
        switch self {
        case .alpaca: "alpaca"
        case .chatml: "chatml"
        case .llama2: "llama2"
        case .plain: "plain"
        case .custom: "custom"
        case .chat: "chat template"
        }
    }

    /// Whether rendered text holds marker strings (`<|im_start|>`, `[INST]`, `</s>`) that must be
    /// encoded as special-token ids when the tokenizer has them. Templates of plain prose leave
    /// special-token strings in the data as text, so data cannot smuggle in control ids.
    public var usesSpecialTokens: Bool {
        switch self {
        case .chatml, .llama2, .chat: true
        case .alpaca, .plain, .custom: false
        }
    }

    /// Like `render(_:)`, but a chat template that fails on the record throws instead of
    /// giving empty texts.
    public func rendered(_ record: DataRecord) throws(PromptTemplateError) -> (prompt: String, completion: String) {
        if case .chat(let template) = self { return try Self.renderChat(template, record) }
        return render(record)
    }

    /// The record's turns as template messages. Alpaca records keep `instruction` and `input`
    /// beside `content` (= instruction, then "\n\n" and the input when there is one), so the alpaca
    /// Jinja text can choose the with-input prompt while other tools see an ordinary user turn.
    public static func chatMessages(_ record: DataRecord) -> (context: [JinjaValue], answer: String?) {
        switch record {
        case .instruction(let instruction, let input, let output):
            let user = JinjaValue.dict([("role", .string("user")),
                                        ("content", .string(input.isEmpty ? instruction : instruction + "\n\n" + input)),
                                        ("instruction", .string(instruction)), ("input", .string(input))])
            return ([user], output)
        case .text(let t):
            return ([], t)
        default:
            let (context, answer) = turns(record)
            let endsWithAnswer: Bool
            if case .chat(let messages) = record { endsWithAnswer = messages.last?.role == "assistant" } else { endsWithAnswer = true }
            return (context.map(ChatTemplate.value), endsWithAnswer ? answer : nil)
        }
    }

    /// prompt = the template on the turns before the answer with `add_generation_prompt`;
    /// completion = what the template adds for the answer (full text minus the prompt).
    static func renderChat(_ template: ChatTemplate, _ record: DataRecord) throws(PromptTemplateError) -> (prompt: String, completion: String) {
        let (context, answer) = chatMessages(record)
        if context.isEmpty, let answer { return ("", answer) }
        do {
            let prompt = try template.render(messageValues: context, addGenerationPrompt: true)
            guard let answer else { return (prompt, "") }
            let all = context + [.dict([("role", .string("assistant")), ("content", .string(answer))])]
            let full = try template.render(messageValues: all, addGenerationPrompt: false)
            guard full.hasPrefix(prompt) else {
                throw PromptTemplateError(message: "the chat template's prompt (with add_generation_prompt) is not the start of the "
                    + "full conversation it renders, so the answer cannot be separated from the prompt; prompt ends "
                    + "\(String(prompt.suffix(40)).debugDescription), full text has \(String(full.prefix(prompt.count).suffix(40)).debugDescription) there")
            }
            return (prompt, String(full.dropFirst(prompt.count)))
        } catch let error as JinjaError {
            throw PromptTemplateError(message: error.description)
        } catch let error as PromptTemplateError {
            throw error
        } catch {
            throw PromptTemplateError(message: "\(error)")
        }
    }

    /// A Jinja chat template that renders the same prompt as this template (for `chat`, its own
    /// text). Saved with a model as `chat_template`, so inference elsewhere formats prompts the way
    /// training did.
    public var chatTemplateText: String {
        switch self {
        case .chat(let template): return template.text
        case .chatml:
            return "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        case .llama2:
            return "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}{% set turns = messages[1:] %}"
                + "{% else %}{% set system = none %}{% set turns = messages %}{% endif %}"
                + "{% for message in turns %}{% if message['role'] == 'user' %}{% if not loop.first %}{{ bos_token }}{% endif %}"
                + "{{ '[INST] ' }}{% if loop.first and system is not none %}{{ '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' }}{% endif %}"
                + "{{ message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + ' ' + eos_token }}"
                + "{% endif %}{% endfor %}"
        case .plain:
            return "{% for message in messages %}{% if message['role'] == 'assistant' %}{{ message['content'] }}"
                + "{% else %}{{ message['content'] + '\\n' }}{% endif %}{% endfor %}"
        case .alpaca:
            return Self.customJinja(prompt: Self.alpacaWithInput, withoutInput: Self.alpacaWithoutInput, after: "")
        case .custom(let text):
            if let range = text.range(of: "{output}") {
                return Self.customJinja(prompt: String(text[..<range.lowerBound]), withoutInput: nil, after: String(text[range.upperBound...]))
            }
            return Self.customJinja(prompt: text, withoutInput: nil, after: "")
        }
    }

    /// Jinja for a placeholder template: each user turn is `prompt` filled in (`withoutInput`
    /// instead when the turn has no input), each assistant turn its content then `after`.
    static func customJinja(prompt: String, withoutInput: String?, after: String) -> String {
        let instruction = "(message['instruction'] if message['instruction'] is defined else message['content'])"
        let input = "(message['input'] if message['input'] is defined else '')"
        func expression(_ text: String) -> String {
            var parts: [String] = []
            var literal = ""
            var rest = Substring(text)
            while let open = rest.firstIndex(of: "{") {
                literal += rest[..<open]
                let after = rest[rest.index(after: open)...]
                if let close = after.firstIndex(of: "}"), ["instruction", "input"].contains(after[..<close]) {
                    if !literal.isEmpty { parts.append(jinjaString(literal)); literal = "" }
                    parts.append(after[..<close] == "instruction" ? instruction : input)
                    rest = after[after.index(after: close)...]
                } else {
                    literal += "{"
                    rest = after
                }
            }
            literal += rest
            if !literal.isEmpty || parts.isEmpty { parts.append(jinjaString(literal)) }
            return "{{ " + parts.joined(separator: " ~ ") + " }}"
        }
        var user = expression(prompt)
        if let withoutInput {
            user = "{% if message['input'] is defined and message['input'] %}\(user){% else %}\(expression(withoutInput)){% endif %}"
        }
        return "{% for message in messages %}{% if message['role'] == 'user' %}\(user)"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] }}\(after.isEmpty ? "" : expression(after)){% endif %}{% endfor %}"
    }

    /// `s` as a single-quoted Jinja string literal.
    static func jinjaString(_ s: String) -> String {
        var out = "'"
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.append(c)
            }
        }
        return out + "'"
    }
}
