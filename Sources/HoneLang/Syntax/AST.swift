/// An expression. Every node carries its source range, so any error can point at it.
public indirect enum Expr: Sendable {
    case int(Int, SourceRange)
    case float(Double, SourceRange)
    case bool(Bool, SourceRange)
    case none(SourceRange)
    case string([StringPart], SourceRange)
    /// A name read as a variable: an identifier in expression mode, or `$name`.
    case variable(String, SourceRange)
    /// Bare text from argument mode; its meaning depends on the argument's type.
    case bare(String, SourceRange)
    case list([Expr], SourceRange)
    case field(Expr, String, SourceRange)
    case unary(UnaryOperator, Expr, SourceRange)
    case binary(BinaryOperator, Expr, Expr, SourceRange)

    public var range: SourceRange {
        switch self {
        case .int(_, let r), .float(_, let r), .bool(_, let r), .none(let r), .string(_, let r),
            .variable(_, let r), .bare(_, let r), .list(_, let r), .field(_, _, let r),
            .unary(_, _, let r), .binary(_, _, _, let r):
            return r
        }
    }

    /// True when the value is written out in the source, so it can be checked before running.
    public var isLiteral: Bool {
        switch self {
        case .int, .float, .bool, .none, .bare: return true
        case .string(let parts, _): return parts.allSatisfy { if case .text = $0 { true } else { false } }
        case .list(let items, _): return items.allSatisfy(\.isLiteral)
        case .unary(.negate, let e, _): return e.isLiteral
        default: return false
        }
    }
}

public enum StringPart: Sendable {
    case text(String)
    case expression(Expr)
}

public enum UnaryOperator: String, Sendable { case negate = "-", not = "not" }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "and", or = "or"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }
}

/// One argument as written: positional, `key=value`, or a clause such as `as NAME`.
public struct ArgumentSyntax: Sendable {
    public enum Label: Sendable {
        case positional
        case key(String, SourceRange)
        case clause(String, SourceRange)
    }
    public var label: Label
    public var value: Expr

    public var range: SourceRange {
        switch label {
        case .positional: return value.range
        case .key(_, let r), .clause(_, let r): return r.to(value.range)
        }
    }
}

/// A command call: `lora r=16 alpha=32`, `load model x as base`, `time train`.
public struct CommandCall: Sendable {
    public var command: any Command.Type
    public var nameRange: SourceRange
    public var arguments: [ArgumentSyntax]
    /// The command given to a command that takes one (`time COMMAND`).
    public var nested: Box<CommandCall>?
    public var range: SourceRange

    public var spec: CommandSpec { command.spec }
}

/// A reference cell, so that `CommandCall` can hold a nested call.
public final class Box<T: Sendable>: Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

public indirect enum Statement: Sendable {
    case command(CommandCall)
    case letCommand(name: String, nameRange: SourceRange, CommandCall, SourceRange)
    case letExpression(name: String, nameRange: SourceRange, Expr, SourceRange)
    /// An expression on its own, whose value the REPL shows.
    case expression(Expr)
    case forLoop(variable: String, variableRange: SourceRange, sequence: Expr, body: [Statement], SourceRange)
    case ifElse(condition: Expr, then: [Statement], otherwise: [Statement]?, SourceRange)
    case block([Statement], SourceRange)

    public var range: SourceRange {
        switch self {
        case .command(let c): return c.range
        case .letCommand(_, _, _, let r), .letExpression(_, _, _, let r), .forLoop(_, _, _, _, let r),
            .ifElse(_, _, _, let r), .block(_, let r):
            return r
        case .expression(let e): return e.range
        }
    }
}
