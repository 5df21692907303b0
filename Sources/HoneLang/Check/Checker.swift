import HoneModels
/// Checks a whole parsed source before its first statement runs, so that a typo on line 9 never
/// wastes the training run started on line 3: unknown commands and arguments, missing values,
/// literal values of the wrong type or out of range, and variables never defined.
struct Checker {
    let registry: CommandRegistry
    let limits: Session.Limits
    /// Names defined so far: the session's variables, then each `let` and loop variable in order.
    var defined: Set<String>
    /// Set after a call whose definitions cannot be known (a `run` of a computed path): from
    /// there on, unknown variables are left for the run to report.
    var definesUnknown = false
    var errors: [HoneError] = []

    init(session: Session) {
        registry = session.registry
        limits = session.limits
        defined = Set(session.variableNames).union(["_"])
    }

    mutating func check(_ statements: [Statement]) {
        for statement in statements { check(statement) }
    }

    mutating func check(_ statement: Statement) {
        do {
            switch statement {
            case .command(let call):
                try check(call)
            case .letCommand(let name, _, let call, _):
                try check(call)
                defined.insert(name)
            case .letExpression(let name, _, let e, _):
                try check(e)
                defined.insert(name)
            case .expression(let e):
                if case .variable(let name, let r) = e, !defined.contains(name), !definesUnknown {
                    let candidates = registry.firstWords + ["let", "for", "if"] + defined.sorted().filter { $0 != "_" }
                    throw HoneError(.unknownCommand, "unknown command or variable `\(name)`" + Suggestions.didYouMean(name, among: candidates),
                                    at: r, hints: ["`help` lists the commands; `show vars` lists the variables"])
                }
                try check(e)
            case .forLoop(let variable, _, let sequence, let body, _):
                try check(sequence)
                defined.insert(variable)
                check(body)
            case .ifElse(let condition, let then, let otherwise, _):
                try check(condition)
                check(then)
                if let otherwise { check(otherwise) }
            case .block(let body, _):
                check(body)
            }
        } catch let error as HoneError {
            errors.append(error)
        } catch {
            preconditionFailure("the checker throws only HoneError")
        }
    }

    var evaluator: Evaluator {
        Evaluator(lookup: { [defined, definesUnknown] name, r in
            if !defined.contains(name) && !definesUnknown { throw Checker.undefined(name, at: r, defined: defined) }
            return nil
        }, limits: limits)
    }

    static func undefined(_ name: String, at r: SourceRange, defined: Set<String>) -> HoneError {
        HoneError(.undefinedVariable, "unknown variable `\(name)`" + Suggestions.didYouMean(name, among: defined.sorted().filter { $0 != "_" }), at: r,
                  hints: ["define it first with `let \(name) = …`; a word that means itself needs quotes here: \"\(name)\""])
    }

    /// Walks an expression for undefined variables and evaluates what is literal.
    func check(_ e: Expr) throws {
        _ = try evaluator.evaluate(e)
    }

    mutating func check(_ call: CommandCall) throws {
        let spec = call.spec
        for match in try Binder.match(call) {
            guard let value = match.value else { continue }
            if spec.syntax == .expressions {
                try check(value)
                continue
            }
            let evaluator = self.evaluator
            _ = try Binder.convert(value, to: match.spec.type, for: match.spec, command: spec.name) { e in
                try evaluator.evaluate(e)
            }
        }
        if let nested = call.nested { try check(nested.value) }
        if let names = call.command.variablesDefined(by: call) {
            defined.formUnion(names)
        } else {
            definesUnknown = true
        }
    }

    /// Every name a script assigns with `let` or a loop, anywhere in it.
    static func assignedNames(in statements: [Statement]) -> Set<String> {
        var names = Set<String>()
        for statement in statements {
            switch statement {
            case .letCommand(let name, _, _, _), .letExpression(let name, _, _, _): names.insert(name)
            case .forLoop(let variable, _, _, let body, _):
                names.insert(variable)
                names.formUnion(assignedNames(in: body))
            case .ifElse(_, let then, let otherwise, _):
                names.formUnion(assignedNames(in: then))
                names.formUnion(assignedNames(in: otherwise ?? []))
            case .block(let body, _): names.formUnion(assignedNames(in: body))
            case .command, .expression: break
            }
        }
        return names
    }
}
