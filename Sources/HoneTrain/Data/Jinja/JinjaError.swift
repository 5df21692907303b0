/// A place in a template text: 1-based line and column, counted in characters.
public struct JinjaLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// Why a chat template cannot be parsed or rendered. Templates come from other people's
/// `tokenizer_config.json`, so every error names the place in the template text.
public struct JinjaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not valid Jinja.
        case syntax
        /// Valid Jinja that hone's subset does not implement.
        case unsupported
        /// Rendering failed (a wrong type, an undefined value used in arithmetic).
        case runtime
        /// The template called `raise_exception(message)`: the messages do not fit it.
        case raised
    }
    public var kind: Kind
    public var message: String
    public var location: JinjaLocation

    public init(_ kind: Kind, _ message: String, at location: JinjaLocation) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    /// What hone's subset covers, quoted by every `unsupported` error.
    public static let supportedSummary = "hone supports {{ }}, {% if/elif/else %}, {% for %} (loop.index0/index/first/last/length), {% set %}, "
        + "whitespace control, comments, literals, lists, dicts, subscripts and slices (with a step), attributes, arithmetic, ~, comparisons, and/or/not/in, "
        + "`x if c else y`, the filters trim/length/upper/lower/tojson(indent=)/string/first/last/default/join/items/select/reject, "
        + "the tests defined/undefined/none/string/number/mapping/sequence/iterable/true/false (and equalto in select/reject), "
        + "string methods strip/lstrip/rstrip/upper/lower/startswith/endswith/split/replace, dict items/keys/values/get, "
        + "namespace(), raise_exception() and strftime_now()"

    public var description: String {
        switch kind {
        case .syntax: "chat template syntax error at \(location): \(message)"
        case .unsupported: "unsupported Jinja construct \(message) at \(location); \(Self.supportedSummary)"
        case .runtime: "chat template error at \(location): \(message)"
        case .raised: "the chat template refused the messages (at \(location)): \(message)"
        }
    }
}
