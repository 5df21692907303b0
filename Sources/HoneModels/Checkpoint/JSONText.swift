/// JSON text written by hand where key order matters (safetensors headers, tokenizer.json), which
/// JSONSerialization does not keep.
public enum JSONText {
    /// Appends `string` as a JSON string literal: quotes, backslashes and control characters
    /// (and DEL) escaped, everything else as it is (UTF-8, like Hugging Face's files).
    public static func appendString(_ string: String, to out: inout String) {
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
