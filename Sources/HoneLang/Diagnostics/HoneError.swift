/// A failure the user should see: what went wrong, where, and what would be right.
///
/// Lexer, parser, checker and interpreter all report through this one type; only
/// `DiagnosticRenderer` turns it into text. Lower layers (checkpoint readers, data loaders) throw
/// their own domain errors, which the interpreter wraps here as the `cause`.
public struct HoneError: Error, Sendable {
    /// A stable identifier for the kind of failure, independent of the message wording.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let id: String
        public init(_ id: String) { self.id = id }
        public var description: String { id }

        public static let syntax = Code("parse.syntax")
        public static let incomplete = Code("parse.incomplete")
        public static let unknownCommand = Code("check.unknown-command")
        public static let unknownArgument = Code("check.unknown-argument")
        public static let badArgument = Code("check.bad-argument")
        public static let missingArgument = Code("check.missing-argument")
        public static let undefinedVariable = Code("check.undefined-variable")
        public static let reservedName = Code("check.reserved-name")
        public static let type = Code("run.type")
        public static let value = Code("run.value")
        public static let assertion = Code("run.assertion")
        public static let interrupted = Code("run.interrupted")
        public static let io = Code("run.io")
        public static let limit = Code("run.limit")
        public static let failed = Code("run.failed")

        /// Errors found before anything runs: the script's text is wrong (exit status 65).
        public var isStatic: Bool { id.hasPrefix("parse.") || id.hasPrefix("check.") }
    }

    public struct Note: Sendable {
        public var message: String
        public var range: SourceRange?
        public init(_ message: String, at range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    public var code: Code
    public var message: String
    public var range: SourceRange?
    public var notes: [Note]
    /// Suggestions shown as `help:` lines, such as the right form of a value.
    public var hints: [String]
    /// The domain error underneath, described on a `caused by:` line.
    public var cause: String?
    /// Set when the error stopped a run, as opposed to being found before anything ran.
    public var isRuntime = false

    public init(
        _ code: Code, _ message: String, at range: SourceRange? = nil,
        notes: [Note] = [], hints: [String] = [], cause: String? = nil
    ) {
        self.code = code
        self.message = message
        self.range = range
        self.notes = notes
        self.hints = hints
        self.cause = cause
    }

    /// The same error, placed at `range` unless it already has a place.
    public func located(at range: SourceRange) -> HoneError {
        var copy = self
        if copy.range == nil { copy.range = range }
        return copy
    }
}

/// Thrown by `exit`/`quit`; not an error, so it carries only the status.
public struct ExitRequest: Error, Sendable {
    public let status: Int32
}
