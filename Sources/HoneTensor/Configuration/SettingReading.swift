/// A declared setting paired with how a configuration records its value, written beside the
/// declarations so that whatever reads a configuration back by setting (`runs diff`) names each
/// one as the language writes it and misses none that is declared. The value is the
/// declaration's own kind (`SettingDeclaration.Default` serves as a typed value); nil means the
/// configuration leaves it unset (`steps` when `epochs` decides).
public struct SettingReading<Root>: Sendable {
    public let declaration: SettingDeclaration
    public let read: @Sendable (Root) -> SettingDeclaration.Default?

    public init(_ declaration: SettingDeclaration, _ read: @escaping @Sendable (Root) -> SettingDeclaration.Default?) {
        self.declaration = declaration
        self.read = read
    }

    public var name: String { declaration.name }
}

extension SettingDeclaration.Default: CustomStringConvertible {
    /// The value as one would write it after `name=`: `8`, `0.003`, `true`, `q_proj,v_proj`.
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .float(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case .bool(let v): String(v)
        case .string(let v): v
        case .strings(let v): v.joined(separator: ",")
        }
    }
}
