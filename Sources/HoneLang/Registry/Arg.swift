import HoneTensor

/// A typed handle on one of a command's arguments. A command declares each argument once as a
/// static `Arg`, lists it in its spec, and reads it in `run` as `arguments[Self.alpha]`, already
/// converted and checked, with no string look-up or cast in the command's body.
public struct Arg<T: ArgumentValue>: Sendable {
    public let spec: ArgumentSpec

    public static func positional(
        _ name: String, _ type: ArgumentType, default value: Literal? = nil, required: Bool = true,
        variadic: Bool = false, help: String, suggestions: [String] = []
    ) -> Arg {
        Arg(spec: ArgumentSpec(name, role: .positional, type: type, default: value, required: required && value == nil, variadic: variadic,
                               help: help, suggestions: suggestions))
    }

    public static func option(_ name: String, _ type: ArgumentType, default value: Literal? = nil, required: Bool = false, help: String) -> Arg {
        Arg(spec: ArgumentSpec(name, role: .option, type: type, default: value, required: required, help: help))
    }

    public static func clause(_ keyword: String, _ type: ArgumentType, help: String) -> Arg {
        Arg(spec: ArgumentSpec(keyword, role: .clause, type: type, help: help))
    }
}

/// A Swift type an argument's value converts to.
public protocol ArgumentValue {
    init?(argumentValue: Value)
}

extension Int: ArgumentValue {
    public init?(argumentValue: Value) {
        guard case .int(let v) = argumentValue else { return nil }
        self = v
    }
}

extension Double: ArgumentValue {
    public init?(argumentValue: Value) {
        switch argumentValue {
        case .float(let v): self = v
        case .int(let v): self = Double(v)
        default: return nil
        }
    }
}

extension Bool: ArgumentValue {
    public init?(argumentValue: Value) {
        guard case .bool(let v) = argumentValue else { return nil }
        self = v
    }
}

extension String: ArgumentValue {
    public init?(argumentValue: Value) {
        guard case .string(let v) = argumentValue else { return nil }
        self = v
    }
}

extension Array: ArgumentValue where Element: ArgumentValue {
    public init?(argumentValue: Value) {
        guard case .list(let items) = argumentValue else { return nil }
        var out: [Element] = []
        for item in items {
            guard let v = Element(argumentValue: item) else { return nil }
            out.append(v)
        }
        self = out
    }
}

extension Value: ArgumentValue {
    public init?(argumentValue: Value) { self = argumentValue }
}

/// A command's arguments after binding: every argument with a value or a default is present,
/// converted to its declared type.
public struct BoundArguments {
    public private(set) var values: [String: Value] = [:]
    public private(set) var ranges: [String: SourceRange] = [:]

    public init() {}

    mutating func set(_ name: String, _ value: Value, at range: SourceRange?) {
        values[name] = value
        if let range { ranges[name] = range }
    }

    /// The value of an argument that is required or has a default.
    public subscript<T>(_ arg: Arg<T>) -> T {
        guard let value = optional(arg) else {
            preconditionFailure("argument `\(arg.spec.name)` has no value and no default; the binder should have refused the call")
        }
        return value
    }

    /// The value of an argument that may be absent.
    public func optional<T>(_ arg: Arg<T>) -> T? {
        guard let value = values[arg.spec.name] else { return nil }
        guard let converted = T(argumentValue: value) else {
            preconditionFailure("argument `\(arg.spec.name)` holds \(value.typeName), not \(T.self): its declared type and its Arg type disagree")
        }
        return converted
    }

    public func contains<T>(_ arg: Arg<T>) -> Bool { values[arg.spec.name] != nil }

    /// Where the argument was written, for errors about its value.
    public func range<T>(of arg: Arg<T>) -> SourceRange? { ranges[arg.spec.name] }
}

extension Arg {
    /// The `name=value` argument for a setting its library declares (`TrainingSettings.batchSetting`,
    /// `LoRASettings.rankSetting`, …): its name, values, default and help all come from there.
    public static func option(_ setting: SettingDeclaration) -> Arg {
        option(setting.name, ArgumentType(setting.values), default: setting.defaultValue.map(Literal.init), help: setting.documentation)
    }
}

extension ArgumentType {
    init(_ values: SettingDeclaration.Values) {
        switch values {
        case .int(let range): self = .int(range)
        case .float(let range): self = .float(range)
        case .bool: self = .bool
        case .choice(let choices): self = .choice(choices)
        case .word: self = .word
        case .words: self = .list(.word)
        case .strings: self = .list(.string)
        }
    }
}

extension Literal {
    init(_ value: SettingDeclaration.Default) {
        switch value {
        case .int(let v): self = .int(v)
        case .float(let v): self = .float(v)
        case .bool(let v): self = .bool(v)
        case .string(let v): self = .string(v)
        case .strings(let v): self = .strings(v)
        }
    }
}
