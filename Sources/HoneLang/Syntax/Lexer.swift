/// Scans hone source on demand, in the mode the parser asks for.
///
/// hone has two kinds of places for text. In *expression mode* (after `let x =`, in `print`,
/// `assert`, `for`, `if` and inside parentheses) names are variables and `+ - * /` are operators.
/// In *argument mode* (a command's arguments) a run of non-space text is one bare token, so
/// `hone-tiny`, `data/train.jsonl` and `2e-4` need no quotes; what a bare token means is decided
/// by the type of the argument it is given to. The parser drives the mode, as a shell does.
public struct Lexer: Sendable {
    public enum Mode: Sendable { case expression, argument }

    let bytes: [UInt8]
    let limit: Int

    public init(file: SourceFile, limit: Int? = nil) {
        self.bytes = file.bytes
        self.limit = min(limit ?? file.bytes.count, file.bytes.count)
    }

    /// Characters that end bare text in argument mode.
    static func endsBare(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
            UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","),
            UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "$"):
            return true
        default: return false
        }
    }

    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }
    static func isIdentifierPart(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    public static func isIdentifier(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, isIdentifierStart(first) else { return false }
        return u.allSatisfy(isIdentifierPart)
    }

    /// The offset of the next token at or after `offset`, past blanks, comments and `\`-newlines.
    func skipTrivia(from offset: Int) -> Int {
        var i = offset
        while i < limit {
            let b = bytes[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                i += 1
            } else if b == UInt8(ascii: "#") {
                while i < limit && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if b == UInt8(ascii: "\\") {
                var j = i + 1
                while j < limit && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") || bytes[j] == UInt8(ascii: "\r")) { j += 1 }
                if j < limit && bytes[j] == UInt8(ascii: "\n") { i = j + 1 } else { return i }
            } else {
                return i
            }
        }
        return i
    }

    public func scan(at offset: Int, mode: Mode) -> Token {
        let start = skipTrivia(from: offset)
        guard start < limit else { return Token(kind: .eof, start: limit, end: limit) }
        let b = bytes[start]
        func token(_ kind: Token.Kind, _ end: Int) -> Token { Token(kind: kind, start: start, end: end) }

        switch b {
        case UInt8(ascii: "\n"): return token(.newline, start + 1)
        case UInt8(ascii: "\\"):
            // A backslash that is not followed by a newline: the last one in the input continues it.
            var j = start + 1
            while j < limit && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t")) { j += 1 }
            if j >= limit { return token(.unfinished("the line continues after `\\`"), limit) }
            return token(.invalid("a `\\` continues a line only at its end"), start + 1)
        case UInt8(ascii: "\""): return scanString(from: start)
        case UInt8(ascii: "$"): return scanVariable(from: start)
        case UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "{"), UInt8(ascii: "}"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"):
            return token(.punct(String(UnicodeScalar(b))), start + 1)
        case UInt8(ascii: "="):
            if start + 1 < limit && bytes[start + 1] == UInt8(ascii: "=") && mode == .expression {
                return token(.punct("=="), start + 2)
            }
            return token(.punct("="), start + 1)
        default: break
        }
        if mode == .argument { return scanBare(from: start) }

        if Lexer.isIdentifierStart(b) {
            var i = start + 1
            while i < limit && Lexer.isIdentifierPart(bytes[i]) { i += 1 }
            return token(.identifier(String(decoding: bytes[start..<i], as: UTF8.self)), i)
        }
        if Lexer.isDigit(b) { return scanNumber(from: start) }
        let two = start + 1 < limit ? String(decoding: bytes[start...start + 1], as: UTF8.self) : ""
        if ["!=", "<=", ">="].contains(two) { return token(.punct(two), start + 2) }
        switch b {
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "?"):
            return token(.punct(String(UnicodeScalar(b))), start + 1)
        default:
            let end = scalarEnd(from: start)
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            return token(.invalid("unexpected character `\(text)`"), end)
        }
    }

    /// True at a `\` followed only by blanks up to the end of its line: `r=8\` continues the line
    /// rather than ending the bare word `8\`.
    func continuesLine(at i: Int) -> Bool {
        guard bytes[i] == UInt8(ascii: "\\") else { return false }
        var j = i + 1
        while j < limit && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") || bytes[j] == UInt8(ascii: "\r")) { j += 1 }
        return j >= limit || bytes[j] == UInt8(ascii: "\n")
    }

    /// The end of the UTF-8 scalar starting at `i`, so that errors never split a character.
    func scalarEnd(from i: Int) -> Int {
        var j = i + 1
        while j < limit && (bytes[j] & 0xC0) == 0x80 { j += 1 }
        return j
    }

    func scanBare(from start: Int) -> Token {
        var i = start
        while i < limit && !Lexer.endsBare(bytes[i]) && !continuesLine(at: i) { i += 1 }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if let number = Lexer.number(from: text) { return Token(kind: number, start: start, end: i) }
        return Token(kind: .bare(text), start: start, end: i)
    }

    /// An int or float token when the whole of `text` is a number (`8`, `-1`, `2e-4`, `0.05`).
    static func number(from text: String) -> Token.Kind? {
        var u = Array(text.utf8)
        var sign = ""
        if let f = u.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            sign = f == UInt8(ascii: "-") ? "-" : ""
            u.removeFirst()
        }
        guard let first = u.first, isDigit(first) else { return nil }
        var i = 0
        while i < u.count && isDigit(u[i]) { i += 1 }
        var isFloat = false
        if i < u.count && u[i] == UInt8(ascii: ".") {
            isFloat = true
            i += 1
            guard i < u.count, isDigit(u[i]) else { return nil }
            while i < u.count && isDigit(u[i]) { i += 1 }
        }
        if i < u.count && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
            isFloat = true
            i += 1
            if i < u.count && (u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+")) { i += 1 }
            guard i < u.count, isDigit(u[i]) else { return nil }
            while i < u.count && isDigit(u[i]) { i += 1 }
        }
        guard i == u.count else { return nil }
        let digits = sign + String(decoding: u, as: UTF8.self)
        if !isFloat, let value = Int(digits) { return .int(value) }
        if !isFloat { return .invalid("the number \(text) is too large for an integer") }
        guard let value = Double(digits), value.isFinite else { return .invalid("the number \(text) is out of range") }
        return .float(value)
    }

    func scanNumber(from start: Int) -> Token {
        var i = start
        while i < limit && Lexer.isDigit(bytes[i]) { i += 1 }
        if i + 1 < limit && bytes[i] == UInt8(ascii: ".") && Lexer.isDigit(bytes[i + 1]) {
            i += 1
            while i < limit && Lexer.isDigit(bytes[i]) { i += 1 }
        }
        if i < limit && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            var j = i + 1
            if j < limit && (bytes[j] == UInt8(ascii: "-") || bytes[j] == UInt8(ascii: "+")) { j += 1 }
            if j < limit && Lexer.isDigit(bytes[j]) {
                while j < limit && Lexer.isDigit(bytes[j]) { j += 1 }
                i = j
            }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        return Token(kind: Lexer.number(from: text) ?? .invalid("`\(text)` is not a number"), start: start, end: i)
    }

    /// `$name.field…`: the path after `$`, split at dots.
    func scanPath(from start: Int) -> (path: [String], end: Int)? {
        var i = start
        var path: [String] = []
        repeat {
            guard i < limit, Lexer.isIdentifierStart(bytes[i]) else { return path.isEmpty ? nil : (path, i - 1) }
            let s = i
            while i < limit && Lexer.isIdentifierPart(bytes[i]) { i += 1 }
            path.append(String(decoding: bytes[s..<i], as: UTF8.self))
            if i < limit && bytes[i] == UInt8(ascii: "."), i + 1 < limit, Lexer.isIdentifierStart(bytes[i + 1]) {
                i += 1
            } else {
                break
            }
        } while true
        return (path, i)
    }

    func scanVariable(from start: Int) -> Token {
        guard let (path, end) = scanPath(from: start + 1) else {
            return Token(kind: .invalid("`$` must be followed by a variable name, as in `$lr`"), start: start, end: start + 1)
        }
        return Token(kind: .variable(path), start: start, end: end)
    }

    func scanString(from start: Int) -> Token {
        var pieces: [Token.StringPiece] = []
        var text: [UInt8] = []
        var i = start + 1
        func flush() {
            if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
        }
        while i < limit {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                flush()
                return Token(kind: .string(pieces), start: start, end: i + 1)
            }
            if b == UInt8(ascii: "\\") {
                guard i + 1 < limit else { break }
                let e = bytes[i + 1]
                switch e {
                case UInt8(ascii: "n"): text.append(10)
                case UInt8(ascii: "t"): text.append(9)
                case UInt8(ascii: "r"): text.append(13)
                case UInt8(ascii: "0"): text.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "$"): text.append(e)
                case UInt8(ascii: "\n"): break  // a backslash-newline inside a string joins the lines
                default:
                    let end = scalarEnd(from: i + 1)
                    let shown = String(decoding: bytes[i..<end], as: UTF8.self)
                    return Token(kind: .invalid("unknown escape `\(shown)` in a string; use \\n, \\t, \\\\, \\\" or \\$"), start: i, end: end)
                }
                i += 2
                continue
            }
            if b == UInt8(ascii: "$") {
                if i + 1 < limit && bytes[i + 1] == UInt8(ascii: "{") {
                    var depth = 1
                    var j = i + 2
                    var inString = false
                    while j < limit && depth > 0 {
                        let c = bytes[j]
                        if inString {
                            if c == UInt8(ascii: "\\") { j += 1 } else if c == UInt8(ascii: "\"") { inString = false }
                        } else if c == UInt8(ascii: "\"") {
                            inString = true
                        } else if c == UInt8(ascii: "{") {
                            depth += 1
                        } else if c == UInt8(ascii: "}") {
                            depth -= 1
                        }
                        j += 1
                    }
                    guard depth == 0 else { break }
                    flush()
                    pieces.append(.expression(start: i + 2, end: j - 1))
                    i = j
                    continue
                }
                if let (path, end) = scanPath(from: i + 1) {
                    flush()
                    pieces.append(.variable(path, start: i, end: end))
                    i = end
                    continue
                }
                return Token(kind: .invalid("`$` in a string starts a variable, as in \"$lr\" or \"${lr * 2}\"; write \\$ for a dollar sign"), start: i, end: i + 1)
            }
            text.append(b)
            i += 1
        }
        return Token(kind: .unfinished("the string is not closed with `\"`"), start: start, end: limit)
    }
}
