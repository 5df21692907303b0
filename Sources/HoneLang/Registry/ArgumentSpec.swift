/// One argument of a command: its name, how it is written, its type, default and help.
public struct ArgumentSpec: Sendable {
    public enum Role: Sendable {
        /// Written by position: `run FILE`.
        case positional
        /// Written as `name=value`; a boolean option may be written as the bare flag `name`.
        case option
        /// Written as a keyword and a value after the other arguments: `as NAME`, `on DATA`.
        case clause
    }

    public var name: String
    public var role: Role
    public var type: ArgumentType
    public var defaultValue: Literal?
    public var isRequired: Bool
    /// A positional that takes all remaining positional values.
    public var isVariadic: Bool
    public var help: String
    /// Words completion offers for a free-form value (`explain`'s topics), which the argument
    /// still does not restrict to; a `.choice` type both offers and restricts.
    public var suggestions: [String]

    public init(
        _ name: String, role: Role, type: ArgumentType, default defaultValue: Literal? = nil,
        required: Bool = false, variadic: Bool = false, help: String, suggestions: [String] = []
    ) {
        self.name = name
        self.role = role
        self.type = type
        self.defaultValue = defaultValue
        self.isRequired = required
        self.isVariadic = variadic
        self.help = help
        self.suggestions = suggestions
    }

    /// How the argument is written in usage lines: `r=<int 1…4096>`, `FILE`, `[as NAME]`.
    public var usage: String {
        switch role {
        case .positional: return isVariadic ? "\(name.uppercased())…" : name.uppercased()
        case .option: return type.isFlag ? "\(name)[=<bool>]" : "\(name)=\(type.usage)"
        case .clause: return "\(name) \(type.placeholder)"
        }
    }
}

/// A value written in a command's declaration: a default.
public enum Literal: Sendable, Equatable {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case strings([String])

    public var value: Value {
        switch self {
        case .int(let v): return .int(v)
        case .float(let v): return .float(v)
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        case .strings(let v): return .list(v.map(Value.string))
        }
    }
}

/// What an argument accepts. The type also decides what bare text means: where a word can mean
/// itself (words, choices, paths, strings) it does; elsewhere (numbers, booleans, values) a bare
/// name is read as a variable. `$name` is a variable everywhere.
public indirect enum ArgumentType: Sendable {
    case int(ClosedRange<Int>?)
    case float(ClosedRange<Double>?)
    case bool
    case string
    /// A word that means itself, such as a module name `q_proj`.
    case word
    case choice([String])
    /// A file path, with the extensions it should have (empty: any).
    case path(extensions: [String])
    /// A new name for the session: `as NAME`.
    case name
    /// Any value of the language; bare text is a string.
    case value
    case list(ArgumentType)

    /// True where bare text is the text itself rather than a variable.
    var bareMeansItself: Bool {
        switch self {
        case .string, .word, .choice, .path, .name, .value: return true
        case .list(let element): return element.bareMeansItself
        case .int, .float, .bool: return false
        }
    }

    public var isFlag: Bool { if case .bool = self { true } else { false } }

    public var usage: String {
        switch self {
        case .int(let r): return r.map { "<int \(Self.bound($0.lowerBound))…\(Self.bound($0.upperBound))>" } ?? "<int>"
        case .float(let r): return r.map { "<float \(Self.format($0.lowerBound))…\(Self.format($0.upperBound))>" } ?? "<float>"
        case .bool: return "<bool>"
        case .string: return "<string>"
        case .word: return "<word>"
        case .choice(let c): return c.joined(separator: "|")
        case .path(let exts): return exts.isEmpty ? "<path>" : "<path: \(exts.map { "." + $0 }.joined(separator: " "))>"
        case .name: return "<name>"
        case .value: return "<value>"
        case .list(let e): return "\(e.usage),…"
        }
    }

    var placeholder: String {
        switch self {
        case .name, .word: return "NAME"
        case .path: return "PATH"
        default: return usage
        }
    }

    /// Describes the type in an error: "an integer from 1 to 4096".
    public var expectation: String {
        switch self {
        case .int(let r): return "an integer" + (r.map { " from \(Self.bound($0.lowerBound)) to \(Self.bound($0.upperBound))" } ?? "")
        case .float(let r): return "a number" + (r.map { " from \(Self.format($0.lowerBound)) to \(Self.format($0.upperBound))" } ?? "")
        case .bool: return "`true` or `false`"
        case .string: return "a string"
        case .word: return "a word"
        case .choice(let c): return "one of " + c.map { "`\($0)`" }.joined(separator: ", ")
        case .path(let exts): return exts.isEmpty ? "a file path" : "a path ending in " + exts.map { "`.\($0)`" }.joined(separator: " or ")
        case .name: return "a name (letters, digits and `_`, not starting with a digit)"
        case .value: return "a value"
        case .list(let e): return "a list of \(e.expectationPlural)"
        }
    }

    var expectationPlural: String {
        switch self {
        case .int: return "integers"
        case .float: return "numbers"
        case .bool: return "booleans"
        case .string: return "strings"
        case .word, .choice: return "words"
        case .path: return "paths"
        case .name: return "names"
        case .value: return "values"
        case .list: return "lists"
        }
    }

    static func bound(_ v: Int) -> String { v == Int.max ? "∞" : String(v) }
    static func format(_ v: Double) -> String { v.isInfinite ? "∞" : Value.float(v).description }
}
