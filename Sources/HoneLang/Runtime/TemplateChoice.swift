import HoneTrain

/// Which prompt template data commands use, decided in this one place so that `stats`,
/// `show data`, `clean`, training and evaluation always agree on how a record becomes text.
///
/// The rule: the current model's own template (the one it was trained or loaded with) wins, as
/// training and inference must match for that model; then the session's (`template …`); then
/// alpaca, the format most instruction data sets (and the recorded reference runs) use.
public enum TemplateChoice {
    public enum Source: Sendable, Equatable {
        case model(String)
        case session
        case standard
    }

    public static func current(in workspace: Workspace) -> (template: PromptTemplate, source: Source) {
        choice(for: workspace.currentModel, in: workspace)
    }

    /// The same rule for a given model (`train model=…`, `eval model=…`, `compare`).
    public static func choice(for model: ModelHandle?, in workspace: Workspace) -> (template: PromptTemplate, source: Source) {
        if let model, let template = model.template { return (template, .model(model.name)) }
        if let template = workspace.template { return (template, .session) }
        return (.alpaca, .standard)
    }

    /// "alpaca (the default)", "chatml (set by `template`)", "llama2 (model `tiny`'s own)".
    public static func describe(_ choice: (template: PromptTemplate, source: Source)) -> String {
        switch choice.source {
        case .model(let name): "\(choice.template.name) (model `\(name)`'s own)"
        case .session: "\(choice.template.name) (set by `template`)"
        case .standard: "\(choice.template.name) (the default; `template NAME` changes it)"
        }
    }
}
