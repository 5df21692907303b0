import HoneModels
/// Matches a call's written arguments to its command's declared ones and converts values to
/// the declared types. The checker runs it before anything executes, with only literal values
/// known; the interpreter runs it again with every value evaluated.
struct Binder {
    struct Match {
        var spec: ArgumentSpec
        var value: Expr?
        var range: SourceRange?
    }

    /// Which written argument goes to which declared one; unknown, repeated, missing and surplus
    /// arguments are errors.
    static func match(_ call: CommandCall) throws -> [Match] {
        let spec = call.spec
        var matches: [String: Match] = [:]
        var positionals = spec.positionals
        var variadicItems: [Expr] = []
        var variadicSpec: ArgumentSpec?
        let flagNames = spec.options.filter(\.type.isFlag).map(\.name)

        func record(_ argument: ArgumentSpec, _ value: Expr, _ range: SourceRange) throws {
            if let previous = matches[argument.name] {
                throw HoneError(.badArgument, "`\(argument.name)` is given twice to `\(spec.name)`", at: range,
                                notes: previous.range.map { [HoneError.Note("first given here", at: $0)] } ?? [])
            }
            matches[argument.name] = Match(spec: argument, value: value, range: range)
        }

        for argument in call.arguments {
            switch argument.label {
            case .positional:
                // A bare flag name is the flag, unless the next positional takes words as themselves.
                if case .bare(let text, let r) = argument.value, flagNames.contains(text),
                   !(positionals.first?.type.bareMeansItself ?? false) {
                    try record(spec.argument(named: text)!, .bool(true, r), r)
                    continue
                }
                if let variadic = positionals.first, variadic.isVariadic {
                    variadicSpec = variadic
                    variadicItems.append(argument.value)
                    continue
                }
                guard !positionals.isEmpty else {
                    throw surplus(argument.value, call: call, flagNames: flagNames)
                }
                let target = positionals.removeFirst()
                try record(target, argument.value, argument.value.range)
            case .key(let key, let keyRange):
                guard let target = spec.argument(named: key), target.role == .option else {
                    throw unknownArgument(key, at: keyRange, call: call)
                }
                try record(target, argument.value, argument.range)
            case .clause(let keyword, _):
                guard let target = spec.argument(named: keyword), target.role == .clause else {
                    throw unknownArgument(keyword, at: argument.range, call: call)
                }
                try record(target, argument.value, argument.range)
            }
        }
        if let variadicSpec, let first = variadicItems.first {
            let r = first.range.to(variadicItems.last!.range)
            matches[variadicSpec.name] = Match(spec: variadicSpec, value: .list(variadicItems, r), range: r)
        }

        var result: [Match] = []
        for argument in spec.arguments {
            if let m = matches[argument.name] {
                result.append(m)
            } else if argument.isRequired {
                throw HoneError(.missingArgument, "`\(spec.name)` needs \(argument.usage): \(argument.help)", at: call.range,
                                hints: ["usage: \(Help.usage(spec))"])
            } else {
                result.append(Match(spec: argument, value: nil, range: nil))
            }
        }
        return result
    }

    static func unknownArgument(_ key: String, at range: SourceRange, call: CommandCall) -> HoneError {
        let spec = call.spec
        let names = spec.arguments.filter { $0.role != .positional }.map(\.name)
        guard !names.isEmpty else {
            return HoneError(.unknownArgument, "`\(spec.name)` takes no `name=value` arguments", at: range, hints: ["usage: \(Help.usage(spec))"])
        }
        return HoneError(.unknownArgument, "unknown argument `\(key)` for `\(spec.name)`" + Suggestions.didYouMean(key, among: names),
                         at: range, hints: ["`\(spec.name)` takes " + names.map { "`\($0)`" }.joined(separator: ", ")])
    }

    static func surplus(_ value: Expr, call: CommandCall, flagNames: [String]) -> HoneError {
        let spec = call.spec
        let count = spec.positionals.count
        var message = count == 0
            ? "`\(spec.name)` takes no values by position"
            : "`\(spec.name)` takes \(count) value\(count == 1 ? "" : "s") by position (\(spec.positionals.map(\.usage).joined(separator: " "))), and this is one more"
        if case .bare(let text, _) = value {
            let names = spec.arguments.filter { $0.role != .positional }.map(\.name)
            let suggestion = Suggestions.didYouMean(text, among: names)
            if !suggestion.isEmpty { message += suggestion }
        }
        return HoneError(.badArgument, message, at: value.range, hints: ["usage: \(Help.usage(spec))"])
    }

    /// Converts a written value to the argument's type. `evaluate` returns nil when the value is
    /// not known yet (the checker's pass over non-literal values).
    static func convert(_ expr: Expr, to type: ArgumentType, for argument: ArgumentSpec, command: String,
                        evaluate: (Expr) throws -> Value?) throws -> Value? {
        let label = argument.role == .positional ? argument.usage : "`\(argument.name)`"
        func reject(_ shown: String, at r: SourceRange) -> HoneError {
            HoneError(.badArgument, "\(label) of `\(command)` must be \(type.expectation), not \(shown)", at: r)
        }

        if case .list(let element) = type {
            if case .list(let items, _) = expr {
                var values: [Value] = []
                for item in items {
                    guard let v = try convert(item, to: element, for: argument, command: command, evaluate: evaluate) else { return nil }
                    values.append(v)
                }
                return .list(values)
            }
            if expr.isLiteral {
                return try convert(expr, to: element, for: argument, command: command, evaluate: evaluate).map { .list([$0]) }
            }
            guard let value = try evaluate(expr) else { return nil }
            if case .list(let items) = value {
                return .list(try items.map { try check($0, element, reject: reject, at: expr.range) })
            }
            return .list([try check(value, element, reject: reject, at: expr.range)])
        }

        var value: Value
        switch expr {
        case .bare(let text, let r):
            if type.bareMeansItself {
                value = .string(text)
            } else if case .bool = type, text == "true" || text == "false" {
                value = .bool(text == "true")
            } else if let path = dottedPath(text) {
                var e = Expr.variable(path[0], r)
                for name in path.dropFirst() { e = .field(e, name, r) }
                guard let v = try evaluate(e) else { return nil }
                value = v
            } else {
                throw reject("`\(text)`", at: r)
            }
        case .int(_, let r), .float(_, let r):
            if type.bareMeansItself, case .value = type {
                guard let v = try evaluate(expr) else { return nil }
                value = v
            } else if type.bareMeansItself {
                value = .string(r.text)
            } else {
                guard let v = try evaluate(expr) else { return nil }
                value = v
            }
        default:
            guard let v = try evaluate(expr) else { return nil }
            value = v
        }
        return try check(value, type, reject: reject, at: expr.range)
    }

    /// Checks a value against a scalar type, widening integers to floats.
    static func check(_ value: Value, _ type: ArgumentType, reject: (String, SourceRange) -> HoneError, at r: SourceRange) throws -> Value {
        func shown() -> String { "\(value.repr) (\(value.typeName))" }
        switch type {
        case .int(let bounds):
            guard case .int(let v) = value else { throw reject(shown(), r) }
            if let bounds, !bounds.contains(v) { throw reject("\(v)", r) }
            return value
        case .float(let bounds):
            let d: Double
            switch value {
            case .int(let v): d = Double(v)
            case .float(let v): d = v
            default: throw reject(shown(), r)
            }
            if !d.isFinite { throw reject(Value.format(d), r) }
            if let bounds, !bounds.contains(d) { throw reject(Value.format(d), r) }
            return .float(d)
        case .bool:
            guard case .bool = value else { throw reject(shown(), r) }
            return value
        case .string, .word:
            guard case .string = value else { throw reject(shown(), r) }
            return value
        case .path(let extensions):
            guard case .string(let s) = value, !s.isEmpty else { throw reject(shown(), r) }
            if !extensions.isEmpty, !extensions.contains(where: { s.hasSuffix("." + $0) }) { throw reject(value.repr, r) }
            return value
        case .name:
            guard case .string(let s) = value, Lexer.isIdentifier(s), !Parser.keywords.contains(s) else { throw reject(value.repr, r) }
            return value
        case .choice(let choices):
            guard case .string(let s) = value else { throw reject(shown(), r) }
            if !choices.contains(s) {
                var e = reject("`\(s)`", r)
                e.message += Suggestions.didYouMean(s, among: choices)
                throw e
            }
            return value
        case .value:
            return value
        case .list(let element):
            guard case .list(let items) = value else { throw reject(shown(), r) }
            return .list(try items.map { try check($0, element, reject: reject, at: r) })
        }
    }

    /// `d.val` as ["d", "val"] when every part is a name; nil otherwise.
    static func dottedPath(_ text: String) -> [String]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy(Lexer.isIdentifier), !Parser.keywords.contains(parts[0]) else { return nil }
        return parts
    }
}
