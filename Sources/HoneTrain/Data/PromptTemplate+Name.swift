extension PromptTemplate {
    /// The name `PromptTemplate.named(_:)` takes back: `alpaca`, `chatml`, `llama2`, `plain`, or
    /// `custom` for a template text.
    public var name: String {
        switch self {
        case .alpaca: "alpaca"
        case .chatml: "chatml"
        case .llama2: "llama2"
        case .plain: "plain"
        case .custom: "custom"
        }
    }

    /// How the template lays a record out, for `template` to show: the template text itself, or
    /// an instruction exchange rendered with the placeholders left in.
    public var layout: String {
        if case .custom(let text) = self { return text }
        let (prompt, completion) = render(.instruction(instruction: "{instruction}", input: "", output: "{output}"))
        return prompt + completion
    }
}
