import HoneModels
import HoneTrain

/// A model's remembered template: taken from the files it was loaded from (or an adapter's),
/// used by `generate`, and written back when the model or adapter is saved, so training and
/// inference never silently format prompts differently.
extension ModelHandle {
    /// `text` parsed as a chat template for this model, `bos_token`/`eos_token` being its
    /// tokenizer's strings.
    func chatTemplate(_ text: String) throws(JinjaError) -> ChatTemplate {
        try ChatTemplate(text, bosToken: tokenizer?.specialTokens.bos?.text ?? "", eosToken: tokenizer?.specialTokens.eos?.text ?? "")
    }

    /// Makes the chat template `text` (found in `origin`) the model's template and says so in one
    /// line. A template outside hone's Jinja subset is reported and the model keeps the one it had.
    func adoptChatTemplate(_ text: String, from origin: String, in context: CommandContext) {
        do {
            template = .chat(try chatTemplate(text))
            context.say("  chat template: from \(origin); generate uses it (template=none for raw text)")
        } catch {
            context.say("  note: the chat template in \(origin) is not used: \(error)")
        }
    }

    /// The text to save as this model's chat template: its template's Jinja text, if it has one.
    var chatTemplateText: String? { template?.chatTemplateText }
}

/// The `template=` choice of inference commands: a template name or text, or `none`.
enum InferenceTemplate {
    /// The template for `choice` (nil: the model's own, if any); nil means raw text.
    static func resolve(_ choice: String?, for handle: ModelHandle, range: SourceRange?, in context: CommandContext) throws -> PromptTemplate? {
        guard let choice else { return handle.template }
        if choice.lowercased() == "none" { return nil }
        do {
            return try PromptTemplate.named(choice)
        } catch {
            throw HoneError(.value, "\(error)", at: range ?? context.call.range, hints: ["template=none passes the prompt as raw text"])
        }
    }

    /// `prompt` as the user's turn under `template`, ready to be continued by the model.
    static func wrap(_ prompt: String, in template: PromptTemplate, range: SourceRange?, in context: CommandContext) throws -> String {
        let record: DataRecord
        switch template {
        case .alpaca, .custom, .plain: record = .instruction(instruction: prompt, input: "", output: "")
        case .chatml, .llama2, .chat: record = .chat([ChatMessage(role: "user", content: prompt)])
        }
        do {
            return try template.rendered(record).prompt
        } catch {
            throw HoneError(.value, "the \(template.name) cannot wrap the prompt", at: range ?? context.call.range,
                            hints: ["template=none passes the prompt as raw text"], cause: error.message)
        }
    }

    /// The ids of `text`: template markers become special-token ids, and BOS is added once
    /// (a template that writes BOS itself gets no second one).
    static func encode(_ text: String, template: PromptTemplate?, tokenizer: any Tokenizer, bos: Bool) -> [Int] {
        guard let template, template.usesSpecialTokens else { return tokenizer.encode(text, bos: bos) }
        var ids = tokenizer.encode(text, bos: false, parsingSpecialTokens: true)
        if bos, let b = tokenizer.bos, ids.first != b { ids.insert(b, at: 0) }
        return ids
    }
}
