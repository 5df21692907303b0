/// The statement forms `let`, `for` and `if`. The parser reads them itself; they are declared as
/// commands so that `help`, completion and suggestions know them like any other.
public enum LetCommand: Command {
    public static let spec = CommandSpec(
        ["let"], summary: "keep a value, or a command's result, under a name",
        discussion: """
            `let NAME = EXPRESSION` keeps a value; `let NAME = COMMAND …` runs the command and keeps \
            what it returns, whose fields are reached with a dot (`t.seconds`). After `let`, names are \
            variables and `+ - * /` are arithmetic. A name cannot be a keyword or a command's first word. \
            `_` always holds the last result.
            """,
        category: .language, syntax: .statement,
        examples: [.init("let lr = 2e-4", "keep a number"),
                   .init("let t = time sleep 0.1", "keep a command's result; `print t.seconds`"),
                   .init("let name = \"run-$lr\"", "interpolate a variable into a string")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value { .none }
}

public enum ForCommand: Command {
    public static let spec = CommandSpec(
        ["for"], summary: "repeat a block for each value of a list",
        discussion: "The loop variable keeps the last value after the loop. Ctrl-C stops the loop between iterations.",
        category: .language, syntax: .statement,
        examples: [.init("for r in [4, 8, 16] { print \"rank $r\" }", "run the block three times")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value { .none }
}

public enum IfCommand: Command {
    public static let spec = CommandSpec(
        ["if"], summary: "run a block only when a condition holds",
        discussion: "The condition must be `true` or `false`; `else` stands on the same line as the closing `}`.",
        category: .language, syntax: .statement,
        examples: [.init("if x > 1 { print \"big\" } else { print \"small\" }", "choose between two blocks")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value { .none }
}
