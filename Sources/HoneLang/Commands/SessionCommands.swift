import Foundation

/// `reset`: a clean session, keeping the history.
public enum ResetCommand: Command {
    public static let spec = CommandSpec(
        ["reset"], summary: "clear models, variables, options and the last result (history stays)",
        category: .session,
        examples: [.init("reset", "start over in the same REPL")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let count = context.session.variableNames.count
        context.session.reset()
        context.say("cleared \(count) variable\(count == 1 ? "" : "s") and reset the options; the history is kept")
        return .none
    }
}

/// `run FILE`: include a script in this session.
public enum RunCommand: Command {
    static let file = Arg<String>.positional("file", .path(extensions: ["hone"]), help: "the script to run; a relative path is relative to the file this call is in")

    public static let spec = CommandSpec(
        ["run"], summary: "run a script in this session, keeping what it defines",
        discussion: "The script is checked as a whole before it runs. Its variables stay in the session afterwards.",
        category: .language, arguments: [file.spec],
        examples: [.init("run setup.hone", "include a script beside this one")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try context.interpreter.runFile(at: context.resolve(path: arguments[file]), from: context.call)
    }

    /// The names the script assigns, when its path is written out and it parses; nil otherwise,
    /// so the checker leaves unknown names to the run.
    public static func variablesDefined(by call: CommandCall) -> Set<String>? {
        guard let argument = call.arguments.first, case .bare(let path, let range) = argument.value,
              let text = try? String(contentsOfFile: FileSystemPath.resolve(path, against: range.file.directory), encoding: .utf8)
        else { return nil }
        let parsed = Parser.parse(SourceFile(name: path, text: text), registry: .standard)
        return parsed.errors.isEmpty ? Checker.assignedNames(in: parsed.statements) : nil
    }
}

/// `time COMMAND`: how long a command takes.
public enum TimeCommand: Command {
    public static let spec = CommandSpec(
        ["time"], summary: "run a command and report how long it took",
        discussion: "Returns a record with `seconds` and the command's `result`. Times change from run to run, so notebooks leave them out of their written outputs.",
        category: .language, syntax: .command,
        examples: [.init("time sleep 0.2", "prints `time: 0.20 s`"),
                   .init("let t = time print 1", "then `print t.seconds`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        guard let nested = context.call.nested?.value else { return .none }
        let start = ContinuousClock.now
        let result = try context.interpreter.run(nested)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        context.say("time: \(format(seconds))", .volatile)
        return .record(Record("time", [("seconds", .float(seconds)), ("result", result)]))
    }

    static func format(_ seconds: Double) -> String {
        if seconds < 1e-3 { return String(format: "%.1f µs", seconds * 1e6) }
        if seconds < 1 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.2f s", seconds)
    }
}

/// `sleep SECONDS`: wait, stopping early on Ctrl-C.
public enum SleepCommand: Command {
    static let seconds = Arg<Double>.positional("seconds", .float(0...3600), help: "how long to wait")

    public static let spec = CommandSpec(
        ["sleep"], summary: "wait a number of seconds (Ctrl-C stops it)",
        discussion: "Useful in demonstrations, and to try Ctrl-C: a running command stops at its next safe point and the session stays.",
        category: .session, arguments: [seconds.spec],
        examples: [.init("sleep 0.5", "wait half a second")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let deadline = ContinuousClock.now + .milliseconds(Int(arguments[seconds] * 1000))
        while ContinuousClock.now < deadline {
            try context.checkInterrupt()
            Thread.sleep(forTimeInterval: min(0.01, max(0, (deadline - ContinuousClock.now).secondsValue)))
        }
        return .float(arguments[seconds])
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// `exit` and `quit`: leave hone.
public enum ExitCommand: Command {
    static let status = Arg<Int>.positional("status", .int(0...255), default: .int(0), help: "the exit status")

    public static let spec = CommandSpec(
        ["exit"], summary: "leave hone (Ctrl-D too); in a script, stop it",
        category: .session, arguments: [status.spec],
        examples: [.init("exit", "leave with status 0"), .init("exit 3", "stop a script with status 3")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        throw ExitRequest(status: Int32(arguments[status]))
    }
}

public enum QuitCommand: Command {
    public static let spec = CommandSpec(
        ["quit"], summary: "leave hone, like `exit`",
        category: .session, arguments: [ExitCommand.status.spec],
        examples: [.init("quit", "leave with status 0")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        throw ExitRequest(status: Int32(arguments[ExitCommand.status]))
    }
}
