/// One setting of a configuration (a training run's, an adapter's, a recipe's), declared once
/// where the configuration is defined: its name as the language writes it, the values it takes,
/// its default and what it does. The language derives its arguments, `help`, completion,
/// checking and `docs/LANGUAGE.md` from these, and a default is read off the configuration's own
/// initial value, so it is stated in one place only. It lives here, at the root of the
/// modules, so that every library's configurations can declare theirs.
public struct SettingDeclaration: Sendable {
    public enum Values: Sendable {
        case int(ClosedRange<Int>)
        case float(ClosedRange<Double>)
        case bool
        case choice([String])
        /// A word that means itself, such as a module name.
        case word
        case words
        case strings
    }

    public enum Default: Sendable, Equatable {
        case int(Int)
        case float(Double)
        case bool(Bool)
        case string(String)
        case strings([String])
    }

    public let name: String
    public let values: Values
    /// Nil when the default depends on something else (the session, the recipe, the data): the
    /// documentation then says what it is.
    public let defaultValue: Default?
    public let documentation: String

    public init(_ name: String, _ values: Values, default defaultValue: Default? = nil, _ documentation: String) {
        self.name = name
        self.values = values
        self.defaultValue = defaultValue
        self.documentation = documentation
    }
}
