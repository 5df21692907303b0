import Foundation

/// Runs a parsed template against variables. `{% set %}` inside a `for` body stays in that body
/// (Jinja's scoping), which is why templates that carry state across turns use `namespace()`.
struct JinjaEvaluator {
    private var scopes: [[String: JinjaValue]]
    private(set) var output = ""
    /// What `strftime_now()` formats (transformers gives templates the current local time).
    let now: Date

    init(variables: [String: JinjaValue], now: Date = Date()) {
        scopes = [variables]
        self.now = now
    }

    mutating func run(_ nodes: [JinjaNode]) throws(JinjaError) {
        for node in nodes {
            switch node {
            case .text(let t):
                output += t
            case .output(let e):
                output += try evaluate(e).text
            case .conditional(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition).isTrue {
                    try run(body)
                    taken = true
                    break
                }
                if !taken { try run(otherwise) }
            case .set(let name, let attribute, let value, let location):
                let v = try evaluate(value)
                if let attribute {
                    guard case .namespace(let ns) = lookup(name) else {
                        throw JinjaError(.runtime, "`set \(name).\(attribute)` needs `\(name)` to be a namespace()", at: location)
                    }
                    ns.set(attribute, v)
                } else {
                    scopes[scopes.count - 1][name] = v
                }
            case .forLoop(let targets, let iterable, let body, let location):
                let items: [JinjaValue]
                switch try evaluate(iterable) {
                case .list(let l): items = l
                case .dict(let d): items = d.map { .string($0.key) }
                case .string(let s): items = s.map { .string(String($0)) }
                case .undefined: items = []
                case let other: throw JinjaError(.runtime, "cannot loop over a \(other.typeName)", at: location)
                }
                for (i, item) in items.enumerated() {
                    var scope: [String: JinjaValue] = [:]
                    if targets.count == 1 {
                        scope[targets[0]] = item
                    } else {
                        guard case .list(let parts) = item, parts.count == targets.count else {
                            throw JinjaError(.runtime, "cannot unpack a \(item.typeName) into \(targets.count) loop variables", at: location)
                        }
                        for (t, p) in zip(targets, parts) { scope[t] = p }
                    }
                    scope["loop"] = .dict([("index0", .int(i)), ("index", .int(i + 1)), ("first", .bool(i == 0)),
                                           ("last", .bool(i == items.count - 1)), ("length", .int(items.count)),
                                           ("revindex", .int(items.count - i)), ("revindex0", .int(items.count - i - 1))])
                    scopes.append(scope)
                    defer { scopes.removeLast() }
                    try run(body)
                }
            }
        }
    }

    func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return JinjaBuiltins.functions.contains(name) ? .function(name) : .undefined
    }

    mutating func evaluate(_ e: JinjaExpression) throws(JinjaError) -> JinjaValue {
        switch e {
        case .literal(let v): return v
        case .variable(let name, _): return lookup(name)
        case .list(let items):
            var values: [JinjaValue] = []
            for item in items { values.append(try evaluate(item)) }
            return .list(values)
        case .dict(let entries):
            var values: [(key: String, value: JinjaValue)] = []
            for (k, v) in entries {
                let key = try evaluate(k)
                guard case .string(let s) = key else { throw JinjaError(.unsupported, "dict keys that are not strings", at: location(of: k)) }
                values.append((s, try evaluate(v)))
            }
            return .dict(values)
        case .attribute(let base, let name, _):
            return try evaluate(base)[name]
        case .index(let base, let key, let location):
            return try Self.subscriptValue(try evaluate(base), try evaluate(key), at: location)
        case .slice(let base, let start, let end, let step, let location):
            let value = try evaluate(base)
            let s = try start.map { (e) throws(JinjaError) in try evaluate(e) }
            let t = try end.map { (e) throws(JinjaError) in try evaluate(e) }
            let k = try step.map { (e) throws(JinjaError) in try evaluate(e) }
            return try Self.slice(value, s, t, k, at: location)
        case .call(let callee, let args, let kwargs, let location):
            return try call(callee, args, kwargs, at: location)
        case .filter(let base, let name, let args, let kwargs, let location):
            var values: [JinjaValue] = []
            for a in args { values.append(try evaluate(a)) }
            var keywords: [String: JinjaValue] = [:]
            for (k, v) in kwargs { keywords[k] = try evaluate(v) }
            return try JinjaBuiltins.filter(name, try evaluate(base), values, keywords, at: location)
        case .test(let base, let name, let negated, let location):
            let result = try JinjaBuiltins.test(name, try evaluate(base), at: location)
            return .bool(result != negated)
        case .not(let inner):
            return .bool(!(try evaluate(inner).isTrue))
        case .negate(let inner, let location):
            switch try evaluate(inner) {
            case .int(let i): return .int(-i)
            case .double(let d): return .double(-d)
            case let v: throw JinjaError(.runtime, "cannot negate a \(v.typeName)", at: location)
            }
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition).isTrue { return try evaluate(then) }
            return try otherwise.map { (e) throws(JinjaError) in try evaluate(e) } ?? .undefined
        case .binary(let op, let left, let right, let location):
            let l = try evaluate(left)
            switch op {
            case "and": return l.isTrue ? try evaluate(right) : l
            case "or": return l.isTrue ? l : try evaluate(right)
            default: return try JinjaBuiltins.binary(op, l, try evaluate(right), at: location)
            }
        }
    }

    func location(of e: JinjaExpression) -> JinjaLocation {
        switch e {
        case .variable(_, let l), .attribute(_, _, let l), .index(_, _, let l), .slice(_, _, _, _, let l), .call(_, _, _, let l),
             .filter(_, _, _, _, let l), .test(_, _, _, let l), .negate(_, let l), .binary(_, _, _, let l): l
        default: JinjaLocation(line: 1, column: 1)
        }
    }

    mutating func call(_ callee: JinjaExpression, _ args: [JinjaExpression], _ kwargs: [(String, JinjaExpression)],
                       at location: JinjaLocation) throws(JinjaError) -> JinjaValue {
        var values: [JinjaValue] = []
        for a in args { values.append(try evaluate(a)) }
        switch callee {
        case .variable("raise_exception", _):
            throw JinjaError(.raised, values.first?.text ?? "raise_exception() was called", at: location)
        case .variable("namespace", _):
            var entries: [(key: String, value: JinjaValue)] = []
            for (k, v) in kwargs { entries.append((k, try evaluate(v))) }
            return .namespace(JinjaNamespace(entries))
        case .attribute(let base, let method, let at):
            if !kwargs.isEmpty { throw JinjaError(.unsupported, "keyword arguments to `.\(method)()`", at: at) }
            return try JinjaBuiltins.method(method, on: try evaluate(base), values, at: at)
        case .variable("strftime_now", let at):
            if !kwargs.isEmpty { throw JinjaError(.unsupported, "keyword arguments to `strftime_now()`", at: at) }
            guard case .string(let format)? = values.first, values.count == 1 else {
                throw JinjaError(.runtime, "`strftime_now()` takes one format string", at: at)
            }
            return .string(try JinjaBuiltins.strftime(format, now, at: at))
        case .variable(let name, let at):
            throw JinjaError(.unsupported, "the function `\(name)()`", at: at)
        default:
            throw JinjaError(.unsupported, "calling this expression", at: location)
        }
    }

    static func subscriptValue(_ base: JinjaValue, _ key: JinjaValue, at location: JinjaLocation) throws(JinjaError) -> JinjaValue {
        switch (base, key) {
        case (.list(let l), .int(let i)):
            let k = i < 0 ? l.count + i : i
            return l.indices.contains(k) ? l[k] : .undefined
        case (.string(let s), .int(let i)):
            let chars = Array(s)
            let k = i < 0 ? chars.count + i : i
            return chars.indices.contains(k) ? .string(String(chars[k])) : .undefined
        case (.dict, .string(let k)), (.namespace, .string(let k)):
            return base[k]
        case (.undefined, _):
            throw JinjaError(.runtime, "cannot subscript an undefined value", at: location)
        default:
            return .undefined
        }
    }

    /// Python's `value[start:end:step]`: negative bounds count from the end, out-of-range bounds
    /// clamp, and a negative step walks backwards (`[::-1]` reverses).
    static func slice(_ value: JinjaValue, _ start: JinjaValue?, _ end: JinjaValue?, _ step: JinjaValue? = nil,
                      at location: JinjaLocation) throws(JinjaError) -> JinjaValue {
        func integer(_ v: JinjaValue?) throws(JinjaError) -> Int? {
            switch v {
            case nil, .none?: return nil
            case .int(let i)?: return i
            case let other?: throw JinjaError(.runtime, "a slice bound must be an integer, not a \(other.typeName)", at: location)
            }
        }
        func indices(_ count: Int) throws(JinjaError) -> [Int] {
            let k = try integer(step) ?? 1
            guard k != 0 else { throw JinjaError(.runtime, "a slice step cannot be zero", at: location) }
            func clamp(_ i: Int?, _ fallback: Int) -> Int {
                guard let i else { return fallback }
                let j = i < 0 ? count + i : i
                return k > 0 ? min(max(j, 0), count) : min(max(j, -1), count - 1)
            }
            let a = clamp(try integer(start), k > 0 ? 0 : count - 1), b = clamp(try integer(end), k > 0 ? count : -1)
            return Array(stride(from: a, to: b, by: k))
        }
        switch value {
        case .list(let l): return .list(try indices(l.count).map { l[$0] })
        case .string(let s):
            let chars = Array(s)
            return .string(String(try indices(chars.count).map { chars[$0] }))
        default: throw JinjaError(.runtime, "cannot slice a \(value.typeName)", at: location)
        }
    }
}
