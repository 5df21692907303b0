/// A token of hone source. Which tokens appear depends on the lexer's mode (see `Lexer.Mode`).
public struct Token: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A name in expression mode: `x`, `q_proj`, `let`.
        case identifier(String)
        /// Bare text in argument mode, whose meaning the argument's type decides: `hone-tiny`,
        /// `data/train.jsonl`, `d.val`, `true`.
        case bare(String)
        case int(Int)
        case float(Double)
        case string([StringPiece])
        /// `$name` or `$name.field.field`.
        case variable([String])
        /// One of `; , { } ( ) [ ] . = == != < <= > >= + - * / ?`.
        case punct(String)
        case newline
        case eof
        /// Text the lexer cannot read, with the reason.
        case invalid(String)
        /// A string, `${`, or a trailing `\` that runs to the end of the input: more input may
        /// complete it (the REPL shows `  ... `).
        case unfinished(String)
    }

    /// A piece of a string literal: text, or an interpolated `$name` / `${expression}`.
    public enum StringPiece: Sendable, Equatable {
        case text(String)
        case variable([String], start: Int, end: Int)
        /// The byte range of the expression inside `${…}`.
        case expression(start: Int, end: Int)
    }

    public var kind: Kind
    public var start: Int
    public var end: Int

    public var isEndOfStatement: Bool {
        switch kind {
        case .newline, .eof: return true
        case .punct(let p): return p == ";" || p == "}"
        default: return false
        }
    }

    public func isPunct(_ p: String) -> Bool { kind == .punct(p) }
}
