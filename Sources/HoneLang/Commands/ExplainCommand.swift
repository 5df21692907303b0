import Foundation
import HoneModels

/// `explain TOPIC`: a short lesson on a fine-tuning concept. The texts are data in
/// `Learning/Topics.swift`; this command only finds and prints them.
public enum ExplainCommand: Command {
    static let topic = Arg<[String]>.positional("topic", .list(.word), required: false, variadic: true,
        help: "the concept, such as `lora`, `learning rate` or `forgetting` (alone: the list)", suggestions: Topic.names)

    public static let spec = CommandSpec(
        ["explain"], summary: "explain a fine-tuning concept: what, why, formula, tools' defaults",
        discussion: """
            Each topic says what the concept is and why it matters, gives its formula where it \
            has one and the defaults the well-known tools (PEFT, TRL, QLoRA, LLaMA-Factory, \
            torchtune, Unsloth, mlx-lm) use, and ends with the hone commands that do it and the \
            tutorial that shows it. Other names work too: `explain learning rate`, `explain ppo`, \
            `explain catastrophic forgetting`. Returns the text. Topics: \(Topic.names.joined(separator: ", ")).
            """,
        category: .help, arguments: [topic.spec],
        examples: [.init("explain", "the topics, one line each"),
                   .init("explain lora", "LoRA: h = W x + (alpha/r)·B A x, defaults, commands"),
                   .init("explain learning rate", "the same as `explain lr`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let words = arguments.optional(topic) ?? []
        guard !words.isEmpty else {
            context.show(Topic.list)
            return .string(Topic.list)
        }
        let asked = words.joined(separator: " ")
        guard let found = Topic.named(asked) else {
            let spelled = Topic.normalized(asked).replacingOccurrences(of: " ", with: "-")
            throw HoneError(.value, "no topic `\(asked)`" + Suggestions.didYouMean(spelled, among: Topic.spellings),
                            at: arguments.range(of: topic) ?? context.call.range,
                            hints: ["topics: " + Topic.names.joined(separator: ", "), "`explain` alone lists them with one line each"])
        }
        let text = found.rendered
        context.show(text)
        return .string(text)
    }
}
