/// Builds the statement tree of a template from its pieces, and expressions from tag tokens, with
/// Jinja's operator precedence (lowest first): `x if c else y`, `or`, `and`, `not`, comparisons and
/// `in`, `+ -`, `~`, `* / // %`, unary minus, then subscripts, attributes, calls, filters and tests.
struct JinjaParser {
    private var pieces: [JinjaPiece]
    private var index = 0

    /// Statement tags hone knows but does not implement: named in the error.
    static let unsupportedStatements: Set<String> = [
        "macro", "call", "filter", "include", "import", "from", "extends", "block", "raw", "with",
        "break", "continue", "do", "generation", "autoescape", "trans", "endmacro",
    ]

    init(pieces: [JinjaPiece]) { self.pieces = pieces }

    mutating func parseTemplate() throws(JinjaError) -> [JinjaNode] {
        let (nodes, end) = try parseBlock(until: [])
        if let end { throw JinjaError(.syntax, "`\(end.name)` without a matching opening tag", at: end.location) }
        return nodes
    }

    /// Nodes up to one of the statement keywords `until` (returned with its tokens), or the end.
    private mutating func parseBlock(until: Set<String>) throws(JinjaError)
        -> ([JinjaNode], (name: String, tokens: [JinjaToken], location: JinjaLocation)?) {
        var nodes: [JinjaNode] = []
        while index < pieces.count {
            let piece = pieces[index]
            index += 1
            switch piece {
            case .text(let t):
                nodes.append(.text(t))
            case .output(let tokens, let location):
                var p = ExpressionParser(tokens: tokens, end: location)
                let e = try p.parseExpression()
                try p.expectEnd()
                nodes.append(.output(e))
            case .statement(let tokens, let location):
                guard let first = tokens.first, let keyword = first.name else {
                    throw JinjaError(.syntax, "a `{% %}` tag must start with a keyword", at: location)
                }
                if until.contains(keyword) { return (nodes, (keyword, Array(tokens.dropFirst()), first.location)) }
                switch keyword {
                case "for": nodes.append(try parseFor(Array(tokens.dropFirst()), at: first.location))
                case "if": nodes.append(try parseIf(Array(tokens.dropFirst()), at: first.location))
                case "set": nodes.append(try parseSet(Array(tokens.dropFirst()), at: first.location))
                case "endfor", "endif", "elif", "else", "endset":
                    throw JinjaError(.syntax, "`\(keyword)` without a matching opening tag", at: first.location)
                default:
                    if Self.unsupportedStatements.contains(keyword) {
                        throw JinjaError(.unsupported, "`\(keyword)`", at: first.location)
                    }
                    throw JinjaError(.unsupported, "`{% \(keyword) %}`", at: first.location)
                }
            }
        }
        return (nodes, nil)
    }

    private mutating func parseFor(_ tokens: [JinjaToken], at location: JinjaLocation) throws(JinjaError) -> JinjaNode {
        var p = ExpressionParser(tokens: tokens, end: location)
        var targets: [String] = []
        repeat {
            guard let name = p.peek?.name else { throw JinjaError(.syntax, "`for` needs a loop variable", at: p.location) }
            targets.append(name)
            p.advance()
        } while p.consume(",")
        guard p.consumeName("in") else { throw JinjaError(.syntax, "expected `in` after the loop variable", at: p.location) }
        let iterable = try p.parseExpression(allowConditional: false)
        if p.peek?.isName("if") == true { throw JinjaError(.unsupported, "`for … if …` (a filtered loop)", at: p.location) }
        if p.peek?.isName("recursive") == true { throw JinjaError(.unsupported, "`recursive` loops", at: p.location) }
        try p.expectEnd()
        let (body, end) = try parseBlock(until: ["endfor", "else"])
        guard let end else { throw JinjaError(.syntax, "`for` is never closed with `endfor`", at: location) }
        if end.name == "else" { throw JinjaError(.unsupported, "`for … else`", at: end.location) }
        return .forLoop(targets: targets, iterable: iterable, body: body, location: location)
    }

    private mutating func parseIf(_ tokens: [JinjaToken], at location: JinjaLocation) throws(JinjaError) -> JinjaNode {
        var branches: [(JinjaExpression, [JinjaNode])] = []
        var conditionTokens = tokens
        var conditionLocation = location
        while true {
            var p = ExpressionParser(tokens: conditionTokens, end: conditionLocation)
            let condition = try p.parseExpression()
            try p.expectEnd()
            let (body, end) = try parseBlock(until: ["elif", "else", "endif"])
            guard let end else { throw JinjaError(.syntax, "`if` is never closed with `endif`", at: location) }
            branches.append((condition, body))
            switch end.name {
            case "elif":
                conditionTokens = end.tokens
                conditionLocation = end.location
            case "else":
                let (otherwise, close) = try parseBlock(until: ["endif"])
                guard close != nil else { throw JinjaError(.syntax, "`if` is never closed with `endif`", at: location) }
                return .conditional(branches: branches, otherwise: otherwise)
            default:
                return .conditional(branches: branches, otherwise: [])
            }
        }
    }

    private mutating func parseSet(_ tokens: [JinjaToken], at location: JinjaLocation) throws(JinjaError) -> JinjaNode {
        var p = ExpressionParser(tokens: tokens, end: location)
        guard let name = p.peek?.name else { throw JinjaError(.syntax, "`set` needs a variable name", at: p.location) }
        p.advance()
        var attribute: String?
        if p.consume(".") {
            guard let a = p.peek?.name else { throw JinjaError(.syntax, "expected an attribute name after `.`", at: p.location) }
            attribute = a
            p.advance()
        }
        guard p.consume("=") else {
            if p.atEnd { throw JinjaError(.unsupported, "`{% set %}…{% endset %}` (block assignment)", at: location) }
            throw JinjaError(.syntax, "expected `=` in `set`", at: p.location)
        }
        let value = try p.parseExpression()
        try p.expectEnd()
        return .set(name: name, attribute: attribute, value: value, location: location)
    }
}
