/// `advise need=… examples=… changes=… prompt=… budget=…`: whether to fine-tune at all. The
/// answers are arguments, so the advice works in scripts and notebooks; the reasoning lives in
/// `Learning/Advice.swift`.
public enum AdviseCommand: Command {
    typealias Q = Advice
    static let need = Arg<String>.option("need", .choice(Q.Need.allCases.map(\.rawValue)),
        help: "what should change in the answers (`advise` alone says what each means)")
    static let examples = Arg<Int>.option("examples", .int(0...Int.max), help: "good examples (or preference pairs) you have")
    static let changes = Arg<String>.option("changes", .choice(Q.Changes.allCases.map(\.rawValue)), help: "how often the facts or requirements change")
    static let prompt = Arg<String>.option("prompt", .choice(Q.PromptResult.allCases.map(\.rawValue)),
        help: "how a careful prompt did on ten real inputs: fails = under 8 right, works = 8 or more")
    static let budget = Arg<String>.option("budget", .choice(Q.Budget.allCases.map(\.rawValue)),
        help: "the hardware: small = a laptop or a GPU under 16 GB, medium = one of 24–80 GB")

    public static let spec = CommandSpec(
        ["advise"], summary: "whether to fine-tune: prompt, retrieval, fine-tuning or preferences",
        discussion: """
            Walks the usual ladder: a prompt first, then retrieval, then supervised fine-tuning, \
            then preference training, climbing only when a test fails. Alone, it lists its \
            questions; with need= (and any of the others) it answers with a recommendation, the \
            reasons in plain words, and the commands and checks to run next. Returns a record \
            with `recommendation`, `method`, `reasons` and `steps`.
            """,
        category: .help, arguments: [need.spec, examples.spec, changes.spec, prompt.spec, budget.spec],
        examples: [.init("advise", "the questions and their answers"),
                   .init("advise need=facts changes=often", "retrieval first"),
                   .init("advise need=format examples=500 budget=small", "fine-tune with QLoRA")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        guard let needText = arguments.optional(need), let chosen = Q.Need(rawValue: needText) else {
            var text = Q.questionnaire
            if !arguments.values.isEmpty { text = "a recommendation needs need=…; the questions:\n\n" + text }
            context.show(text)
            return .string(text)
        }
        let advice = Q.advise(
            need: chosen, examples: arguments.optional(examples),
            changes: arguments.optional(changes).flatMap(Q.Changes.init(rawValue:)),
            prompt: arguments.optional(prompt).flatMap(Q.PromptResult.init(rawValue:)),
            budget: arguments.optional(budget).flatMap(Q.Budget.init(rawValue:)))
        context.show(advice.rendered)
        return .record(Record("advice", [
            ("recommendation", .string(advice.recommendation.rawValue)),
            ("method", advice.method.map(Value.string) ?? .none),
            ("reasons", .list(advice.reasons.map(Value.string))),
            ("steps", .list(advice.steps.map(Value.string))),
        ]))
    }
}
