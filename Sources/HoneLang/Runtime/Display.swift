import Foundation
import HoneTrain

/// A piece of output that a notebook front end can show richer than text: a table as HTML, a
/// plot as SVG, a progress display replaced in place. Each carries its plain text, which is all
/// a terminal, a script or a Markdown notebook gets, so every front end shows the same facts.
public struct Display: Sendable {
    /// The `text/plain` form: what the other front ends print.
    public var text: String
    public var html: String?
    public var svg: String?
    public var kind: OutputKind
    /// A live display's id. Showing another display with the same id replaces the first in
    /// place (Jupyter's `update_display_data`); only sinks with `showsLiveDisplays` get them.
    public var id: String?

    public init(text: String, html: String? = nil, svg: String? = nil, kind: OutputKind = .text, id: String? = nil) {
        self.text = text
        self.html = html
        self.svg = svg
        self.kind = kind
        self.id = id
    }
}

extension OutputSink {
    /// A sink without rich output prints the plain text, as `say` does.
    public func showDisplay(_ display: Display) {
        emit(display.text.hasSuffix("\n") ? display.text : display.text + "\n", display.kind)
    }
}

/// Text made safe inside HTML elements and attributes.
enum HTML {
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A table with numbers right-aligned, as the text table aligns them.
    static func table(header: [String], rows: [[String]]) -> String {
        func cells(_ row: [String], tag: String) -> String {
            row.enumerated().map { i, cell in
                let align = i > 0 && Table.isNumeric(cell) ? #" style="text-align:right""# : #" style="text-align:left""#
                return "<\(tag)\(align)>\(escaped(cell.trimmingCharacters(in: .whitespaces)))</\(tag)>"
            }.joined()
        }
        return "<table><thead><tr>" + cells(header, tag: "th") + "</tr></thead><tbody>"
            + rows.map { "<tr>" + cells($0, tag: "td") + "</tr>" }.joined() + "</tbody></table>"
    }
}

extension HTML {
    /// An example as training sees it: trained tokens on a green background, BOS and EOS dimmed,
    /// in a preformatted block so the template's line breaks and spaces stay visible.
    static func example(_ view: ExampleView) -> String {
        "<pre style=\"white-space:pre-wrap\">" + view.segments.map { s in
            var style: [String] = []
            if s.isTrained { style.append("background:#c8f7c5") }
            if s.isSpecial { style.append("opacity:0.6") }
            let text = escaped(s.text)
            return style.isEmpty || s.text.isEmpty ? text : "<span style=\"\(style.joined(separator: ";"))\">\(text)</span>"
        }.joined() + "</pre>"
    }
}
