import HoneModels
/// `help`, `help NAME`, `?NAME` and `??NAME`.
public enum HelpCommand: Command {
    static let topic = Arg<[String]>.positional("name", .list(.word), required: false, variadic: true, help: "the command to explain, such as `load model`")
    static let full = Arg<Bool>.option("full", .bool, default: .bool(false), help: "include the extended help")

    public static let spec = CommandSpec(
        ["help"], summary: "list the commands, or explain one (also `?NAME`)",
        discussion: "`?NAME` is short for `help NAME`, and `??NAME` adds the extended help.",
        category: .help, syntax: .words, arguments: [topic.spec, full.spec],
        examples: [.init("help", "list every command with its summary"),
                   .init("help let", "explain `let`"),
                   .init("?set", "the same as `help set`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let registry = context.session.registry
        let words = arguments.optional(topic) ?? []
        guard !words.isEmpty else {
            let text = Help.overview(registry)
            context.show(text)
            return .string(text)
        }
        let name = words.joined(separator: " ")
        guard let command = registry.command(named: words) else {
            let prefixed = registry.commandNames.filter { $0.hasPrefix(name + " ") }
            if !prefixed.isEmpty {
                let text = prefixed.map { "  \($0)  \(registry.command(named: $0.split(separator: " ").map(String.init))!.spec.summary)" }.joined(separator: "\n")
                context.show(text)
                return .string(text)
            }
            throw HoneError(.unknownCommand, "no command `\(name)`" + Suggestions.didYouMean(name, among: registry.commandNames),
                            at: arguments.ranges[topic.spec.name], hints: ["`help` lists the commands"])
        }
        let text = Help.detail(command.spec, full: arguments[full])
        context.show(text)
        return .string(text)
    }
}
