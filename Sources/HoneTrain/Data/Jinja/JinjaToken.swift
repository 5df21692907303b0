/// One token inside a `{{ }}` or `{% %}` tag.
struct JinjaToken: Equatable {
    enum Kind: Equatable {
        case name(String)
        case string(String)
        case int(Int)
        case double(Double)
        /// An operator or punctuation: `+`, `==`, `(`, `|`, …
        case symbol(String)
    }
    var kind: Kind
    var location: JinjaLocation

    var name: String? { if case .name(let n) = kind { n } else { nil } }
    func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
    func isName(_ s: String) -> Bool { kind == .name(s) }
}

/// A template cut into text and tags, whitespace control already applied to the text.
enum JinjaPiece {
    case text(String)
    /// `{{ … }}`: the tokens between the delimiters; `location` is the `{{`.
    case output([JinjaToken], JinjaLocation)
    /// `{% … %}`.
    case statement([JinjaToken], JinjaLocation)
}
