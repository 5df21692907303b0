import Foundation

/// JSON as the tokenizer files need it: written with keys in a fixed order (so a vocabulary is
/// listed by id and files diff cleanly), read through Foundation with every access checked, so a
/// malformed or mistyped file becomes a `TokenizerError` naming the key, never a crash.
indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// The text of this value; `indent` spaces per level at the top `levels` levels of nesting,
    /// compact below that (a 50,000-entry vocabulary stays one entry per line).
    func serialized(indent: Int = 2, levels: Int = 3) -> String {
        var out = ""
        write(to: &out, depth: 0, indent: indent, levels: levels)
        out += "\n"
        return out
    }

    private func write(to out: inout String, depth: Int, indent: Int, levels: Int) {
        let pretty = depth < levels
        let pad = pretty ? "\n" + String(repeating: " ", count: indent * (depth + 1)) : ""
        let closePad = pretty ? "\n" + String(repeating: " ", count: indent * depth) : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): JSONText.appendString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (n, item) in items.enumerated() {
                out += n == 0 ? pad : "," + (pretty ? pad : " ")
                item.write(to: &out, depth: depth + 1, indent: indent, levels: levels)
            }
            out += closePad + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (n, (key, value)) in members.enumerated() {
                out += n == 0 ? pad : "," + (pretty ? pad : " ")
                JSONText.appendString(key, to: &out)
                out += ": "
                value.write(to: &out, depth: depth + 1, indent: indent, levels: levels)
            }
            out += closePad + "}"
        }
    }


    var bytes: [UInt8] { Array(serialized().utf8) }
}

/// A parsed JSON object with the file it came from and its key path, for precise errors.
struct JSONObject {
    let file: String
    let path: String
    let members: [String: Any]

    /// Parses `bytes` (the whole file), which must hold a JSON object.
    static func parse(_ bytes: [UInt8], file: String) throws -> JSONObject {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw TokenizerError(file: file, "is not valid JSON (\(detail)); a truncated or hand-edited file?")
        }
        guard let members = object as? [String: Any] else {
            throw TokenizerError(file: file, "holds a JSON \(Self.kind(object)), expected an object")
        }
        return JSONObject(file: file, path: "", members: members)
    }

    static func read(path: String) throws -> JSONObject {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError(file: path, "cannot be read (missing or not a readable file)")
        }
        return try parse([UInt8](data), file: path)
    }

    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "string"
        case is [Any]: return "array"
        case is [String: Any]: return "object"
        case let n as NSNumber: return Self.isBool(n) ? "boolean" : "number"
        default: return "\(type(of: value))"
        }
    }

    /// Whether a parsed number was written `true`/`false` (Foundation stores both as NSNumber).
    static func isBool(_ n: NSNumber) -> Bool {
        let type = String(cString: n.objCType)
        return type == "c" || type == "B"
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func wrongType(_ key: String, _ value: Any, expected: String) -> TokenizerError {
        TokenizerError(file: file, "`\(keyPath(key))` is a \(Self.kind(value)), expected \(expected)")
    }

    /// The value at `key`, nil when absent or null.
    subscript(key: String) -> Any? {
        guard let value = members[key], !(value is NSNull) else { return nil }
        return value
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func string(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard let s = value as? String else { throw wrongType(key, value, expected: "a string") }
        return s
    }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw TokenizerError(file: file, "`\(keyPath(key))` is missing, expected a string") }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        if let n = value as? NSNumber, Self.isBool(n) { return n.boolValue }
        throw wrongType(key, value, expected: "true or false")
    }

    func int(_ key: String) throws -> Int? {
        guard let value = self[key] else { return nil }
        guard let n = value as? NSNumber, !Self.isBool(n), let i = Int(exactly: n.doubleValue) else {
            throw wrongType(key, value, expected: "an integer")
        }
        return i
    }

    func object(_ key: String) throws -> JSONObject? {
        guard let value = self[key] else { return nil }
        guard let o = value as? [String: Any] else { throw wrongType(key, value, expected: "an object") }
        return JSONObject(file: file, path: keyPath(key), members: o)
    }

    func requiredObject(_ key: String) throws -> JSONObject {
        guard let o = try object(key) else { throw TokenizerError(file: file, "`\(keyPath(key))` is missing, expected an object") }
        return o
    }

    func array(_ key: String) throws -> [Any]? {
        guard let value = self[key] else { return nil }
        guard let a = value as? [Any] else { throw wrongType(key, value, expected: "an array") }
        return a
    }

    /// Objects in the array at `key`, each with its index in its path.
    func objects(_ key: String) throws -> [JSONObject] {
        try (array(key) ?? []).enumerated().map { (i, value) in
            guard let o = value as? [String: Any] else {
                throw TokenizerError(file: file, "`\(keyPath(key))[\(i)]` is a \(Self.kind(value)), expected an object")
            }
            return JSONObject(file: file, path: "\(keyPath(key))[\(i)]", members: o)
        }
    }

    /// A token given as a string or as `{"content": …}` (tokenizer_config / special_tokens_map).
    func tokenText(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        if let s = value as? String { return s }
        if let o = value as? [String: Any] {
            return try JSONObject(file: file, path: keyPath(key), members: o).requiredString("content")
        }
        throw wrongType(key, value, expected: "a string or an object with `content`")
    }
}
