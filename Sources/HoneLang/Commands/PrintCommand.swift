public enum PrintCommand: Command {
    static let values = Arg<Value>.positional("value", .value, required: false, variadic: true, help: "expressions to show, separated by spaces")

    public static let spec = CommandSpec(
        ["print"], summary: "show values: strings as they are, others readably",
        discussion: "Names here are variables, so `print x.loss` shows a field. Several values are joined by spaces.",
        category: .language, syntax: .expressions, arguments: [values.spec],
        examples: [.init("print \"lr is $lr\"", "interpolate a variable"),
                   .init("print x.loss * 2", "arithmetic on a field")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        guard case .list(let items) = arguments.optional(values) ?? .list([]) else { return .none }
        context.show(items.map(\.description).joined(separator: " "))
        return items.count == 1 ? items[0] : .list(items)
    }
}
