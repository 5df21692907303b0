import Foundation

/// A Hugging Face chat template: the Jinja text a model's `tokenizer_config.json` (`chat_template`)
/// or GGUF (`tokenizer.chat_template`) carries, parsed once, rendered the way transformers'
/// `apply_chat_template` does (`trim_blocks` and `lstrip_blocks` on; `messages`, `bos_token`,
/// `eos_token` and `add_generation_prompt` defined).
///
/// hone implements a subset of Jinja (`JinjaError.supportedSummary`); a template that uses
/// more fails to parse with an `unsupported` error naming the construct and its line:column,
/// rather than rendering something transformers would not.
///
/// Two templates are equal when their texts are: the text is what gets saved with a model.
public struct ChatTemplate: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    /// The strings `bos_token` and `eos_token` stand for (the tokenizer's; "" when it has none).
    public var bosToken: String
    public var eosToken: String
    let program: [JinjaNode]

    public init(_ text: String, bosToken: String = "", eosToken: String = "") throws(JinjaError) {
        self.text = text
        self.bosToken = bosToken
        self.eosToken = eosToken
        var parser = JinjaParser(pieces: try JinjaLexer(text).pieces())
        program = try parser.parseTemplate()
    }

    public static func == (a: ChatTemplate, b: ChatTemplate) -> Bool { a.text == b.text }

    public var description: String { "chat template (\(text.count) characters)" }

    /// The text for `messages`; with `addGenerationPrompt` the template's opening of an
    /// assistant turn follows (when the template has one).
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool) throws(JinjaError) -> String {
        try render(messageValues: messages.map(Self.value), addGenerationPrompt: addGenerationPrompt)
    }

    /// Like `render(messages:addGenerationPrompt:)` with messages that may carry more keys than
    /// `role` and `content` (hone's alpaca messages carry `instruction` and `input`).
    ///
    /// `variables` are the further keyword arguments of `apply_chat_template` (`enable_thinking`,
    /// `date_string`, `tools`, …), defined beside `messages`; `now` is what `strftime_now()`
    /// formats.
    public func render(messageValues: [JinjaValue], addGenerationPrompt: Bool, variables: [String: JinjaValue] = [:],
                       now: Date = Date()) throws(JinjaError) -> String {
        var all = variables
        all["messages"] = .list(messageValues)
        all["bos_token"] = .string(bosToken)
        all["eos_token"] = .string(eosToken)
        all["add_generation_prompt"] = .bool(addGenerationPrompt)
        var evaluator = JinjaEvaluator(variables: all, now: now)
        try evaluator.run(program)
        return evaluator.output
    }

    static func value(_ message: ChatMessage) -> JinjaValue {
        .dict([("role", .string(message.role)), ("content", .string(message.content))])
    }
}
