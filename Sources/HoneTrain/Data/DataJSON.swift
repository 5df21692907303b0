/// A JSON value as the data loader reads it: objects keep their keys in file order.
enum DataJSON: Sendable {
    case object([(key: String, value: DataJSON)])
    case array([DataJSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// The kind of value, as a problem message names it ("a string", "a number", ...).
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    subscript(key: String) -> DataJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.last(where: { $0.key == key })?.value
    }

    var keys: [String] {
        guard case .object(let pairs) = self else { return [] }
        return pairs.map(\.key)
    }
}

/// A JSON syntax error at a 1-based line.
struct DataJSONError: Error {
    var line: Int
    var message: String
}

/// A small JSON parser over UTF-8 bytes that knows which line it is on, so that every record of a
/// JSON array can be reported by the line where it starts. It never traps on malformed input;
/// nesting deeper than `maxDepth` is an error rather than a stack overflow.
struct DataJSONScanner {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    let maxDepth = 512

    init(bytes: [UInt8], line: Int = 1) {
        self.bytes = bytes
        self.line = line
        // A UTF-8 byte-order mark is skipped.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    var atEnd: Bool { position >= bytes.count }
    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x0A: line += 1; position += 1
            case 0x20, 0x09, 0x0D: position += 1
            default: return
            }
        }
    }

    func fail(_ message: String) -> DataJSONError { DataJSONError(line: line, message: message) }

    func describeCurrent() -> String {
        guard let c = current else { return "the end of the file" }
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + String(c, radix: 16)
    }

    mutating func parseValue(depth: Int = 0) throws(DataJSONError) -> DataJSON {
        if depth > maxDepth { throw fail("JSON nested more than \(maxDepth) levels deep") }
        skipWhitespace()
        guard let c = current else { throw fail("the file ends where a value was expected (truncated JSON?)") }
        switch c {
        case UInt8(ascii: "{"):
            position += 1
            var pairs: [(key: String, value: DataJSON)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(pairs) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else {
                    throw fail(atEnd ? "the file ends inside an object (truncated JSON?)" : "expected a quoted key, found \(describeCurrent())")
                }
                let key = try parseString()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(key)\", found \(describeCurrent())") }
                position += 1
                let value = try parseValue(depth: depth + 1)
                pairs.append((key, value))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                if current == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                throw fail(atEnd ? "the file ends inside an object (truncated JSON?)" : "expected ',' or '}' in an object, found \(describeCurrent())")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [DataJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                if current == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw fail(atEnd ? "the file ends inside an array (truncated JSON?)" : "expected ',' or ']' in an array, found \(describeCurrent())")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw fail("expected a JSON value, found \(describeCurrent())")
        }
    }

    mutating func literal(_ word: String) throws(DataJSONError) {
        let w = Array(word.utf8)
        guard position + w.count <= bytes.count, Array(bytes[position..<position + w.count]) == w else {
            throw fail("expected a JSON value, found \(describeCurrent())")
        }
        position += w.count
    }

    mutating func parseNumber() throws(DataJSONError) -> Double {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        var digits = 0
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        while isDigit(current) { position += 1; digits += 1 }
        if current == UInt8(ascii: ".") {
            position += 1
            while isDigit(current) { position += 1; digits += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard isDigit(current) else { throw fail("malformed number exponent") }
            while isDigit(current) { position += 1 }
        }
        guard digits > 0 else { throw fail("malformed number") }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text) else { throw fail("malformed number \(text)") }
        return value
    }

    mutating func parseHex4() throws(DataJSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("the file ends inside a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw fail("malformed \\u escape")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    mutating func parseString() throws(DataJSONError) -> String {
        let startLine = line
        position += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw DataJSONError(line: startLine, message: "the file ends inside a string that starts on this line (truncated JSON?)")
            }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") { position += 1; break }
            if b == 0x0A { throw fail("a raw line break inside a string (JSON needs \\n)") }
            if b < 0x20 { throw fail("a raw control character (0x\(String(b, radix: 16))) inside a string") }
            if b != UInt8(ascii: "\\") { out.append(b); position += 1; continue }
            position += 1
            guard position < bytes.count else { throw fail("the file ends inside a string escape") }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if scalar >= 0xD800 && scalar < 0xDC00,
                   position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    let save = position
                    position += 2
                    let low = try parseHex4()
                    if low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = save
                    }
                }
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"  // a lone surrogate becomes U+FFFD
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                throw fail("unknown string escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string that is not valid UTF-8") }
        return text
    }
}
