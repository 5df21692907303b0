import Foundation

/// JSON documents: one passage per object, from JSON Lines or a JSON array, read with the data
/// loader's line-aware scanner so each passage's source is the line its record starts on.
extension PassageReader {
    /// One passage per JSON object line; blank lines are skipped, anything else is an error at
    /// its line.
    static func jsonLines(_ text: String, file: String) throws(RetrievalError) -> [Passage] {
        var passages: [Passage] = []
        for (i, line) in splitLines(text).enumerated() where !line.allSatisfy(\.isWhitespace) {
            var scanner = DataJSONScanner(bytes: Array(line.utf8), line: i + 1)
            let value: DataJSON
            do throws(DataJSONError) {
                value = try scanner.parseValue()
                scanner.skipWhitespace()
                if !scanner.atEnd { throw scanner.fail("text after the record (JSON Lines needs one record per line)") }
            } catch {
                throw RetrievalError(.badRecord, path: file, line: i + 1, "JSON syntax error: \(error.message)")
            }
            if let passage = try passage(value, file: file, line: i + 1) { passages.append(passage) }
        }
        return passages
    }

    /// One passage per object of a top-level JSON array.
    static func jsonArray(_ text: String, file: String) throws(RetrievalError) -> [Passage] {
        var scanner = DataJSONScanner(bytes: Array(text.utf8))
        var values: [(line: Int, value: DataJSON)] = []
        do throws(DataJSONError) {
            scanner.skipWhitespace()
            guard scanner.current == UInt8(ascii: "[") else { throw scanner.fail("expected a JSON array of records (or use .jsonl for JSON Lines)") }
            scanner.position += 1
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: "]") { return [] }
            while true {
                scanner.skipWhitespace()
                let line = scanner.line
                values.append((line, try scanner.parseValue()))
                scanner.skipWhitespace()
                if scanner.current == UInt8(ascii: ",") { scanner.position += 1; continue }
                if scanner.current == UInt8(ascii: "]") { break }
                throw scanner.fail(scanner.atEnd ? "the file ends inside the array" : "expected ',' or ']' after a record")
            }
        } catch {
            throw RetrievalError(.badRecord, path: file, line: error.line, "JSON syntax error: \(error.message)")
        }
        var passages: [Passage] = []
        for (line, value) in values {
            if let passage = try passage(value, file: file, line: line) { passages.append(passage) }
        }
        return passages
    }

    /// The record's `"text"` if it is a string, else its string and number fields joined by
    /// newlines; nil when that is blank.
    static func passage(_ value: DataJSON, file: String, line: Int) throws(RetrievalError) -> Passage? {
        guard case .object(let pairs) = value else {
            throw RetrievalError(.badRecord, path: file, line: line, "expected a JSON object, found \(value.kind)")
        }
        let body: String
        if case .string(let t)? = value["text"] {
            body = t
        } else {
            body = pairs.compactMap { pair -> String? in
                switch pair.value {
                case .string(let s): s
                case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
                default: nil
                }
            }.joined(separator: "\n")
        }
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : Passage(text: trimmed, source: PassageSource(file: file, line: line))
    }
}
