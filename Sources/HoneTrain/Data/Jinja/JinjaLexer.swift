/// Cuts a template into text and tags, with the whitespace rules transformers renders chat
/// templates with: `trim_blocks` (the newline after a `%}` or `#}` is dropped), `lstrip_blocks`
/// (spaces and tabs before a `{%` or `{#` that starts its line are dropped), and the explicit
/// `{%-`/`-%}` (and `{{-`, `-}}`, `{#-`, `-#}`) that strip all whitespace on that side.
struct JinjaLexer {
    let chars: [Character]
    let locations: [JinjaLocation]

    init(_ text: String) {
        chars = Array(text)
        var line = 1, column = 1
        var locations: [JinjaLocation] = []
        locations.reserveCapacity(chars.count + 1)
        for c in chars {
            locations.append(JinjaLocation(line: line, column: column))
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        locations.append(JinjaLocation(line: line, column: column))
        self.locations = locations
    }

    func pieces() throws(JinjaError) -> [JinjaPiece] {
        var pieces: [JinjaPiece] = []
        var text = ""
        var textStart = 0
        var stripLeading = false, trimNewline = false
        var i = 0
        let n = chars.count

        func flush(tagKind: Character, leftStrip: Bool, plus: Bool) {
            var t = Substring(text)
            if leftStrip {
                while let last = t.last, last.isWhitespace { t = t.dropLast() }
            } else if tagKind != "{", !plus {
                // lstrip_blocks: only when the tag is the first thing on its line.
                let lineStart = t.lastIndex(of: "\n").map { t.index(after: $0) }
                let atLineStart = lineStart != nil || textStart == 0 || chars[textStart - 1] == "\n"
                let from = lineStart ?? t.startIndex
                if atLineStart, t[from...].allSatisfy({ $0 == " " || $0 == "\t" }) { t = t[..<from] }
            }
            if stripLeading {
                t = t.drop(while: { $0.isWhitespace })
            } else if trimNewline, t.first == "\n" {
                t = t.dropFirst()
            }
            if !t.isEmpty { pieces.append(.text(String(t))) }
            text = ""
        }

        while i < n {
            guard chars[i] == "{", i + 1 < n, "{%#".contains(chars[i + 1]) else {
                text.append(chars[i])
                i += 1
                continue
            }
            let kind = chars[i + 1]
            let open = locations[i]
            var j = i + 2
            let leftStrip = j < n && chars[j] == "-"
            let plus = j < n && chars[j] == "+"
            if leftStrip || plus { j += 1 }
            flush(tagKind: kind, leftStrip: leftStrip, plus: plus)
            var rightStrip = false
            if kind == "#" {
                while j < n, !(chars[j] == "#" && j + 1 < n && chars[j + 1] == "}") { j += 1 }
                guard j < n else { throw JinjaError(.syntax, "the comment `{#` is never closed with `#}`", at: open) }
                rightStrip = chars[j - 1] == "-" && j - 1 >= i + 3
                j += 2
            } else {
                let (tokens, end, stripped) = try tagTokens(from: j, closing: kind == "{" ? "}" : "%", open: open)
                pieces.append(kind == "{" ? .output(tokens, open) : .statement(tokens, open))
                j = end
                rightStrip = stripped
            }
            stripLeading = rightStrip
            trimNewline = kind != "{" && !rightStrip
            i = j
            textStart = j
        }
        flush(tagKind: "{", leftStrip: false, plus: false)
        return pieces
    }

    /// The tokens of a tag body starting at `start`, up to `-?` + `closing` + `}`; returns the
    /// index after the tag and whether it closed with `-`.
    func tagTokens(from start: Int, closing: Character, open: JinjaLocation) throws(JinjaError) -> ([JinjaToken], Int, Bool) {
        var tokens: [JinjaToken] = []
        var i = start
        var braces = 0
        let n = chars.count
        func at(_ k: Int) -> Character? { k < n ? chars[k] : nil }
        while i < n {
            let c = chars[i]
            let location = locations[i]
            if c.isWhitespace { i += 1; continue }
            // The closing delimiter, with or without `-`.
            if braces == 0 {
                if c == "-", at(i + 1) == closing, at(i + 2) == "}" { return (tokens, i + 3, true) }
                if c == closing, at(i + 1) == "}" { return (tokens, i + 2, false) }
            }
            if c.isLetter || c == "_" {
                var name = ""
                while let d = at(i), d.isLetter || d.isNumber || d == "_" { name.append(d); i += 1 }
                tokens.append(JinjaToken(kind: .name(name), location: location))
            } else if c.isASCII, c.isNumber {
                var digits = ""
                while let d = at(i), d.isASCII, d.isNumber || d == "_" { if d != "_" { digits.append(d) }; i += 1 }
                if at(i) == ".", let d = at(i + 1), d.isASCII, d.isNumber {
                    digits.append(".")
                    i += 1
                    while let d = at(i), d.isASCII, d.isNumber { digits.append(d); i += 1 }
                    tokens.append(JinjaToken(kind: .double(Double(digits) ?? 0), location: location))
                } else {
                    guard let value = Int(digits) else { throw JinjaError(.syntax, "the number \(digits) is too large", at: location) }
                    tokens.append(JinjaToken(kind: .int(value), location: location))
                }
            } else if c == "'" || c == "\"" {
                var value = ""
                i += 1
                while true {
                    guard let d = at(i) else { throw JinjaError(.syntax, "the string is never closed", at: location) }
                    i += 1
                    if d == c { break }
                    if d == "\\", let e = at(i) {
                        i += 1
                        switch e {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        case "\\", "'", "\"": value.append(e)
                        case "\n": break
                        default: value.append("\\"); value.append(e)
                        }
                    } else {
                        value.append(d)
                    }
                }
                tokens.append(JinjaToken(kind: .string(value), location: location))
            } else {
                let two = at(i + 1).map { String([c, $0]) } ?? ""
                if ["==", "!=", "<=", ">=", "//", "**"].contains(two) {
                    tokens.append(JinjaToken(kind: .symbol(two), location: location))
                    i += 2
                    continue
                }
                guard "+-*/%~<>()[]{},:.|=".contains(c) else {
                    throw JinjaError(.syntax, "unexpected character `\(c)`", at: location)
                }
                if c == "{" { braces += 1 }
                if c == "}" { braces -= 1 }
                tokens.append(JinjaToken(kind: .symbol(String(c)), location: location))
                i += 1
            }
        }
        throw JinjaError(.syntax, "the tag is never closed with `\(closing)}`", at: open)
    }
}
