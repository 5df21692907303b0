/// A command of the hone language. It is declared once, by its `spec`; parsing, argument
/// checking, `help`, completion and the "did you mean" suggestions all derive from that spec.
///
/// To add a command: write a type conforming to `Command` in `Commands/<Name>Command.swift`
/// and list it in `CommandRegistry.builtins`.
public protocol Command: SendableMetatype {
    static var spec: CommandSpec { get }
    /// Runs with arguments already bound and checked against `spec`.
    static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value
    /// The variables a call will define, for the checker; nil when they cannot be known before
    /// it runs. Most commands define none.
    static func variablesDefined(by call: CommandCall) -> Set<String>?
}

extension Command {
    public static func variablesDefined(by call: CommandCall) -> Set<String>? { [] }
}

public struct CommandSpec: Sendable {
    /// How the words after the command's name are read.
    public enum Syntax: Sendable {
        /// Positional values, `key=value` and clauses, in argument mode.
        case arguments
        /// Expressions in expression mode (`print`, `assert`).
        case expressions
        /// Another command (`time COMMAND`).
        case command
        /// The rest of the statement as plain words (`help load model`).
        case words
        /// A statement form (`let`, `for`, `if`) that the parser reads itself; the command exists
        /// so that `help` and completion know it, and never runs.
        case statement
    }

    public enum Category: String, Sendable, CaseIterable {
        case language = "Language"
        case session = "Session"
        case models = "Models"
        case adapters = "Adapters"
        case data = "Data"
        case training = "Training"
        case help = "Help"
    }

    public struct Example: Sendable {
        public var code: String
        public var explanation: String
        public init(_ code: String, _ explanation: String) {
            self.code = code
            self.explanation = explanation
        }
    }

    public var words: [String]
    /// One line of at most 72 characters, shown by `help`.
    public var summary: String
    /// Longer help, shown by `help NAME`.
    public var discussion: String
    public var category: Category
    public var syntax: Syntax
    public var arguments: [ArgumentSpec]
    public var examples: [Example]
    /// A command that does heavy work (loading, training). The fuzz test swaps these for
    /// stand-ins that only check their arguments, so it stays fast as such commands arrive.
    public var isHeavy: Bool

    public var name: String { words.joined(separator: " ") }

    public init(
        _ words: [String], summary: String, discussion: String = "", category: Category,
        syntax: Syntax = .arguments, arguments: [ArgumentSpec] = [], examples: [Example] = [],
        isHeavy: Bool = false
    ) {
        self.words = words
        self.summary = summary
        self.discussion = discussion
        self.category = category
        self.syntax = syntax
        self.arguments = arguments
        self.examples = examples
        self.isHeavy = isHeavy
    }

    public var positionals: [ArgumentSpec] { arguments.filter { $0.role == .positional } }
    public var options: [ArgumentSpec] { arguments.filter { $0.role == .option } }
    public var clauses: [ArgumentSpec] { arguments.filter { $0.role == .clause } }

    public func argument(named name: String) -> ArgumentSpec? {
        arguments.first { $0.name == name && $0.role != .positional }
    }
}
