import Foundation

/// Several errors found in one source before it ran (parse and check errors).
public struct HoneErrorList: Error, Sendable {
    public var errors: [HoneError]
    /// True when the text ends inside a block, string or continued line.
    public var needsMoreInput: Bool
}

/// Runs hone source in a session: parse the whole source, check it, then execute it statement
/// by statement, keeping `_` as the last result.
public final class Interpreter {
    public let session: Session
    private var statementsRun = 0

    public init(session: Session) {
        self.session = session
    }

    /// Parses and checks `source`; throws `HoneErrorList` and runs nothing when either fails.
    public func prepare(_ source: SourceFile) throws -> [Statement] {
        let parsed = Parser.parse(source, registry: session.registry)
        if !parsed.errors.isEmpty {
            throw HoneErrorList(errors: parsed.errors, needsMoreInput: parsed.needsMoreInput)
        }
        var checker = Checker(session: session)
        checker.check(parsed.statements)
        if !checker.errors.isEmpty { throw HoneErrorList(errors: checker.errors, needsMoreInput: false) }
        return parsed.statements
    }

    /// Prepares and runs a whole source, returning the last result.
    @discardableResult
    public func run(_ source: SourceFile) throws -> Value {
        try execute(try prepare(source))
        return session.lastResult
    }

    public func execute(_ statements: [Statement]) throws {
        for statement in statements { try execute(statement) }
    }

    func checkpoint(_ range: SourceRange) throws {
        if session.interrupt.consume() { throw HoneError(.interrupted, "interrupted; the session is kept", at: range) }
        statementsRun += 1
        if statementsRun > session.limits.maxStatements {
            throw HoneError(.limit, "stopped after \(session.limits.maxStatements) statements", at: range)
        }
    }

    public func execute(_ statement: Statement) throws {
        try checkpoint(statement.range)
        switch statement {
        case .command(let call):
            session.lastResult = try run(call)
        case .letCommand(let name, _, let call, _):
            let value = try run(call)
            session.setVariable(name, value)
            session.lastResult = value
        case .letExpression(let name, _, let e, _):
            session.setVariable(name, try evaluate(e))
        case .expression(let e):
            let value = try evaluate(e)
            session.output.result(value.repr)
            session.lastResult = value
        case .forLoop(let variable, _, let sequence, let body, _):
            let value = try evaluate(sequence)
            guard case .list(let items) = value else {
                throw HoneError(.type, "`for` loops over a list, not \(value.typeName) \(value.repr)", at: sequence.range,
                                hints: ["write the values in brackets: `for r in [4, 8, 16] { … }`"])
            }
            for item in items {
                try checkpoint(statement.range)
                session.setVariable(variable, item)
                try execute(body)
            }
        case .ifElse(let condition, let then, let otherwise, _):
            if try evaluator.condition(condition) ?? false {
                try execute(then)
            } else if let otherwise {
                try execute(otherwise)
            }
        case .block(let body, _):
            try execute(body)
        }
    }

    var evaluator: Evaluator {
        Evaluator(lookup: { [session] name, r in
            if let v = session.variable(name) { return v }
            throw Checker.undefined(name, at: r, defined: Set(session.variableNames))
        }, limits: session.limits)
    }

    public func evaluate(_ expr: Expr) throws -> Value {
        guard let v = try evaluator.evaluate(expr) else { preconditionFailure("every variable is known while running") }
        return try evaluator.limitingDepth(v, at: expr.range)
    }

    /// Binds a call's arguments with their values and runs the command.
    public func run(_ call: CommandCall) throws -> Value {
        let spec = call.spec
        var bound = BoundArguments()
        for match in try Binder.match(call) {
            if let expr = match.value {
                if spec.syntax == .expressions, case .list(let items, _) = expr, match.spec.isVariadic {
                    bound.set(match.spec.name, .list(try items.map(evaluate)), at: match.range)
                    continue
                }
                let value = try Binder.convert(expr, to: match.spec.type, for: match.spec, command: spec.name) { try self.evaluate($0) }
                bound.set(match.spec.name, value!, at: match.range)
            } else if let defaultValue = match.spec.defaultValue {
                bound.set(match.spec.name, defaultValue.value, at: nil)
            }
        }
        let context = CommandContext(session: session, interpreter: self, call: call)
        // The thread counts are the process's, the option the session's: another session may
        // have changed them since this one last ran a command.
        session.applyThreads()
        do {
            return try evaluator.limitingDepth(try session.registry.run(call.command, bound, in: context), at: call.range)
        } catch let error as HoneError {
            throw error.located(at: call.range)
        } catch let error as HoneErrorList {
            throw error
        } catch let exit as ExitRequest {
            throw exit
        } catch {
            throw HoneError(.failed, "`\(spec.name)` failed", at: call.range, cause: String(describing: error))
        }
    }

    /// Runs a script file in this session, as `run FILE` does.
    public func runFile(at path: String, from call: CommandCall?) throws -> Value {
        if session.includeStack.count >= session.limits.maxIncludeDepth || session.includeStack.contains(path) {
            throw HoneError(.limit, "`\(path)` is already being run; a script cannot include itself", at: call?.range)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw HoneError(.io, "cannot read `\(path)`: \(Interpreter.describe(error))", at: call?.range)
        }
        session.includeStack.append(path)
        defer { session.includeStack.removeLast() }
        let source = SourceFile(name: path, text: text)
        do {
            return try run(source)
        } catch var error as HoneError {
            if let call { error.notes.append(HoneError.Note("in the script run here", at: call.range)) }
            throw error
        } catch var list as HoneErrorList {
            if let call { list.errors = list.errors.map { var e = $0; e.notes.append(HoneError.Note("in the script run here", at: call.range)); return e } }
            throw list
        }
    }

    static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue)).lowercased()
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission: return "permission denied"
            case .fileReadInapplicableStringEncoding: return "the file is not UTF-8 text"
            default: break
            }
        }
        return error.localizedDescription
    }
}
