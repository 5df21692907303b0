/// `assert CONDITION "message"`: lets scripts and tutorials double as tests.
public enum AssertCommand: Command {
    static let condition = Arg<Value>.positional("condition", .value, help: "what must hold, such as `x.loss < 2`")
    static let message = Arg<Value>.positional("message", .value, required: false, help: "said when it does not hold")

    public static let spec = CommandSpec(
        ["assert"], summary: "stop the script with an error unless a condition holds",
        discussion: "On failure the error points at the condition and shows the values of both sides of a comparison.",
        category: .language, syntax: .expressions, arguments: [condition.spec, message.spec],
        examples: [.init("assert 1 + 1 == 2 \"arithmetic works\"", "passes silently"),
                   .init("assert x.loss < 2.0 \"the loss should fall below 2\"", "fails with both sides' values")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let value = arguments[condition]
        guard case .bool(let holds) = value else {
            throw HoneError(.type, "`assert` needs a condition that is `true` or `false`, not \(value.typeName) \(value.repr)",
                            at: arguments.ranges[condition.spec.name], hints: ["compare with `==`, `<`, `>`…, as in `assert x.loss < 2`"])
        }
        if holds { return .bool(true) }
        var text = "assertion failed"
        if let m = arguments.optional(message) { text += ": \(m.description)" }
        var notes: [HoneError.Note] = []
        if let expr = context.call.arguments.first?.value, case .binary(let op, let lhs, let rhs, _) = expr, op.isComparison {
            notes.append(HoneError.Note("left side `\(lhs.range.text)` is \(try context.evaluate(lhs).repr)", at: lhs.range))
            notes.append(HoneError.Note("right side `\(rhs.range.text)` is \(try context.evaluate(rhs).repr)", at: rhs.range))
        }
        throw HoneError(.assertion, text, at: arguments.ranges[condition.spec.name], notes: notes)
    }
}
