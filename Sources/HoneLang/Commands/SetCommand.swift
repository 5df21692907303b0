import HoneTensor

/// `set name=value …`: session options. Its arguments come from the `SessionOption` table.
public enum SetCommand: Command {
    public static let spec = CommandSpec(
        ["set"], summary: "change session options (seed, threads, verbose); alone, list them",
        discussion: "Options stay until changed or until `reset`.",
        category: .session,
        arguments: SessionOption.all.map { ArgumentSpec($0.name, role: .option, type: $0.type, help: $0.help + " (default: \($0.defaultValue.value.repr))") },
        examples: [.init("set seed=42", "make random numbers repeat from run to run"),
                   .init("set verbose=quiet", "commands print their results only")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let session = context.session
        let changed = SessionOption.all.filter { arguments.values[$0.name] != nil }
        let old = changed.map { session.option($0.name) }
        for option in changed { session.setOption(option.name, arguments.values[option.name]!) }
        // Under the settings lock: no product or norm of another thread sees half a change.
        if arguments.values["threads"] != nil { session.applyThreads() }
        // Reported after all are set, so `set verbose=quiet seed=1` is already quiet.
        for (option, previous) in zip(changed, old) {
            context.say("\(option.name) = \(session.option(option.name).repr) (was \(previous.repr)): \(option.help)")
        }
        let record = Record("options", SessionOption.all.map { ($0.name, session.option($0.name)) })
        if changed.isEmpty {
            context.show(SessionOption.all.map { "\($0.name) = \(session.option($0.name).repr)  — \($0.help)" }.joined(separator: "\n"))
        }
        return .record(record)
    }
}
