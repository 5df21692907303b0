/// What a running command can reach: the session, the interpreter (for `run` and `time`), and
/// the call itself, for errors that point at an argument.
public struct CommandContext {
    public let session: Session
    public let interpreter: Interpreter
    public let call: CommandCall

    public var verbosity: Verbosity { session.verbosity }

    /// Prints an account of what the command did, unless the session is quiet.
    public func say(_ text: String, _ kind: OutputKind = .text) {
        if verbosity != .quiet { session.say(text, kind) }
    }

    /// Prints more of the numbers behind a result, when the session asks for full detail.
    public func detail(_ text: String) {
        if verbosity == .full { session.say(text) }
    }

    /// Prints a result the user asked for (`print`, `help`), whatever the verbosity.
    public func show(_ text: String, _ kind: OutputKind = .text) { session.say(text, kind) }

    /// Shows a result as a table: aligned text, and HTML where the front end shows it.
    func showTable(header: [String], rows: [[String]]) {
        show(Display(text: Table.render(header: header, rows: rows), html: HTML.table(header: header, rows: rows)))
    }

    /// Shows a result the user asked for with its rich forms, whatever the verbosity.
    func show(_ display: Display) { session.output.display(display) }

    /// Throws when Ctrl-C was pressed; long commands call this at their safe points.
    public func checkInterrupt() throws {
        if session.interrupt.consume() { throw HoneError(.interrupted, "interrupted; the session is kept", at: call.range) }
    }

    public func evaluate(_ expr: Expr) throws -> Value { try interpreter.evaluate(expr) }

    /// Resolves a path written in this call against the directory of the file it is written in.
    public func resolve(path: String) -> String {
        FileSystemPath.resolve(path, against: call.range.file.directory)
    }
}
