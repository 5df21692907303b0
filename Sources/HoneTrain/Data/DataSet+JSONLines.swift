import HoneModels
/// Writing a data set back out as JSON Lines, in the field names `load data` reads, so generated
/// sets can be saved, inspected and loaded again.
extension DataSet {
    /// One JSON object per record and line, keys in a fixed order.
    public func jsonLines() -> String {
        var out = ""
        for record in records {
            out += "{"
            var first = true
            func field(_ key: String, _ value: String) {
                if !first { out += ", " }
                first = false
                JSONText.appendString(key, to: &out)
                out += ": "
                JSONText.appendString(value, to: &out)
            }
            func messagesField(_ messages: [ChatMessage]) {
                if !first { out += ", " }
                first = false
                out += "\"messages\": ["
                for (k, m) in messages.enumerated() {
                    out += k == 0 ? "{" : ", {"
                    JSONText.appendString("role", to: &out); out += ": "; JSONText.appendString(m.role, to: &out)
                    out += ", "
                    JSONText.appendString("content", to: &out); out += ": "; JSONText.appendString(m.content, to: &out)
                    out += "}"
                }
                out += "]"
            }
            switch record {
            case .instruction(let i, let input, let o): field("instruction", i); field("input", input); field("output", o)
            case .promptCompletion(let p, let c): field("prompt", p); field("completion", c)
            case .text(let t): field("text", t)
            case .preference(let p, let c, let r, let history):
                // A conversation's pair has its turns in `messages` and no prompt, as `load data` reads it.
                if history.isEmpty { field("prompt", p) } else { messagesField(history) }
                field("chosen", c); field("rejected", r)
            case .chat(let messages): messagesField(messages)
            }
            out += "}\n"
        }
        return out
    }
}
