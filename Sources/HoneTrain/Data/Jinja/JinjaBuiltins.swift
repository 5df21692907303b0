import Foundation

/// The filters, tests, string/dict methods and operators of hone's Jinja subset. A name not here
/// is an `unsupported` error, so a template never renders differently from transformers without
/// saying so.
enum JinjaBuiltins {
    static let filters: Set<String> = ["trim", "upper", "lower", "string", "tojson", "length", "count", "first", "last", "default", "d",
                                       "join", "items", "select", "reject"]
    static let tests: Set<String> = ["defined", "undefined", "none", "string", "number", "mapping", "sequence", "iterable", "true", "false"]
    /// The tests with an argument, which hone takes only inside `select`/`reject` (`reject('equalto', x)`).
    static let comparisonTests: Set<String> = ["equalto", "eq", "==", "ne", "!="]
    /// The functions transformers defines for chat templates.
    static let functions: Set<String> = ["raise_exception", "namespace", "strftime_now"]

    static func filter(_ name: String, _ value: JinjaValue, _ args: [JinjaValue], _ keywords: [String: JinjaValue] = [:],
                       at location: JinjaLocation) throws(JinjaError) -> JinjaValue {
        switch name {
        case "trim": return .string(value.text.trimmingCharacters(in: .whitespacesAndNewlines))
        case "upper": return .string(value.text.uppercased())
        case "lower": return .string(value.text.lowercased())
        case "string": return .string(value.text)
        case "tojson":
            if !args.isEmpty { throw JinjaError(.unsupported, "`tojson` with positional arguments", at: location) }
            switch keywords["indent"] {
            case nil, .none?: return .string(value.json)
            case .int(let n)?: return .string(value.json(indent: n, depth: 0))
            case let other?: throw JinjaError(.unsupported, "`tojson(indent=…)` with a \(other.typeName)", at: location)
            }
        case "join":
            guard case .list(let items) = value else { throw JinjaError(.runtime, "`join` needs a list, not a \(value.typeName)", at: location) }
            return .string(items.map(\.text).joined(separator: args.first?.text ?? ""))
        case "items":
            switch value {
            case .dict(let d): return .list(d.map { .list([.string($0.key), $0.value]) })
            case .namespace(let ns): return .list(ns.values.map { .list([.string($0.key), $0.value]) })
            case .undefined: return .list([])
            default: throw JinjaError(.runtime, "`items` needs a dict, not a \(value.typeName)", at: location)
            }
        case "select", "reject":
            let items: [JinjaValue]
            switch value {
            case .list(let l): items = l
            case .undefined: items = []
            default: throw JinjaError(.runtime, "`\(name)` needs a list, not a \(value.typeName)", at: location)
            }
            let testName = args.first?.text ?? ""
            var kept: [JinjaValue] = []
            for item in items {
                let passes: Bool
                if comparisonTests.contains(testName) {
                    let equal = JinjaValue.equal(item, args.count > 1 ? args[1] : .undefined)
                    passes = ["ne", "!="].contains(testName) ? !equal : equal
                } else {
                    passes = try test(testName, item, at: location)
                }
                if passes == (name == "select") { kept.append(item) }
            }
            return .list(kept)
        case "length", "count":
            switch value {
            case .string(let s): return .int(s.count)
            case .list(let l): return .int(l.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            default: throw JinjaError(.runtime, "a \(value.typeName) has no length", at: location)
            }
        case "first", "last":
            switch value {
            case .list(let l): return (name == "first" ? l.first : l.last) ?? .undefined
            case .string(let s): return (name == "first" ? s.first : s.last).map { .string(String($0)) } ?? .undefined
            default: throw JinjaError(.runtime, "`\(name)` needs a list or string, not a \(value.typeName)", at: location)
            }
        case "default", "d":
            if case .undefined = value { return args.first ?? .string("") }
            return value
        default:
            throw JinjaError(.unsupported, "the filter `\(name)`", at: location)
        }
    }

    static func test(_ name: String, _ value: JinjaValue, at location: JinjaLocation) throws(JinjaError) -> Bool {
        switch name {
        case "defined": if case .undefined = value { return false } else { return true }
        case "undefined": if case .undefined = value { return true } else { return false }
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "number":
            switch value { case .int, .double: return true; default: return false }
        case "mapping":
            switch value { case .dict, .namespace: return true; default: return false }
        case "sequence", "iterable":
            switch value { case .list, .string, .dict: return true; default: return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        default:
            throw JinjaError(.unsupported, "the test `is \(name)`", at: location)
        }
    }

    static func method(_ name: String, on value: JinjaValue, _ args: [JinjaValue], at location: JinjaLocation) throws(JinjaError) -> JinjaValue {
        switch value {
        case .string(let s):
            func chars() -> Set<Character>? { args.first.map { Set($0.text) } }
            switch name {
            case "strip", "lstrip", "rstrip":
                let set = chars()
                let strip: (Character) -> Bool = { set?.contains($0) ?? $0.isWhitespace }
                var t = Substring(s)
                if name != "rstrip" { t = t.drop(while: strip) }
                if name != "lstrip" { while let last = t.last, strip(last) { t = t.dropLast() } }
                return .string(String(t))
            case "upper": return .string(s.uppercased())
            case "lower": return .string(s.lowercased())
            case "startswith": return .bool(s.hasPrefix(args.first?.text ?? ""))
            case "endswith": return .bool(s.hasSuffix(args.first?.text ?? ""))
            case "split":
                // Python's str.split: with a separator, every occurrence cuts (empty parts kept);
                // without one, runs of whitespace cut and empty parts are dropped.
                if case .string(let separator)? = args.first {
                    guard !separator.isEmpty else { throw JinjaError(.runtime, "`split` with an empty separator", at: location) }
                    return .list(s.components(separatedBy: separator).map { .string($0) })
                }
                return .list(s.split(whereSeparator: \.isWhitespace).map { .string(String($0)) })
            case "replace":
                guard args.count == 2, case .string(let old) = args[0], case .string(let new) = args[1] else {
                    throw JinjaError(.unsupported, "`replace` other than `.replace(old, new)` with two strings", at: location)
                }
                return .string(old.isEmpty ? s : s.replacingOccurrences(of: old, with: new))
            default: break
            }
        case .dict(let d):
            switch name {
            case "items": return .list(d.map { .list([.string($0.key), $0.value]) })
            case "keys": return .list(d.map { .string($0.key) })
            case "values": return .list(d.map(\.value))
            case "get":
                let v = value[args.first?.text ?? ""]
                if case .undefined = v { return args.count > 1 ? args[1] : .none }
                return v
            default: break
            }
        default: break
        }
        throw JinjaError(.unsupported, "the method `.\(name)()` on a \(value.typeName)", at: location)
    }

    static func binary(_ op: String, _ l: JinjaValue, _ r: JinjaValue, at location: JinjaLocation) throws(JinjaError) -> JinjaValue {
        func fail() -> JinjaError { JinjaError(.runtime, "cannot apply `\(op)` to a \(l.typeName) and a \(r.typeName)", at: location) }
        func numbers() -> (Double, Double)? {
            switch (l, r) {
            case (.int(let a), .int(let b)): (Double(a), Double(b))
            case (.int(let a), .double(let b)): (Double(a), b)
            case (.double(let a), .int(let b)): (a, Double(b))
            case (.double(let a), .double(let b)): (a, b)
            default: nil
            }
        }
        switch op {
        case "==": return .bool(JinjaValue.equal(l, r))
        case "!=": return .bool(!JinjaValue.equal(l, r))
        case "~": return .string(l.text + r.text)
        case "in":
            switch r {
            case .string(let s): return .bool(s.contains(l.text))
            case .list(let items): return .bool(items.contains { JinjaValue.equal($0, l) })
            case .dict(let d): return .bool(d.contains { $0.key == l.text })
            case .undefined: return .bool(false)
            default: throw fail()
            }
        case "<", ">", "<=", ">=":
            let order: Int
            if case .string(let a) = l, case .string(let b) = r {
                order = a < b ? -1 : a == b ? 0 : 1
            } else if let (a, b) = numbers() {
                order = a < b ? -1 : a == b ? 0 : 1
            } else {
                throw fail()
            }
            switch op {
            case "<": return .bool(order < 0)
            case ">": return .bool(order > 0)
            case "<=": return .bool(order <= 0)
            default: return .bool(order >= 0)
            }
        case "+":
            switch (l, r) {
            case (.int(let a), .int(let b)): return .int(a &+ b)
            case (.string(let a), .string(let b)): return .string(a + b)
            case (.list(let a), .list(let b)): return .list(a + b)
            default: if let (a, b) = numbers() { return .double(a + b) }
            }
            throw fail()
        case "-":
            if case .int(let a) = l, case .int(let b) = r { return .int(a &- b) }
            if let (a, b) = numbers() { return .double(a - b) }
            throw fail()
        case "*":
            switch (l, r) {
            case (.int(let a), .int(let b)): return .int(a &* b)
            case (.string(let s), .int(let n)), (.int(let n), .string(let s)): return .string(String(repeating: s, count: max(0, n)))
            default: if let (a, b) = numbers() { return .double(a * b) }
            }
            throw fail()
        case "/":
            guard let (a, b) = numbers() else { throw fail() }
            guard b != 0 else { throw JinjaError(.runtime, "division by zero", at: location) }
            return .double(a / b)
        case "//", "%":
            guard case .int(let a) = l, case .int(let b) = r else {
                if case .string = l, op == "%" { throw JinjaError(.unsupported, "`%` string formatting", at: location) }
                throw fail()
            }
            guard b != 0 else { throw JinjaError(.runtime, "division by zero", at: location) }
            // Python's floor division and modulo: the remainder takes the divisor's sign.
            var q = a / b
            if (a % b != 0) && ((a < 0) != (b < 0)) { q -= 1 }
            return .int(op == "//" ? q : a - q * b)
        default:
            throw JinjaError(.unsupported, "the operator `\(op)`", at: location)
        }
    }
}

extension JinjaBuiltins {
    /// `strftime_now(format)`: `date` in the local time zone, for the directives chat templates use
    /// (%d %m %Y %y %b %B %a %A %H %I %M %S %p %j %e %%); another directive is refused.
    static func strftime(_ format: String, _ date: Date, at location: JinjaLocation) throws(JinjaError) -> String {
        let calendar = Calendar(identifier: .gregorian)
        let c = calendar.dateComponents(in: TimeZone.current, from: date)
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        var out = "", chars = Array(format), i = 0
        while i < chars.count {
            guard chars[i] == "%", i + 1 < chars.count else { out.append(chars[i]); i += 1; continue }
            let month = months[(c.month ?? 1) - 1], day = days[(c.weekday ?? 1) - 1], hour = c.hour ?? 0
            switch chars[i + 1] {
            case "d": out += two(c.day)
            case "e": out += String(format: "%2d", c.day ?? 0)
            case "m": out += two(c.month)
            case "Y": out += String(c.year ?? 0)
            case "y": out += two((c.year ?? 0) % 100)
            case "b": out += String(month.prefix(3))
            case "B": out += month
            case "a": out += String(day.prefix(3))
            case "A": out += day
            case "H": out += two(hour)
            case "I": out += two(hour % 12 == 0 ? 12 : hour % 12)
            case "M": out += two(c.minute)
            case "S": out += two(c.second)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "j": out += String(format: "%03d", calendar.ordinality(of: .day, in: .year, for: date) ?? 0)
            case "%": out += "%"
            case let other: throw JinjaError(.unsupported, "the `strftime_now` directive `%\(other)`", at: location)
            }
            i += 2
        }
        return out
    }
}
