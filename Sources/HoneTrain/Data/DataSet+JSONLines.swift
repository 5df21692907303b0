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
                DataSet.appendJSONString(key, to: &out)
                out += ": "
                DataSet.appendJSONString(value, to: &out)
            }
            switch record {
            case .instruction(let i, let input, let o): field("instruction", i); field("input", input); field("output", o)
            case .promptCompletion(let p, let c): field("prompt", p); field("completion", c)
            case .text(let t): field("text", t)
            case .preference(let p, let c, let r, _): field("prompt", p); field("chosen", c); field("rejected", r)
            case .chat(let messages):
                out += "\"messages\": ["
                for (k, m) in messages.enumerated() {
                    out += k == 0 ? "{" : ", {"
                    DataSet.appendJSONString("role", to: &out); out += ": "; DataSet.appendJSONString(m.role, to: &out)
                    out += ", "
                    DataSet.appendJSONString("content", to: &out); out += ": "; DataSet.appendJSONString(m.content, to: &out)
                    out += "}"
                }
                out += "]"
            }
            out += "}\n"
        }
        return out
    }

    /// `string` as a JSON string literal: quotes, backslashes and control characters escaped.
    static func appendJSONString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
