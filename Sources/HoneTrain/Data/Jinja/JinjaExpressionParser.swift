/// Recursive descent over the tokens of one tag.
struct ExpressionParser {
    let tokens: [JinjaToken]
    /// Where the tag is, for errors at its end.
    let end: JinjaLocation
    var position = 0

    init(tokens: [JinjaToken], end: JinjaLocation) {
        self.tokens = tokens
        self.end = end
    }

    var peek: JinjaToken? { position < tokens.count ? tokens[position] : nil }
    var atEnd: Bool { position >= tokens.count }
    var location: JinjaLocation { peek?.location ?? tokens.last?.location ?? end }
    mutating func advance() { position += 1 }

    mutating func consume(_ symbol: String) -> Bool {
        if peek?.isSymbol(symbol) == true { position += 1; return true }
        return false
    }

    mutating func consumeName(_ name: String) -> Bool {
        if peek?.isName(name) == true { position += 1; return true }
        return false
    }

    mutating func expect(_ symbol: String) throws(JinjaError) {
        guard consume(symbol) else { throw JinjaError(.syntax, "expected `\(symbol)`\(found)", at: location) }
    }

    func expectEnd() throws(JinjaError) {
        if !atEnd { throw JinjaError(.syntax, "unexpected \(describe(tokens[position])) at the end of the tag", at: location) }
    }

    var found: String { peek.map { ", found \(describe($0))" } ?? " before the end of the tag" }

    func describe(_ t: JinjaToken) -> String {
        switch t.kind {
        case .name(let n): "`\(n)`"
        case .string(let s): "the string \"\(s)\""
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .symbol(let s): "`\(s)`"
        }
    }

    mutating func parseExpression(allowConditional: Bool = true) throws(JinjaError) -> JinjaExpression {
        let value = try parseOr()
        guard allowConditional, consumeName("if") else { return value }
        let condition = try parseOr()
        let otherwise = consumeName("else") ? try parseExpression() : nil
        return .conditional(then: value, condition: condition, otherwise: otherwise)
    }

    mutating func parseOr() throws(JinjaError) -> JinjaExpression {
        var left = try parseAnd()
        while let t = peek, t.isName("or") {
            advance()
            left = .binary("or", left, try parseAnd(), t.location)
        }
        return left
    }

    mutating func parseAnd() throws(JinjaError) -> JinjaExpression {
        var left = try parseNot()
        while let t = peek, t.isName("and") {
            advance()
            left = .binary("and", left, try parseNot(), t.location)
        }
        return left
    }

    mutating func parseNot() throws(JinjaError) -> JinjaExpression {
        if consumeName("not") { return .not(try parseNot()) }
        return try parseComparison()
    }

    mutating func parseComparison() throws(JinjaError) -> JinjaExpression {
        var left = try parseAdditive()
        while let t = peek {
            if case .symbol(let s) = t.kind, ["==", "!=", "<", ">", "<=", ">="].contains(s) {
                advance()
                left = .binary(s, left, try parseAdditive(), t.location)
            } else if t.isName("in") {
                advance()
                left = .binary("in", left, try parseAdditive(), t.location)
            } else if t.isName("not"), position + 1 < tokens.count, tokens[position + 1].isName("in") {
                position += 2
                left = .not(.binary("in", left, try parseAdditive(), t.location))
            } else {
                break
            }
        }
        return left
    }

    mutating func parseAdditive() throws(JinjaError) -> JinjaExpression {
        var left = try parseConcat()
        while let t = peek, t.isSymbol("+") || t.isSymbol("-") {
            advance()
            left = .binary(t.isSymbol("+") ? "+" : "-", left, try parseConcat(), t.location)
        }
        return left
    }

    mutating func parseConcat() throws(JinjaError) -> JinjaExpression {
        var left = try parseMultiplicative()
        while let t = peek, t.isSymbol("~") {
            advance()
            left = .binary("~", left, try parseMultiplicative(), t.location)
        }
        return left
    }

    mutating func parseMultiplicative() throws(JinjaError) -> JinjaExpression {
        var left = try parseUnary()
        while let t = peek, case .symbol(let s) = t.kind, ["*", "/", "//", "%"].contains(s) {
            advance()
            left = .binary(s, left, try parseUnary(), t.location)
        }
        if let t = peek, t.isSymbol("**") { throw JinjaError(.unsupported, "`**`", at: t.location) }
        return left
    }

    mutating func parseUnary() throws(JinjaError) -> JinjaExpression {
        if let t = peek, t.isSymbol("-") {
            advance()
            return .negate(try parseUnary(), t.location)
        }
        if consume("+") { return try parseUnary() }
        return try parsePostfix(try parsePrimary())
    }

    mutating func parsePrimary() throws(JinjaError) -> JinjaExpression {
        guard let t = peek else { throw JinjaError(.syntax, "expected an expression before the end of the tag", at: location) }
        advance()
        switch t.kind {
        case .string(var s):
            // Adjacent string literals join, as in Python.
            while let next = peek, case .string(let more) = next.kind { s += more; advance() }
            return .literal(.string(s))
        case .int(let i): return .literal(.int(i))
        case .double(let d): return .literal(.double(d))
        case .name(let n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            case "if", "else", "for", "in", "and", "or", "not", "is":
                throw JinjaError(.syntax, "expected an expression, found `\(n)`", at: t.location)
            default: return .variable(n, t.location)
            }
        case .symbol("("):
            let e = try parseExpression()
            if peek?.isSymbol(",") == true { throw JinjaError(.unsupported, "tuples", at: location) }
            try expect(")")
            return e
        case .symbol("["):
            var items: [JinjaExpression] = []
            while !consume("]") {
                items.append(try parseExpression())
                if !consume(",") { try expect("]"); break }
            }
            return .list(items)
        case .symbol("{"):
            var entries: [(JinjaExpression, JinjaExpression)] = []
            while !consume("}") {
                let key = try parseExpression()
                try expect(":")
                entries.append((key, try parseExpression()))
                if !consume(",") { try expect("}"); break }
            }
            return .dict(entries)
        default:
            throw JinjaError(.syntax, "expected an expression, found \(describe(t))", at: t.location)
        }
    }

    /// Subscripts, slices, attributes, calls, filters and tests, left to right.
    mutating func parsePostfix(_ base: JinjaExpression) throws(JinjaError) -> JinjaExpression {
        var e = base
        while let t = peek {
            if t.isSymbol(".") {
                advance()
                guard let name = peek?.name else { throw JinjaError(.syntax, "expected an attribute name after `.`\(found)", at: location) }
                advance()
                e = .attribute(e, name, t.location)
            } else if t.isSymbol("[") {
                advance()
                var start: JinjaExpression?
                if !(peek?.isSymbol(":") ?? false) { start = try parseExpression() }
                if consume(":") {
                    var stop: JinjaExpression?, step: JinjaExpression?
                    if !(peek?.isSymbol("]") ?? false) && !(peek?.isSymbol(":") ?? false) { stop = try parseExpression() }
                    if consume(":"), !(peek?.isSymbol("]") ?? false) { step = try parseExpression() }
                    try expect("]")
                    e = .slice(e, start: start, end: stop, step: step, t.location)
                } else {
                    try expect("]")
                    guard let start else { throw JinjaError(.syntax, "empty subscript", at: t.location) }
                    e = .index(e, start, t.location)
                }
            } else if t.isSymbol("(") {
                advance()
                if case .variable(let name, let at) = e, !JinjaBuiltins.functions.contains(name) {
                    throw JinjaError(.unsupported, "the function `\(name)()`", at: at)
                }
                let (args, kwargs) = try parseArguments()
                e = .call(e, args, kwargs, t.location)
            } else if t.isSymbol("|") {
                advance()
                guard let name = peek?.name else { throw JinjaError(.syntax, "expected a filter name after `|`\(found)", at: location) }
                let at = location
                advance()
                var args: [JinjaExpression] = [], kwargs: [(String, JinjaExpression)] = []
                if consume("(") { (args, kwargs) = try parseArguments() }
                guard JinjaBuiltins.filters.contains(name) else { throw JinjaError(.unsupported, "the filter `\(name)`", at: at) }
                if let key = kwargs.first?.0, !(name == "tojson" && key == "indent" && kwargs.count == 1) {
                    throw JinjaError(.unsupported, "the keyword argument `\(key)` to the filter `\(name)`", at: at)
                }
                if ["select", "reject"].contains(name) {
                    guard case .literal(.string(let test))? = args.first else {
                        throw JinjaError(.unsupported, "`\(name)` without a test name (hone supports `\(name)('test', …)`)", at: at)
                    }
                    guard JinjaBuiltins.tests.contains(test) || JinjaBuiltins.comparisonTests.contains(test) else {
                        throw JinjaError(.unsupported, "the test `\(test)` in `\(name)`", at: at)
                    }
                }
                e = .filter(e, name, args, kwargs, at)
            } else if t.isName("is") {
                advance()
                let negated = consumeName("not")
                guard let name = peek?.name else { throw JinjaError(.syntax, "expected a test name after `is`\(found)", at: location) }
                let at = location
                advance()
                if peek?.isSymbol("(") == true { throw JinjaError(.unsupported, "tests with arguments (`is \(name)(…)`)", at: at) }
                guard JinjaBuiltins.tests.contains(name) else { throw JinjaError(.unsupported, "the test `is \(name)`", at: at) }
                e = .test(e, name, negated: negated, at)
            } else {
                break
            }
        }
        return e
    }

    /// After `(`: positional and keyword arguments up to `)`.
    mutating func parseArguments() throws(JinjaError) -> ([JinjaExpression], [(String, JinjaExpression)]) {
        var args: [JinjaExpression] = []
        var kwargs: [(String, JinjaExpression)] = []
        while !consume(")") {
            if let name = peek?.name, position + 1 < tokens.count, tokens[position + 1].isSymbol("=") {
                position += 2
                kwargs.append((name, try parseExpression()))
            } else {
                args.append(try parseExpression())
            }
            if !consume(",") { try expect(")"); break }
        }
        return (args, kwargs)
    }
}
