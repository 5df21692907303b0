import Foundation
import HoneLang

/// Completion, help and the continuation rule: the REPL's own, answered over the shell channel.
/// Jupyter counts `cursor_pos` in Unicode code points.
extension Kernel {
    func complete(_ content: KernelMessage.JSON) -> KernelMessage.JSON {
        let code = content["code"] as? String ?? ""
        let cursor = Self.cursor(content, in: code)
        let before = Self.prefix(code, scalars: cursor)
        let result = Completer(session: frontEnd.session).completion(lineBeforeCursor: before)
        let word = Completer.currentWord(lineBeforeCursor: before)
        return [
            "status": "ok", "matches": result.candidates,
            "cursor_start": cursor - word.unicodeScalars.count, "cursor_end": cursor,
            "metadata": [String: Any](),
        ]
    }

    /// `help NAME` for the command of the statement the cursor is in; `detail_level` 1 adds
    /// the extended help.
    func inspect(_ content: KernelMessage.JSON) -> KernelMessage.JSON {
        let code = content["code"] as? String ?? ""
        let cursor = Self.cursor(content, in: code)
        let full = (content["detail_level"] as? Int ?? 0) > 0
        let registry = frontEnd.session.registry
        // The statement around the cursor: from the last line break or `;` before it to the next.
        let scalars = Array(code.unicodeScalars)
        var start = cursor, end = cursor
        while start > 0, scalars[start - 1] != "\n", scalars[start - 1] != ";" { start -= 1 }
        while end < scalars.count, scalars[end] != "\n", scalars[end] != ";" { end += 1 }
        var text = String(String.UnicodeScalarView(scalars[start..<end])).trimmingCharacters(in: .whitespaces)
        while text.hasPrefix("?") { text.removeFirst() }
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        if words.first == "help", words.count > 1 { return inspect(["code": words.dropFirst().joined(separator: " "), "cursor_pos": 0, "detail_level": full ? 1 : 0]) }
        for count in stride(from: min(words.count, 3), through: 1, by: -1) {
            if let command = registry.command(named: Array(words.prefix(count))) {
                return ["status": "ok", "found": true, "data": ["text/plain": Help.detail(command.spec, full: full)], "metadata": [String: Any]()]
            }
        }
        return ["status": "ok", "found": false, "data": [String: Any](), "metadata": [String: Any]()]
    }

    /// `incomplete` where the REPL would show `  ... ` (an open block or string, a trailing `\`).
    func isComplete(_ content: KernelMessage.JSON) -> KernelMessage.JSON {
        let code = content["code"] as? String ?? ""
        let parsed = Parser.parse(SourceFile(name: "<cell>", text: code), registry: frontEnd.session.registry)
        return parsed.needsMoreInput ? ["status": "incomplete", "indent": "  "] : ["status": "complete"]
    }

    static func cursor(_ content: KernelMessage.JSON, in code: String) -> Int {
        let count = code.unicodeScalars.count
        guard let position = content["cursor_pos"] as? Int else { return count }
        return max(0, min(position, count))
    }

    static func prefix(_ code: String, scalars: Int) -> String {
        String(String.UnicodeScalarView(code.unicodeScalars.prefix(scalars)))
    }
}
