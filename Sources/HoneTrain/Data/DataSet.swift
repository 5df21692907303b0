import Foundation

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// One training record, in whichever shape its file has.
public enum DataRecord: Sendable, Equatable {
    /// Alpaca: `instruction`, optional `input` ("" when absent), `output`.
    case instruction(instruction: String, input: String, output: String)
    case promptCompletion(prompt: String, completion: String)
    /// `messages` of role/content (or ShareGPT `conversations` of from/value, roles mapped to
    /// system/user/assistant).
    case chat([ChatMessage])
    case text(String)
    /// `prompt`/`chosen`/`rejected` strings. For a conversational prompt (ShareGPT
    /// `conversations` + `chosen`/`rejected` turns) `prompt` is empty and `history` holds the turns.
    case preference(prompt: String, chosen: String, rejected: String, history: [ChatMessage] = [])
}

/// The shape of a data set's records.
public enum DataFormat: String, Sendable, CaseIterable {
    case alpaca
    case promptCompletion = "prompt_completion"
    case messages
    case text
    case preference

    /// The format named `name` (`alpaca`, `instruction`, `prompt_completion`, `completion`,
    /// `messages`, `chat`, `sharegpt`, `text`, `preference`, `dpo`), or nil.
    public init?(named name: String) {
        switch name.lowercased().replacingOccurrences(of: "-", with: "_") {
        case "alpaca", "instruction", "instruct": self = .alpaca
        case "prompt_completion", "promptcompletion", "completion": self = .promptCompletion
        case "messages", "chat", "sharegpt", "conversations": self = .messages
        case "text", "plain": self = .text
        case "preference", "dpo", "pairs": self = .preference
        default: return nil
        }
    }

    /// The format a record with these keys has, or nil. Preference wins over messages (a ShareGPT
    /// preference row has `conversations` plus `chosen`/`rejected`).
    public static func detect(keys: [String]) -> DataFormat? {
        let k = Set(keys)
        if k.contains("chosen") && k.contains("rejected") { return .preference }
        if k.contains("messages") || k.contains("conversations") { return .messages }
        if k.contains("instruction") && k.contains("output") { return .alpaca }
        if k.contains("prompt") && k.contains("completion") { return .promptCompletion }
        if k.contains("text") { return .text }
        return nil
    }
}

/// A record that could not be read: where, which field, and what was expected.
public struct DataProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// The 1-based line: the record's line in JSONL, the line where the record starts in a JSON array.
    public var line: Int
    /// The field at fault (`output`, `messages[2].role`), or nil for the record or file as a whole.
    public var field: String?
    public var message: String

    public init(file: String, line: Int, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(file):\(line): " + (field.map { "field '\($0)': " } ?? "") + message
    }
}

/// What to do with bad records.
public enum DataErrorPolicy: String, Sendable {
    /// Stop at the first few problems and load nothing.
    case fail
    /// Load the good records and report the bad ones.
    case skip
}

/// A data set that was not loaded: its first problems.
public struct DataError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [DataProblem]
    /// True when scanning stopped after `problems` (there may be more).
    public var stoppedEarly: Bool

    public var description: String {
        var lines = ["\(file): not loaded, \(problems.count) problem\(problems.count == 1 ? "" : "s")"
            + (stoppedEarly ? " (stopped after the first \(problems.count); on_error=skip loads the rest)" : "") + ":"]
        lines += problems.map { "  " + $0.description }
        return lines.joined(separator: "\n")
    }
}

/// The records of one data file.
public struct DataSet: Sendable {
    public var file: String
    public var format: DataFormat
    public var records: [DataRecord]
    /// The source line of each record (where it starts).
    public var lines: [Int]

    public var count: Int { records.count }

    public init(file: String, format: DataFormat, records: [DataRecord], lines: [Int]) {
        self.file = file
        self.format = format
        self.records = records
        self.lines = lines
    }
}

/// Reads JSON arrays of records and JSON Lines files.
public enum DataLoader {
    /// How many problems `.fail` collects before it stops.
    public static let failLimit = 5

    /// The records of `path`, a JSON array of objects or JSON Lines (one object per line; blank
    /// lines ignored). `format` nil detects it from the first record's keys. Under `.fail` the
    /// first problems are thrown as a `DataError` and nothing is loaded; under `.skip` the good
    /// records are returned with the problems. A file that cannot be read, or whose format
    /// cannot be detected, throws under either policy.
    public static func load(path: String, format: DataFormat? = nil,
                            onError: DataErrorPolicy = .fail) throws -> (DataSet, [DataProblem]) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DataError(file: path, problems: [DataProblem(file: path, line: 1, field: nil, message: "cannot read the file: \(error.localizedDescription)")], stoppedEarly: false)
        }
        return try load(bytes: [UInt8](data), file: path, format: format, onError: onError)
    }

    /// Like `load(path:format:onError:)`, for bytes already read; `file` names them in problems.
    public static func load(bytes: [UInt8], file: String, format: DataFormat? = nil,
                            onError: DataErrorPolicy = .fail) throws -> (DataSet, [DataProblem]) {
        var problems: [DataProblem] = []
        var raw: [(line: Int, value: DataJSON)] = []
        let limit = onError == .fail ? failLimit : Int.max

        var scanner = DataJSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        if scanner.atEnd {
            throw DataError(file: file, problems: [DataProblem(file: file, line: 1, field: nil, message: "the file is empty (no records)")], stoppedEarly: false)
        }
        if scanner.current == UInt8(ascii: "[") {
            // One JSON array: each element's start line is remembered.
            scanner.position += 1
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: "]") {
                scanner.position += 1
            } else {
                while true {
                    scanner.skipWhitespace()
                    let start = scanner.line
                    do throws(DataJSONError) {
                        raw.append((start, try scanner.parseValue()))
                    } catch {
                        problems.append(DataProblem(file: file, line: error.line, field: nil, message: "JSON syntax error: \(error.message)"))
                        break  // the rest of an array cannot be read reliably
                    }
                    scanner.skipWhitespace()
                    if scanner.current == UInt8(ascii: ",") { scanner.position += 1; continue }
                    if scanner.current == UInt8(ascii: "]") { scanner.position += 1; break }
                    problems.append(DataProblem(file: file, line: scanner.line, field: nil,
                        message: "JSON syntax error: " + (scanner.atEnd ? "the file ends inside the top-level array (truncated JSON?)" : "expected ',' or ']' after a record, found \(scanner.describeCurrent())")))
                    break
                }
            }
            if problems.isEmpty {
                scanner.skipWhitespace()
                if !scanner.atEnd {
                    problems.append(DataProblem(file: file, line: scanner.line, field: nil, message: "JSON syntax error: text after the top-level array"))
                }
            }
        } else {
            // JSON Lines: each non-blank line is one record; the last line need not end in "\n".
            var lineNumber = 1
            var start = scanner.position
            let n = bytes.count
            var i = start
            while i <= n, problems.count < limit {
                if i == n || bytes[i] == 0x0A {
                    let lineBytes = Array(bytes[start..<i])
                    if lineBytes.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) {
                        var s = DataJSONScanner(bytes: lineBytes, line: lineNumber)
                        do throws(DataJSONError) {
                            let value = try s.parseValue()
                            s.skipWhitespace()
                            if !s.atEnd { throw s.fail("text after the record (JSON Lines needs one record per line)") }
                            raw.append((lineNumber, value))
                        } catch {
                            problems.append(DataProblem(file: file, line: lineNumber, field: nil, message: "JSON syntax error: \(error.message)"))
                        }
                    }
                    lineNumber += 1
                    start = i + 1
                }
                i += 1
            }
        }

        // The format: named, or from the first object record's keys.
        var chosen = format
        if chosen == nil {
            for (line, value) in raw {
                guard case .object = value else { continue }
                guard let detected = DataFormat.detect(keys: value.keys) else {
                    throw DataError(file: file, problems: [DataProblem(file: file, line: line, field: nil,
                        message: "cannot detect the format from the keys \(value.keys.map { "\"\($0)\"" }.joined(separator: ", ")); expected instruction/input/output, prompt/completion, messages, text or prompt/chosen/rejected (or name it with format=)")]
                        + problems, stoppedEarly: false)
                }
                chosen = detected
                break
            }
        }
        guard let format = chosen else {
            let message = raw.isEmpty ? "no records" : "no record is a JSON object"
            throw DataError(file: file, problems: problems + [DataProblem(file: file, line: raw.first?.line ?? 1, field: nil, message: message)], stoppedEarly: false)
        }

        var records: [DataRecord] = []
        var lines: [Int] = []
        for (line, value) in raw {
            if problems.count >= limit { break }
            switch RecordReader(file: file, line: line).read(value, as: format) {
            case .success(let record):
                records.append(record)
                lines.append(line)
            case .failure(let problem):
                problems.append(problem)
            }
        }
        problems.sort { $0.line < $1.line }
        if onError == .fail, !problems.isEmpty {
            throw DataError(file: file, problems: Array(problems.prefix(failLimit)), stoppedEarly: problems.count >= failLimit)
        }
        return (DataSet(file: file, format: format, records: records, lines: lines), problems)
    }
}

extension DataProblem: Error {}

/// Turns one parsed JSON record into a `DataRecord`, or the first problem with it.
struct RecordReader {
    let file: String
    let line: Int

    func problem(_ field: String?, _ message: String) -> DataProblem {
        DataProblem(file: file, line: line, field: field, message: message)
    }

    func string(_ object: DataJSON, _ key: String, path: String? = nil, optional: Bool = false) -> Result<String, DataProblem> {
        let name = path ?? key
        guard let value = object[key] else {
            return optional ? .success("") : .failure(problem(name, "missing; expected a string"))
        }
        switch value {
        case .string(let s): return .success(s)
        case .null where optional: return .success("")
        default: return .failure(problem(name, "expected a string, found \(value.kind)"))
        }
    }

    static let roleNames = ["human": "user", "gpt": "assistant", "bot": "assistant", "model": "assistant",
                            "user": "user", "assistant": "assistant", "system": "system"]

    /// A role/content (or from/value) message.
    func message(_ value: DataJSON, path: String) -> Result<ChatMessage, DataProblem> {
        guard case .object = value else { return .failure(problem(path, "expected an object with role and content, found \(value.kind)")) }
        let sharegpt = value["role"] == nil && value["from"] != nil
        let roleKey = sharegpt ? "from" : "role", contentKey = sharegpt ? "value" : "content"
        let role: String, content: String
        switch string(value, roleKey, path: "\(path).\(roleKey)") {
        case .success(let s): role = s
        case .failure(let p): return .failure(p)
        }
        switch string(value, contentKey, path: "\(path).\(contentKey)") {
        case .success(let s): content = s
        case .failure(let p): return .failure(p)
        }
        guard let mapped = Self.roleNames[role.lowercased()] ?? (sharegpt ? nil : role) else {
            return .failure(problem("\(path).\(roleKey)", "unknown role \"\(role)\"; expected system, human or gpt"))
        }
        return .success(ChatMessage(role: mapped, content: content))
    }

    func messages(_ object: DataJSON) -> Result<[ChatMessage], DataProblem> {
        let key = object["messages"] != nil ? "messages" : "conversations"
        guard let value = object[key] else { return .failure(problem("messages", "missing; expected an array of {role, content}")) }
        guard case .array(let items) = value else { return .failure(problem(key, "expected an array of {role, content}, found \(value.kind)")) }
        if items.isEmpty { return .failure(problem(key, "is empty; expected at least one message")) }
        var out: [ChatMessage] = []
        for (i, item) in items.enumerated() {
            switch message(item, path: "\(key)[\(i)]") {
            case .success(let m): out.append(m)
            case .failure(let p): return .failure(p)
            }
        }
        return .success(out)
    }

    /// `chosen`/`rejected`: a string, one message object, or a list of messages (the last one's content).
    func answer(_ object: DataJSON, _ key: String) -> Result<String, DataProblem> {
        guard let value = object[key] else { return .failure(problem(key, "missing; expected a string")) }
        switch value {
        case .string(let s): return .success(s)
        case .object: return message(value, path: key).map(\.content)
        case .array(let items):
            guard let last = items.last else { return .failure(problem(key, "is empty; expected a string or messages")) }
            return message(last, path: "\(key)[\(items.count - 1)]").map(\.content)
        default: return .failure(problem(key, "expected a string, found \(value.kind)"))
        }
    }

    func read(_ value: DataJSON, as format: DataFormat) -> Result<DataRecord, DataProblem> {
        guard case .object = value else {
            return .failure(problem(nil, "expected a JSON object (a record), found \(value.kind)"))
        }
        do {
            switch format {
            case .alpaca:
                let instruction = try string(value, "instruction").get()
                let input = try string(value, "input", optional: true).get()
                let output = try string(value, "output").get()
                return .success(.instruction(instruction: instruction, input: input, output: output))
            case .promptCompletion:
                return .success(.promptCompletion(prompt: try string(value, "prompt").get(), completion: try string(value, "completion").get()))
            case .messages:
                return .success(.chat(try messages(value).get()))
            case .text:
                return .success(.text(try string(value, "text").get()))
            case .preference:
                let chosen = try answer(value, "chosen").get()
                let rejected = try answer(value, "rejected").get()
                if value["prompt"] == nil, value["messages"] != nil || value["conversations"] != nil {
                    return .success(.preference(prompt: "", chosen: chosen, rejected: rejected, history: try messages(value).get()))
                }
                return .success(.preference(prompt: try string(value, "prompt").get(), chosen: chosen, rejected: rejected))
            }
        } catch {
            return .failure(error)
        }
    }
}
