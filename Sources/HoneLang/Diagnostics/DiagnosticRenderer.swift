/// The one place where errors become text: `FILE:LINE:COL: error: MESSAGE`, the source line, a
/// caret with `~` under the range, then `note:` and `help:` lines.
public struct DiagnosticRenderer: Sendable {
    public var useColor: Bool

    public init(useColor: Bool = false) { self.useColor = useColor }

    public func render(_ error: HoneError) -> String {
        var out = ""
        out += header(severity: "error", message: error.message, range: error.range)
        if let range = error.range { out += excerpt(range) }
        if let cause = error.cause { out += paint("caused by: ", .bold) + cause + "\n" }
        for note in error.notes {
            out += header(severity: "note", message: note.message, range: note.range)
            if let range = note.range { out += excerpt(range) }
        }
        for hint in error.hints { out += paint("help: ", .bold) + hint + "\n" }
        return out
    }

    private func header(severity: String, message: String, range: SourceRange?) -> String {
        var place = ""
        if let range {
            let (line, column) = range.file.lineAndColumn(of: range.start)
            place = "\(range.file.name):\(line):\(column): "
        }
        let colour: Style = severity == "error" ? .red : .cyan
        return paint(place, .bold) + paint("\(severity):", colour) + " " + message + "\n"
    }

    /// The source line and a caret line; tabs in the line are kept so the caret lines up.
    private func excerpt(_ range: SourceRange) -> String {
        let line = range.file.lineText(containing: range.start)
        let (_, column) = range.file.lineAndColumn(of: range.start)
        let lineChars = Array(line)
        var pad = ""
        for i in 0..<min(column - 1, lineChars.count) { pad += lineChars[i] == "\t" ? "\t" : " " }
        // The underline stops at the end of the first line of a multi-line range.
        let lineEnd = range.start + (line.utf8.count - String(lineChars.prefix(column - 1)).utf8.count)
        let end = min(range.end, lineEnd)
        let width = max(1, range.file.text(in: SourceRange(file: range.file, start: range.start, end: end)).count)
        return line + "\n" + pad + paint("^" + String(repeating: "~", count: width - 1), .green) + "\n"
    }

    private enum Style: String { case red = "31", green = "32", cyan = "36", bold = "1" }

    private func paint(_ text: String, _ style: Style) -> String {
        guard useColor, !text.isEmpty else { return text }
        return "\u{1B}[\(style.rawValue)m" + text + "\u{1B}[0m"
    }
}
