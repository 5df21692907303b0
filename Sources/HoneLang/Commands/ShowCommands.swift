import Foundation
import HoneTensor

/// `show vars`: the session's variables.
public enum ShowVarsCommand: Command {
    public static let spec = CommandSpec(
        ["show", "vars"], summary: "list the session's variables and their values",
        category: .session,
        examples: [.init("show vars", "one line per variable: name, type, value")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let variables = context.session.allVariables
        if variables.isEmpty {
            context.show("no variables yet; `let NAME = …` makes one")
        } else {
            let width = variables.map(\.name.count).max() ?? 0
            context.show(variables.map { "\($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.value.typeName.padding(toLength: 6, withPad: " ", startingAt: 0))  \(shortened($0.value.repr))" }.joined(separator: "\n"))
        }
        return .record(Record("variables", variables.map { ($0.name, $0.value) }))
    }

    static func shortened(_ text: String) -> String {
        text.count <= 100 ? text : String(text.prefix(97)) + "…"
    }
}

/// `show session`: options, variables and history at a glance.
public enum ShowSessionCommand: Command {
    public static let spec = CommandSpec(
        ["show", "session"], summary: "show the session: options, variables, history, last result",
        category: .session,
        examples: [.init("show session", "what this session holds")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let session = context.session
        let options = SessionOption.all.map { "\($0.name)=\(session.option($0.name).repr)" }.joined(separator: " ")
        let names = session.variableNames
        var lines = ["options:   \(options)",
                     "variables: \(names.isEmpty ? "none" : names.joined(separator: ", "))",
                     "history:   \(session.history.count) entr\(session.history.count == 1 ? "y" : "ies")",
                     "last (_):  \(ShowVarsCommand.shortened(session.lastResult.repr))"]
        lines.append("commands:  \(session.registry.commands.count) (`help` lists them)")
        lines.append("blas:      OpenBLAS \(BLAS.coreName) kernels, \(BLAS.threads) thread\(BLAS.threads == 1 ? "" : "s") (\(BLAS.coreSelection))")
        context.show(lines.joined(separator: "\n"))
        return .record(Record("session", [
            ("options", .record(Record("options", SessionOption.all.map { ($0.name, session.option($0.name)) }))),
            ("variables", .list(names.map(Value.string))),
            ("history", .int(session.history.count)),
            ("blas_kernels", .string(BLAS.coreName)),
        ]))
    }
}
