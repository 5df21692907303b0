/// Expressions, lists and interpolated strings.
extension Parser {
    mutating func parseList(open: Token, mode: Lexer.Mode) throws -> Expr {
        try descend(at: open)
        defer { level -= 1 }
        advance(open)
        nesting += 1
        openers.append(open)
        defer { nesting -= 1; openers.removeLast() }
        var items: [Expr] = []
        while true {
            let token = peek(mode)
            if token.isPunct("]") {
                advance(token)
                return .list(items, range(open).to(range(token)))
            }
            if token.kind == .eof {
                needsMoreInput = true
                throw fail("`[` is not closed", at: range(open), code: .incomplete)
            }
            items.append(mode == .argument ? try parseArgumentAtom() : try parseExpression())
            let separator = peek(mode)
            if separator.isPunct(",") {
                advance(separator)
            } else if !separator.isPunct("]") {
                if separator.kind == .eof {
                    needsMoreInput = true
                    throw fail("`[` is not closed", at: range(open), code: .incomplete)
                }
                throw unexpected(separator, expected: "`,` or `]` in the list")
            }
        }
    }

    func variableExpression(_ path: [String], _ token: Token) -> Expr {
        var e = Expr.variable(path[0], range(token.start, token.start + 1 + path[0].utf8.count))
        for name in path.dropFirst() { e = .field(e, name, range(token)) }
        return e
    }

    mutating func stringExpression(_ pieces: [Token.StringPiece], _ r: SourceRange) throws -> Expr {
        var parts: [StringPart] = []
        for piece in pieces {
            switch piece {
            case .text(let t): parts.append(.text(t))
            case .variable(let path, let start, let end):
                parts.append(.expression(variableExpression(path, Token(kind: .variable(path), start: start, end: end))))
            case .expression(let start, let end):
                var inner = Parser(file: file, registry: registry, start: start, end: end)
                inner.nesting = 1
                inner.level = level
                let e = try inner.parseExpression()
                let rest = inner.peek(.expression)
                if rest.kind != .eof { throw inner.unexpected(rest, expected: "`}` to end the interpolation") }
                parts.append(.expression(e))
            }
        }
        return .string(parts, r)
    }

    public mutating func parseExpression() throws -> Expr {
        try descend(at: peek(.expression))
        defer { level -= 1 }
        return try parseOr()
    }

    mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        var deeper = 0
        defer { level -= deeper }
        while peek(.expression).kind == .identifier("or") {
            try deepen(&deeper)
            advance(peek(.expression))
            let right = try parseAnd()
            left = .binary(.or, left, right, left.range.to(right.range))
        }
        return left
    }

    mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        var deeper = 0
        defer { level -= deeper }
        while peek(.expression).kind == .identifier("and") {
            try deepen(&deeper)
            advance(peek(.expression))
            let right = try parseNot()
            left = .binary(.and, left, right, left.range.to(right.range))
        }
        return left
    }

    mutating func parseNot() throws -> Expr {
        let token = peek(.expression)
        if token.kind == .identifier("not") {
            try descend(at: token)
            defer { level -= 1 }
            advance(token)
            let operand = try parseNot()
            return .unary(.not, operand, range(token).to(operand.range))
        }
        return try parseComparison()
    }

    mutating func parseComparison() throws -> Expr {
        let left = try parseAdditive()
        let token = peek(.expression)
        guard case .punct(let p) = token.kind, let op = BinaryOperator(rawValue: p), op.isComparison else { return left }
        advance(token)
        let right = try parseAdditive()
        return .binary(op, left, right, left.range.to(right.range))
    }

    mutating func parseAdditive() throws -> Expr {
        var left = try parseMultiplicative()
        var deeper = 0
        defer { level -= deeper }
        while true {
            let token = peek(.expression)
            guard token.isPunct("+") || token.isPunct("-") else { return left }
            try deepen(&deeper)
            advance(token)
            let right = try parseMultiplicative()
            left = .binary(token.isPunct("+") ? .add : .subtract, left, right, left.range.to(right.range))
        }
    }

    mutating func parseMultiplicative() throws -> Expr {
        var left = try parseUnary()
        var deeper = 0
        defer { level -= deeper }
        while true {
            let token = peek(.expression)
            guard token.isPunct("*") || token.isPunct("/") else { return left }
            try deepen(&deeper)
            advance(token)
            let right = try parseUnary()
            left = .binary(token.isPunct("*") ? .multiply : .divide, left, right, left.range.to(right.range))
        }
    }

    mutating func parseUnary() throws -> Expr {
        let token = peek(.expression)
        if token.isPunct("-") {
            try descend(at: token)
            defer { level -= 1 }
            advance(token)
            let operand = try parseUnary()
            return .unary(.negate, operand, range(token).to(operand.range))
        }
        return try parsePostfix()
    }

    mutating func parsePostfix() throws -> Expr {
        var e = try parsePrimary()
        var deeper = 0
        defer { level -= deeper }
        while true {
            let dot = peek(.expression)
            guard dot.isPunct(".") else { return e }
            try deepen(&deeper)
            advance(dot)
            let name = peek(.expression)
            guard case .identifier(let field) = name.kind else { throw unexpected(name, expected: "a field name after `.`") }
            advance(name)
            e = .field(e, field, e.range.to(range(name)))
        }
    }

    mutating func parsePrimary() throws -> Expr {
        let token = peek(.expression)
        let r = range(token)
        switch token.kind {
        case .int(let v):
            advance(token)
            return .int(v, r)
        case .float(let v):
            advance(token)
            return .float(v, r)
        case .string(let pieces):
            advance(token)
            return try stringExpression(pieces, r)
        case .variable(let path):
            advance(token)
            return variableExpression(path, token)
        case .identifier(let name):
            switch name {
            case "true", "false":
                advance(token)
                return .bool(name == "true", r)
            case "none":
                advance(token)
                return .none(r)
            default:
                if Parser.keywords.contains(name) { throw fail("expected a value, found the keyword `\(name)`", at: r) }
                advance(token)
                return .variable(name, r)
            }
        case .punct("("):
            return try parseParenthesized(open: token)
        case .punct("["):
            return try parseList(open: token, mode: .expression)
        default:
            throw unexpected(token, expected: "a value")
        }
    }

    /// `( expression )`, in which newlines are blanks.
    mutating func parseParenthesized(open: Token) throws -> Expr {
        advance(open)
        nesting += 1
        openers.append(open)
        let e = try parseExpression()
        _ = try expect(")", .expression, opening: open)
        openers.removeLast()
        nesting -= 1
        return e
    }

    /// One more level for a left-associative chain (`1 + 2 + …`, `x.a.b…`), whose tree grows one
    /// level per operator: the caller undoes `deeper` levels when its loop ends.
    mutating func deepen(_ deeper: inout Int) throws {
        try descend(at: peek(.expression))
        deeper += 1
    }
}
