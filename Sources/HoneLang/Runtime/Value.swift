import Foundation

/// A value of the hone language. Every command returns one, `let` keeps it, `print` shows it.
public enum Value: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([Value])
    case record(Record)
    case object(any SessionObject)

    public var typeName: String {
        switch self {
        case .none: return "none"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .list: return "list"
        case .record(let r): return r.typeName
        case .object(let o): return o.typeName
        }
    }

    /// The field `name`, for `x.loss`.
    public func field(_ name: String) -> Value? {
        switch self {
        case .record(let r): return r[name]
        case .object(let o): return o.field(name)
        case .list(let items) where name == "count": return .int(items.count)
        case .list(let items) where name == "first": return items.first ?? Value.none
        case .list(let items) where name == "last": return items.last ?? Value.none
        case .list(let items) where name == "min" || name == "max":
            // Of numbers only: a curve's lowest or highest point (`run.val_losses.min`).
            let numbers = items.compactMap { item -> Double? in
                switch item {
                case .int(let i): Double(i)
                case .float(let f): f
                default: nil
                }
            }
            guard !numbers.isEmpty, numbers.count == items.count else { return Value.none }
            return .float(name == "min" ? numbers.min()! : numbers.max()!)
        case .string(let s) where name == "count": return .int(s.count)
        default: return nil
        }
    }

    public var fieldNames: [String] {
        switch self {
        case .record(let r): return r.fields.map(\.name)
        case .object(let o): return o.fieldNames
        case .list: return ["count", "first", "last", "min", "max"]
        case .string: return ["count"]
        default: return []
        }
    }

    public var isTruthy: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

extension Value: CustomStringConvertible {
    /// How `print` shows a value: strings as they are, everything else as `repr`.
    public var description: String {
        switch self {
        case .string(let s): return s
        default: return repr
        }
    }

    /// How a value is shown inside lists and records and at the REPL: strings quoted.
    public var repr: String {
        switch self {
        case .none: return "none"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d): return Value.format(d)
        case .string(let s): return Value.quote(s)
        case .list(let items): return "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .record(let r): return r.repr
        case .object(let o): return o.summary
        }
    }

    /// Shortest round-tripping form, always with a `.` or exponent so a float reads as one.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var s = "\(d)"
        if s.hasSuffix(".0") && abs(d) >= 1e16 { s = String(s.dropLast(2)) }
        return s
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "$": out += "\\$"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

/// A value with named fields: the result of `time`, `set`, and later of `train` or `eval`.
public struct Record: Sendable {
    public var typeName: String
    public var fields: [(name: String, value: Value)]

    public init(_ typeName: String, _ fields: [(String, Value)]) {
        self.typeName = typeName
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public subscript(name: String) -> Value? { fields.first { $0.name == name }?.value }

    public var repr: String {
        "\(typeName) {" + fields.map { "\($0.name): \($0.value.repr)" }.joined(separator: ", ") + "}"
    }
}

/// A model, data set, adapter or run kept in the session. Later modules conform their types.
public protocol SessionObject: AnyObject, Sendable {
    var typeName: String { get }
    /// One line shown by `print` and `show vars`.
    var summary: String { get }
    var fieldNames: [String] { get }
    func field(_ name: String) -> Value?
}
