import HoneModels
/// Command calls: resolving a command's name and reading its arguments as its spec says.
extension Parser {
    /// Parses a command call when the next identifier names a command; returns nil, consuming
    /// nothing, when it does not.
    mutating func parseCommandIfAny() throws -> CommandCall? {
        let first = peek(.expression)
        guard case .identifier(let word) = first.kind else { return nil }
        var command: (any Command.Type)?
        var nameEnd = first.end
        if registry.hasTwoWordCommands(startingWith: word) {
            let second = lexer.scan(at: first.end, mode: .argument)
            if case .bare(let next) = second.kind {
                if let found = registry.command(named: [word, next]) {
                    command = found
                    nameEnd = second.end
                } else if registry.command(named: [word]) == nil {
                    let names = registry.commandNames.filter { $0.hasPrefix(word + " ") }
                    throw fail("unknown command `\(word) \(next)`" + Suggestions.didYouMean("\(word) \(next)", among: names), at: range(first.start, second.end), code: .unknownCommand)
                }
            }
            if command == nil, registry.command(named: [word]) == nil {
                let names = registry.commandNames.filter { $0.hasPrefix(word + " ") }
                throw fail("`\(word)` needs a second word: " + names.map { "`\($0)`" }.joined(separator: ", "), at: range(first), code: .unknownCommand)
            }
        }
        if command == nil { command = registry.command(named: [word]) }
        guard let command, command.spec.syntax != .statement else { return nil }
        offset = nameEnd
        lastEnd = nameEnd
        return try parseCommand(command, nameRange: range(first.start, nameEnd))
    }

    mutating func parseCommand(_ command: any Command.Type, nameRange: SourceRange) throws -> CommandCall {
        let spec = command.spec
        var arguments: [ArgumentSyntax] = []
        var nested: Box<CommandCall>? = nil
        switch spec.syntax {
        case .arguments:
            arguments = try parseArguments(spec)
        case .expressions:
            while !peek(.expression).isEndOfStatement {
                let token = peek(.expression)
                if token.isPunct("=") {
                    throw fail("`=` assigns only in `let`; to compare two values write `==`", at: range(token))
                }
                arguments.append(ArgumentSyntax(label: .positional, value: try parseExpression()))
                let comma = peek(.expression)
                if comma.isPunct(",") { advance(comma) }
            }
        case .command:
            try descend(at: peek(.expression))
            defer { level -= 1 }
            guard let call = try parseCommandIfAny() else {
                throw unexpected(peek(.expression), expected: "a command after `\(spec.name)`, as in `\(spec.name) print 1`")
            }
            nested = Box(call)
        case .words:
            arguments = parseWords()
        case .statement:
            preconditionFailure("statement forms are parsed by the parser")
        }
        return CommandCall(command: command, nameRange: nameRange, arguments: arguments, nested: nested, range: range(nameRange.start, lastEnd))
    }

    /// The rest of the statement as plain words.
    mutating func parseWords() -> [ArgumentSyntax] {
        var words: [ArgumentSyntax] = []
        while true {
            let token = peek(.argument)
            if token.isEndOfStatement { break }
            if case .unfinished = token.kind { break }
            advance(token)
            let text = file.text(in: range(token))
            words.append(ArgumentSyntax(label: .positional, value: .bare(text, range(token))))
        }
        return words
    }

    mutating func parseArguments(_ spec: CommandSpec) throws -> [ArgumentSyntax] {
        var arguments: [ArgumentSyntax] = []
        while true {
            let token = peek(.argument)
            if token.isEndOfStatement { return arguments }
            if token.isPunct("=") {
                throw fail("expected an argument name before `=`, as in `\(spec.options.first?.name ?? "name")=…`", at: range(token))
            }
            if case .bare(let text) = token.kind {
                let next = lexer.scan(at: token.end, mode: .argument)
                if next.isPunct("=") {
                    advance(token)
                    advance(next)
                    if peek(.argument).isEndOfStatement {
                        throw fail("`\(text)=` needs a value", at: range(token.start, next.end))
                    }
                    arguments.append(ArgumentSyntax(label: .key(text, range(token)), value: try parseArgumentValue()))
                    continue
                }
                if spec.clauses.contains(where: { $0.name == text }) {
                    advance(token)
                    if peek(.argument).isEndOfStatement {
                        throw fail("`\(text)` needs a value after it", at: range(token))
                    }
                    arguments.append(ArgumentSyntax(label: .clause(text, range(token)), value: try parseArgumentValue()))
                    continue
                }
            }
            arguments.append(ArgumentSyntax(label: .positional, value: try parseArgumentValue()))
        }
    }

    /// An argument's value: one atom, or atoms joined by commas into a list (`q_proj,v_proj`).
    mutating func parseArgumentValue() throws -> Expr {
        let first = try parseArgumentAtom()
        guard peek(.argument).isPunct(",") else { return first }
        var items = [first]
        while peek(.argument).isPunct(",") {
            advance(peek(.argument))
            items.append(try parseArgumentAtom())
        }
        return .list(items, first.range.to(items.last!.range))
    }

    mutating func parseArgumentAtom() throws -> Expr {
        let token = peek(.argument)
        switch token.kind {
        case .bare(let text):
            advance(token)
            return .bare(text, range(token))
        case .int(let v):
            advance(token)
            return .int(v, range(token))
        case .float(let v):
            advance(token)
            return .float(v, range(token))
        case .string(let pieces):
            advance(token)
            return try stringExpression(pieces, range(token))
        case .variable(let path):
            advance(token)
            return variableExpression(path, token)
        case .punct("("):
            return try parseParenthesized(open: token)
        case .punct("["):
            return try parseList(open: token, mode: .argument)
        default:
            throw unexpected(token, expected: "a value")
        }
    }
}
