/// A value while a template renders. Dicts keep their insertion order (as Python's do), so
/// `tojson` writes keys in the order the template or the messages gave them.
public enum JinjaValue: Sendable {
    /// A missing variable, key or attribute: prints as "", is false, fails in arithmetic.
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JinjaValue])
    case dict([(key: String, value: JinjaValue)])
    /// `namespace(…)`: the one mutable object, so `{% set ns.x = … %}` survives a loop.
    case namespace(JinjaNamespace)
    /// One of the functions transformers gives templates (`raise_exception`, `strftime_now`,
    /// `namespace`), so that `strftime_now is defined` holds as it does there.
    case function(String)

    public var isTrue: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .list(let l): !l.isEmpty
        case .dict(let d): !d.isEmpty
        case .namespace, .function: true
        }
    }

    /// The text `{{ value }}` prints, as Python's `str` would.
    public var text: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .double(let d): d == d.rounded() && abs(d) < 1e16 ? String(format: "%.1f", d) : String(d)
        case .string(let s): s
        case .list(let l): "[" + l.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .dict(let d): "{" + d.map { "'\($0.key)': \($0.value.pythonRepr)" }.joined(separator: ", ") + "}"
        case .namespace: "<Namespace>"
        case .function(let name): "<function \(name)>"
        }
    }

    var pythonRepr: String {
        if case .string(let s) = self { return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }
        return text
    }

    var typeName: String {
        switch self {
        case .undefined: "undefined"
        case .none: "none"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .list: "list"
        case .dict: "dict"
        case .namespace: "namespace"
        case .function: "function"
        }
    }

    /// `tojson`: JSON with Python's `json.dumps` spacing (`", "` and `": "`), non-ASCII kept.
    var json: String { json(indent: nil, depth: 0) }

    /// Python's `json.dumps(value, indent=indent)`: with an indent, each item on its own line,
    /// `","` without a trailing space, and empty lists and dicts as `[]` and `{}`.
    func json(indent: Int?, depth: Int) -> String {
        func container(_ open: String, _ close: String, _ items: [String]) -> String {
            guard let indent, !items.isEmpty else { return open + items.joined(separator: ", ") + close }
            let inner = "\n" + String(repeating: " ", count: indent * (depth + 1))
            return open + inner + items.joined(separator: "," + inner) + "\n" + String(repeating: " ", count: indent * depth) + close
        }
        switch self {
        case .undefined, .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        case .list(let l): return container("[", "]", l.map { $0.json(indent: indent, depth: depth + 1) })
        case .dict(let d):
            return container("{", "}", d.map { JinjaValue.string($0.key).json + ": " + $0.value.json(indent: indent, depth: depth + 1) })
        case .namespace(let ns): return JinjaValue.dict(ns.values).json(indent: indent, depth: depth)
        case .function: return "null"
        }
    }

    static func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Double(x) == y
        case (.double(let x), .double(let y)): x == y
        case (.bool(let x), .int(let y)), (.int(let y), .bool(let x)): (x ? 1 : 0) == y
        case (.string(let x), .string(let y)): x == y
        case (.list(let x), .list(let y)): x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.dict(let x), .dict(let y)):
            x.count == y.count && x.allSatisfy { entry in y.contains { $0.key == entry.key && equal($0.value, entry.value) } }
        case (.namespace(let x), .namespace(let y)): x === y
        case (.function(let x), .function(let y)): x == y
        default: false
        }
    }

    subscript(key: String) -> JinjaValue {
        switch self {
        case .dict(let d): d.first { $0.key == key }?.value ?? .undefined
        case .namespace(let ns): ns.values.first { $0.key == key }?.value ?? .undefined
        default: .undefined
        }
    }
}

/// The state of a `namespace()`.
public final class JinjaNamespace: @unchecked Sendable {
    var values: [(key: String, value: JinjaValue)]
    init(_ values: [(key: String, value: JinjaValue)]) { self.values = values }

    func set(_ key: String, _ value: JinjaValue) {
        if let i = values.firstIndex(where: { $0.key == key }) { values[i].value = value } else { values.append((key, value)) }
    }
}
