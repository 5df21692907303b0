// Reads `config.json` key by key and accounts for every key: each is read by hone, listed as
// harmless for the family, accepted only at transformers' default, or refused by name with its
// value. A setting that changes the numbers is never skipped.
import Foundation

/// A `config.json` object being read, remembering which keys were consumed.
public struct ConfigReader {
    public let path: String
    public let json: [String: Any]
    private(set) var consumed: Set<String> = []

    public init(path: String, json: [String: Any]) {
        self.path = path
        self.json = json
    }

    /// Whether `key` is present with a non-null value.
    public func isSet(_ key: String) -> Bool {
        guard let value = json[key] else { return false }
        return !(value is NSNull)
    }

    /// The raw value of `key`, marked as read; nil when absent or null.
    public mutating func value(_ key: String) -> Any? {
        consumed.insert(key)
        guard let value = json[key], !(value is NSNull) else { return nil }
        return value
    }

    func error(_ message: String) -> CheckpointError { CheckpointError(file: path, message) }

    public mutating func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        return try Self.int(value, key: key, path: path)
    }

    public mutating func int(_ key: String, default fallback: Int) throws -> Int { try int(key) ?? fallback }

    public mutating func requiredInt(_ key: String, kind: String) throws -> Int {
        guard let value = try int(key) else { throw error("has no `\(key)`, which a \(kind) configuration needs") }
        return value
    }

    public mutating func double(_ key: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        return try Self.double(value, key: key, path: path)
    }

    public mutating func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value as? Bool, Self.isBool(value) else {
            throw error("`\(key)` is \(Self.describe(value)), expected true or false")
        }
        return flag
    }

    public mutating func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value as? String else { throw error("`\(key)` is \(Self.describe(value)), expected a string") }
        return text
    }

    public mutating func list(_ key: String) throws -> [Any]? {
        guard let value = value(key) else { return nil }
        guard let items = value as? [Any] else { throw error("`\(key)` is \(Self.describe(value)), expected a list") }
        return items
    }

    public mutating func object(_ key: String) throws -> [String: Any]? {
        guard let value = value(key) else { return nil }
        guard let object = value as? [String: Any] else { throw error("`\(key)` is \(Self.describe(value)), expected an object") }
        return object
    }

    /// Marks keys as read without reading them (they were read another way).
    public mutating func consume(_ keys: [String]) { consumed.formUnion(keys) }

    /// Throws for every key not read, not harmless and not at the default the family gives it.
    /// Keys hone does not know are accepted only when null.
    func finish(harmless: Set<String>, defaults: [String: Any], family: String) throws {
        var refused: [String] = []
        for key in json.keys.sorted() where !consumed.contains(key) && !harmless.contains(key) {
            let value = json[key]!
            if let expected = defaults[key] {
                if !Self.equal(value, expected) {
                    refused.append("`\(key)` is \(Self.describe(value)); hone implements only \(Self.describe(expected)), transformers' default for \(family)")
                }
            } else if !(value is NSNull) {
                let known = Array(consumed) + Array(harmless) + Array(defaults.keys)
                let near = Suggestions.closest(to: key, among: known.sorted(), limit: 1)
                let hint = near.first.map { " (did you mean `\($0)`?)" } ?? ""
                refused.append("`\(key)` is \(Self.describe(value)), a setting hone does not implement for \(family)\(hint)")
            }
        }
        if !refused.isEmpty {
            throw error("uses features hone does not implement (refused rather than ignored): " + refused.joined(separator: "; "))
        }
    }

    // MARK: Values

    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        #if canImport(Darwin)
        return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
        // swift-corelibs-foundation decodes JSON true/false as NSNumbers of ObjC type "c".
        return String(cString: number.objCType) == "c"
        #endif
    }

    static func int(_ value: Any, key: String, path: String) throws -> Int {
        if !isBool(value), let number = value as? NSNumber {
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 1e15 { return Int(double) }
        }
        throw CheckpointError(file: path, "`\(key)` is \(describe(value)), expected a whole number")
    }

    static func double(_ value: Any, key: String, path: String) throws -> Double {
        if !isBool(value), let number = value as? NSNumber, number.doubleValue.isFinite { return number.doubleValue }
        throw CheckpointError(file: path, "`\(key)` is \(describe(value)), expected a number")
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if a is NSNull || b is NSNull { return a is NSNull && b is NSNull }
        if isBool(a) != isBool(b) { return false }
        if let x = a as? NSNumber, let y = b as? NSNumber { return x.doubleValue == y.doubleValue }
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) } }
        return false
    }

    static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
           let text = String(data: data, encoding: .utf8) { return text }
        return "\(value)"
    }
}
