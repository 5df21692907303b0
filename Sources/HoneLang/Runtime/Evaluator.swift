import HoneModels
/// Evaluates expressions. Expressions have no side effects (commands are not expressions), so
/// the checker can run the same code over literal values before anything executes.
struct Evaluator {
    /// The value of a variable; nil when it is not known yet (the checker's pass).
    var lookup: (String, SourceRange) throws -> Value?
    var limits: Session.Limits

    func evaluate(_ expr: Expr) throws -> Value? {
        switch expr {
        case .int(let v, _): return .int(v)
        case .float(let v, _): return .float(v)
        case .bool(let v, _): return .bool(v)
        case .none: return Value.none
        case .bare(let text, _): return .string(text)
        case .variable(let name, let r): return try lookup(name, r)
        case .string(let parts, let r):
            var out = ""
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .expression(let e):
                    guard let v = try evaluate(e) else { return nil }
                    out += v.description
                }
                if out.utf8.count > limits.maxStringBytes { throw tooLarge("string", at: r) }
            }
            return .string(out)
        case .list(let items, let r):
            if items.count > limits.maxListCount { throw tooLarge("list", at: r) }
            var values: [Value] = []
            for item in items {
                guard let v = try evaluate(item) else { return nil }
                values.append(v)
            }
            return .list(values)
        case .field(let base, let name, let r):
            guard let v = try evaluate(base) else { return nil }
            if let field = v.field(name) { return field }
            let names = v.fieldNames
            let what = names.isEmpty ? "\(article(v.typeName)) \(v.typeName), which has no fields" : "\(article(v.typeName)) \(v.typeName)"
            throw HoneError(.value, "no field `\(name)` on \(what)" + Suggestions.didYouMean(name, among: names), at: r,
                            hints: names.isEmpty ? [] : ["its fields: " + names.map { "`\($0)`" }.joined(separator: ", ")])
        case .unary(let op, let operand, let r):
            guard let v = try evaluate(operand) else { return nil }
            switch (op, v) {
            case (.negate, .int(let i)):
                let (negated, overflow) = (0).subtractingReportingOverflow(i)
                if overflow { throw HoneError(.value, "integer overflow in `-`", at: r) }
                return .int(negated)
            case (.negate, .float(let d)): return .float(-d)
            case (.not, .bool(let b)): return .bool(!b)
            default:
                throw HoneError(.type, "`\(op.rawValue)` needs \(op == .not ? "a bool" : "a number"), not \(v.typeName) \(v.repr)", at: r)
            }
        case .binary(let op, let lhs, let rhs, let r):
            return try binary(op, lhs, rhs, r)
        }
    }

    func article(_ word: String) -> String {
        guard let first = word.first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    func tooLarge(_ what: String, at r: SourceRange) -> HoneError {
        HoneError(.limit, "the \(what) is too large (over \(what == "list" ? "\(limits.maxListCount) items" : "\(limits.maxStringBytes) bytes"))", at: r)
    }

    /// `value`, unless its lists and records nest deeper than the limit.
    func limitingDepth(_ value: Value, at r: SourceRange) throws -> Value {
        if value.nests(deeperThan: limits.maxValueDepth) {
            throw HoneError(.limit, "the value nests too deeply (over \(limits.maxValueDepth) levels of lists and records)", at: r)
        }
        return value
    }

    func condition(_ e: Expr) throws -> Bool? {
        guard let v = try evaluate(e) else { return nil }
        guard case .bool(let b) = v else {
            throw HoneError(.type, "a condition must be `true` or `false`, not \(v.typeName) \(v.repr)", at: e.range,
                            hints: ["compare with `==`, `<`, `>`…, as in `x.loss < 2`"])
        }
        return b
    }

    func binary(_ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr, _ r: SourceRange) throws -> Value? {
        if op == .and || op == .or {
            guard let left = try condition(lhs) else { return nil }
            if op == .and && !left { return .bool(false) }
            if op == .or && left { return .bool(true) }
            return try condition(rhs).map(Value.bool)
        }
        guard let a = try evaluate(lhs), let b = try evaluate(rhs) else { return nil }
        if op == .equal { return .bool(a.isEqual(to: b)) }
        if op == .notEqual { return .bool(!a.isEqual(to: b)) }
        func mismatch() -> HoneError {
            var hints: [String] = []
            if op == .add, case .string = a { hints.append("to join text and values, interpolate: \"…$name…\" or \"…${expression}…\"") }
            return HoneError(.type, "cannot apply `\(op.rawValue)` to \(a.typeName) \(a.repr) and \(b.typeName) \(b.repr)", at: r, hints: hints)
        }
        if op.isComparison {
            switch (a, b) {
            case (.string(let x), .string(let y)): return .bool(compare(op, x < y, x == y))
            case (.int(let x), .int(let y)): return .bool(compare(op, x < y, x == y))
            default:
                guard let x = a.number, let y = b.number else { throw mismatch() }
                return .bool(compare(op, x < y, x == y))
            }
        }
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)):
            if x.utf8.count + y.utf8.count > limits.maxStringBytes { throw tooLarge("string", at: r) }
            return .string(x + y)
        case (.add, .list(let x), .list(let y)):
            if x.count + y.count > limits.maxListCount { throw tooLarge("list", at: r) }
            return .list(x + y)
        case (_, .int(let x), .int(let y)) where op != .divide:
            let (result, overflow): (Int, Bool)
            switch op {
            case .add: (result, overflow) = x.addingReportingOverflow(y)
            case .subtract: (result, overflow) = x.subtractingReportingOverflow(y)
            default: (result, overflow) = x.multipliedReportingOverflow(by: y)
            }
            if overflow { throw HoneError(.value, "integer overflow in `\(op.rawValue)`", at: r) }
            return .int(result)
        default:
            guard let x = a.number, let y = b.number else { throw mismatch() }
            switch op {
            case .add: return .float(x + y)
            case .subtract: return .float(x - y)
            case .multiply: return .float(x * y)
            default:
                if y == 0 { throw HoneError(.value, "division by zero", at: rhs.range) }
                return .float(x / y)
            }
        }
    }

    func compare(_ op: BinaryOperator, _ less: Bool, _ equal: Bool) -> Bool {
        switch op {
        case .less: return less
        case .lessOrEqual: return less || equal
        case .greater: return !less && !equal
        default: return !less
        }
    }
}

extension Value {
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    /// True when lists and records nest more than `limit` levels deep; looks no deeper than that.
    func nests(deeperThan limit: Int) -> Bool {
        switch self {
        case .list(let items): return limit <= 0 || items.contains { $0.nests(deeperThan: limit - 1) }
        case .record(let r): return limit <= 0 || r.fields.contains { $0.value.nests(deeperThan: limit - 1) }
        default: return false
        }
    }

    /// Structural equality; an int equals a float of the same value.
    public func isEqual(to other: Value) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.isEqual(to: $1) }
        case (.record(let a), .record(let b)):
            return a.typeName == b.typeName && a.fields.count == b.fields.count
                && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value.isEqual(to: $1.value) }
        case (.object(let a), .object(let b)): return a === b
        case (.int(let a), .int(let b)): return a == b
        default:
            if let x = number, let y = other.number { return x == y }
            return false
        }
    }
}
