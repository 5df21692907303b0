import HoneModels
/// What parsing a source produced: statements, the errors found, and whether more input could
/// complete the text (an open `{`, string or trailing `\`), which the REPL answers with `  ... `.
public struct ParseResult: Sendable {
    public var statements: [Statement]
    public var errors: [HoneError]
    public var needsMoreInput: Bool
}

/// A recursive-descent parser over the mode-switching `Lexer`. It knows the command registry,
/// because a command's declaration says how the words after its name are read. It reports at
/// most one error per statement and resynchronizes at `;`, newlines and `}`.
public struct Parser {
    static let keywords: Set<String> = ["let", "for", "in", "if", "else", "true", "false", "none", "and", "or", "not"]

    let file: SourceFile
    let lexer: Lexer
    let registry: CommandRegistry
    var offset: Int
    var lastEnd: Int
    /// Depth of open `(` and `[`: inside them newlines are blanks.
    var nesting = 0
    /// The open `(` and `[` tokens, innermost last, to point at the one left unclosed.
    var openers: [Token] = []
    var errors: [HoneError] = []
    var needsMoreInput = false
    /// Levels of statements, expressions and commands open inside one another. Parsing,
    /// checking and running all recurse over them, so past `maxLevels` the parser refuses
    /// rather than run out of stack.
    var level = 0
    static let maxLevels = 100

    struct Failure: Error { let error: HoneError }

    public init(file: SourceFile, registry: CommandRegistry, start: Int = 0, end: Int? = nil) {
        self.file = file
        self.lexer = Lexer(file: file, limit: end)
        self.registry = registry
        self.offset = start
        self.lastEnd = start
    }

    public static func parse(_ file: SourceFile, registry: CommandRegistry) -> ParseResult {
        var parser = Parser(file: file, registry: registry)
        return parser.parseScript()
    }

    public mutating func parseScript() -> ParseResult {
        let statements = parseStatements(closedBy: nil)
        return ParseResult(statements: statements, errors: errors, needsMoreInput: needsMoreInput)
    }

    // MARK: Tokens

    func range(_ start: Int, _ end: Int) -> SourceRange { SourceRange(file: file, start: start, end: end) }
    func range(_ token: Token) -> SourceRange { range(token.start, token.end) }

    func peek(_ mode: Lexer.Mode) -> Token {
        var token = lexer.scan(at: offset, mode: mode)
        while nesting > 0, token.kind == .newline { token = lexer.scan(at: token.end, mode: mode) }
        return token
    }

    mutating func advance(_ token: Token) {
        offset = token.end
        lastEnd = token.end
    }

    func fail(_ message: String, at range: SourceRange, code: HoneError.Code = .syntax, hints: [String] = []) -> Failure {
        Failure(error: HoneError(code, message, at: range, hints: hints))
    }

    /// An error for a token that cannot start what was expected; unfinished input marks the
    /// parse as needing more.
    mutating func unexpected(_ token: Token, expected: String) -> Failure {
        switch token.kind {
        case .unfinished(let why):
            needsMoreInput = true
            return fail("unexpected end of input: \(why)", at: range(token), code: .incomplete)
        case .invalid(let why):
            return fail(why, at: range(token))
        case .eof:
            if nesting > 0 && lexer.limit == file.bytes.count {
                needsMoreInput = true
                let opener = openers.last ?? token
                return fail("`\(file.text(in: range(opener)))` is not closed", at: range(opener), code: .incomplete)
            }
            return fail("expected \(expected), found the end of the input", at: range(token))
        case .newline:
            return fail("expected \(expected), found the end of the line", at: range(token))
        default:
            return fail("expected \(expected), found `\(file.text(in: range(token)))`", at: range(token))
        }
    }

    /// Opens one more level of nesting at `token`; each call is paired with `level -= 1`.
    mutating func descend(at token: Token) throws {
        guard level < Parser.maxLevels else {
            throw fail("nested too deeply: more than \(Parser.maxLevels) levels of blocks, brackets, operators or commands", at: range(token))
        }
        level += 1
    }

    mutating func expect(_ punct: String, _ mode: Lexer.Mode, opening: Token? = nil) throws -> Token {
        let token = peek(mode)
        if token.isPunct(punct) {
            advance(token)
            return token
        }
        if token.kind == .eof, let opening {
            needsMoreInput = true
            throw fail("`\(file.text(in: range(opening)))` is not closed", at: range(opening), code: .incomplete)
        }
        throw unexpected(token, expected: "`\(punct)`")
    }

    // MARK: Statements

    mutating func parseStatements(closedBy opening: Token?) -> [Statement] {
        var statements: [Statement] = []
        while true {
            let token = peek(.expression)
            switch token.kind {
            case .newline, .punct(";"):
                advance(token)
                continue
            case .eof:
                // An unclosed block is reported once, by `parseBlock`.
                if opening != nil { needsMoreInput = true }
                return statements
            case .punct("}"):
                if opening != nil { return statements }
                errors.append(HoneError(.syntax, "`}` has no matching `{`", at: range(token)))
                advance(token)
                continue
            default:
                break
            }
            do {
                statements.append(try parseStatement())
                let end = peek(.expression)
                if !end.isEndOfStatement {
                    throw unexpected(end, expected: "the end of the statement (a new line or `;`)")
                }
            } catch let failure as Failure {
                errors.append(failure.error)
                synchronize()
            } catch {
                preconditionFailure("the parser throws only its own failures")
            }
        }
    }

    /// Skips to the end of the statement that failed, keeping `{`/`}` balanced.
    mutating func synchronize() {
        nesting = 0
        openers = []
        var depth = 0
        while true {
            let token = peek(.argument)
            switch token.kind {
            case .eof: return
            case .unfinished:
                needsMoreInput = true
                advance(token)
                return
            case .newline, .punct(";"):
                if depth == 0 { return }
            case .punct("{"): depth += 1
            case .punct("}"):
                if depth == 0 { return }
                depth -= 1
            default: break
            }
            advance(token)
        }
    }

    mutating func parseStatement() throws -> Statement {
        let token = peek(.expression)
        try descend(at: token)
        defer { level -= 1 }
        switch token.kind {
        case .identifier("let"): return try parseLet(token)
        case .identifier("for"): return try parseFor(token)
        case .identifier("if"): return try parseIf(token)
        case .identifier("else"): throw fail("`else` without `if`; write it on the same line as the `}` that ends the `if` block", at: range(token))
        case .identifier("in"): throw fail("`in` belongs in a `for` loop: `for x in [1, 2] { … }`", at: range(token))
        case .punct("{"):
            let (body, r) = try parseBlock()
            return .block(body, r)
        case .punct("?"): return .command(try parseHelpShorthand(token))
        case .identifier:
            if let call = try parseCommandIfAny() { return .command(call) }
        default: break
        }
        let expression = try parseExpression()
        let next = peek(.expression)
        if !next.isEndOfStatement, case .variable(let name, let r) = expression {
            throw unknownCommand(name, at: r)
        }
        return .expression(expression)
    }

    func unknownCommand(_ name: String, at r: SourceRange) -> Failure {
        let candidates = registry.firstWords + ["let", "for", "if"]
        return fail("unknown command `\(name)`" + Suggestions.didYouMean(name, among: candidates), at: r, code: .unknownCommand,
                    hints: ["`help` lists the commands"])
    }

    mutating func parseLet(_ keyword: Token) throws -> Statement {
        advance(keyword)
        let nameToken = peek(.expression)
        guard case .identifier(let name) = nameToken.kind else {
            throw unexpected(nameToken, expected: "a name after `let`, as in `let lr = 2e-4`")
        }
        let nameRange = range(nameToken)
        if Parser.keywords.contains(name) {
            throw fail("`\(name)` is a keyword and cannot name a variable", at: nameRange, code: .reservedName)
        }
        if registry.firstWords.contains(name) {
            throw fail("`\(name)` names a command, so it cannot name a variable; choose another name", at: nameRange, code: .reservedName)
        }
        advance(nameToken)
        let equals = peek(.expression)
        guard equals.isPunct("=") else { throw unexpected(equals, expected: "`=` after `let \(name)`") }
        advance(equals)
        let valueToken = peek(.expression)
        if case .identifier = valueToken.kind, let call = try parseCommandIfAny() {
            return .letCommand(name: name, nameRange: nameRange, call, range(keyword.start, lastEnd))
        }
        let value = try parseExpression()
        return .letExpression(name: name, nameRange: nameRange, value, range(keyword.start, lastEnd))
    }

    mutating func parseFor(_ keyword: Token) throws -> Statement {
        advance(keyword)
        let nameToken = peek(.expression)
        guard case .identifier(let name) = nameToken.kind, !Parser.keywords.contains(name) else {
            throw unexpected(nameToken, expected: "a loop variable, as in `for r in [4, 8] { … }`")
        }
        if registry.firstWords.contains(name) {
            throw fail("`\(name)` names a command, so it cannot name a loop variable", at: range(nameToken), code: .reservedName)
        }
        advance(nameToken)
        let inToken = peek(.expression)
        guard inToken.kind == .identifier("in") else { throw unexpected(inToken, expected: "`in` after `for \(name)`") }
        advance(inToken)
        let sequence = try parseExpression()
        let (body, bodyRange) = try parseBlock()
        return .forLoop(variable: name, variableRange: range(nameToken), sequence: sequence, body: body, range(keyword).to(bodyRange))
    }

    mutating func parseIf(_ keyword: Token) throws -> Statement {
        try descend(at: keyword)
        defer { level -= 1 }
        advance(keyword)
        let condition = try parseExpression()
        let (then, thenRange) = try parseBlock()
        var end = thenRange
        var otherwise: [Statement]? = nil
        let elseToken = peek(.expression)
        if elseToken.kind == .identifier("else") {
            advance(elseToken)
            let next = peek(.expression)
            if next.kind == .identifier("if") {
                let nested = try parseIf(next)
                otherwise = [nested]
                end = nested.range
            } else {
                let (body, r) = try parseBlock()
                otherwise = body
                end = r
            }
        }
        return .ifElse(condition: condition, then: then, otherwise: otherwise, range(keyword).to(end))
    }

    mutating func parseBlock() throws -> ([Statement], SourceRange) {
        let open = peek(.expression)
        guard open.isPunct("{") else { throw unexpected(open, expected: "`{` to open a block") }
        advance(open)
        let savedNesting = nesting
        nesting = 0
        let body = parseStatements(closedBy: open)
        nesting = savedNesting
        let close = peek(.expression)
        guard close.isPunct("}") else {
            needsMoreInput = true
            throw fail("`{` is not closed", at: range(open), code: .incomplete)
        }
        advance(close)
        return (body, range(open).to(range(close)))
    }

    /// `?NAME` is `help NAME`; `??NAME` also shows the extended help.
    mutating func parseHelpShorthand(_ question: Token) throws -> CommandCall {
        advance(question)
        guard let help = registry.command(named: ["help"]) else { throw fail("`?` needs the `help` command", at: range(question)) }
        var arguments: [ArgumentSyntax] = []
        let second = peek(.expression)
        if second.isPunct("?"), second.start == question.end {
            advance(second)
            arguments.append(ArgumentSyntax(label: .key("full", range(second)), value: .bool(true, range(second))))
        }
        arguments += parseWords()
        return CommandCall(command: help, nameRange: range(question), arguments: arguments, nested: nil, range: range(question.start, lastEnd))
    }
}
