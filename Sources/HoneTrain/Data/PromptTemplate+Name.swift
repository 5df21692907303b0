extension PromptTemplate {
    /// How the template lays a record out, for `template` to show: the template text itself, or
    /// an instruction exchange rendered with the placeholders left in.
    public var layout: String {
        if case .custom(let text) = self { return text }
        let (prompt, completion) = render(.instruction(instruction: "{instruction}", input: "", output: "{output}"))
        return prompt + completion
    }
}
