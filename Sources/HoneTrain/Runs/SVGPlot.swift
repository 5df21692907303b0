import Foundation

/// A plot as a standalone SVG file, to save beside a run and open in a browser.
///
/// 640×400 pixels: the title above, five labelled ticks on each axis, one polyline per run of
/// finite points of a series (a NaN breaks the line; a lone point is a dot), and a legend in
/// the top right corner. The text is escaped for XML, so names may hold `<`, `&` or quotes.
public enum SVGPlot {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    static let (width, height) = (640.0, 400.0)
    static let (left, right, top, bottom) = (70.0, 620.0, 40.0, 340.0)
    static let ticks = 5

    public static func render(_ series: [PlotSeries], title: String = "", xLabel: String = "", yLabel: String = "") -> String {
        var svg = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400" viewBox="0 0 640 400" font-family="sans-serif" font-size="12">"#,
            #"<rect x="0" y="0" width="640" height="400" fill="white"/>"#,
        ]
        if !title.isEmpty {
            svg.append(#"<text x="\#(number((left + right) / 2))" y="24" text-anchor="middle" font-size="16">\#(escaped(title))</text>"#)
        }
        svg.append(#"<g stroke="black" stroke-width="1">"#)
        svg.append(#"<line x1="\#(number(left))" y1="\#(number(bottom))" x2="\#(number(right))" y2="\#(number(bottom))"/>"#)
        svg.append(#"<line x1="\#(number(left))" y1="\#(number(top))" x2="\#(number(left))" y2="\#(number(bottom))"/>"#)
        svg.append("</g>")
        if let bounds = PlotBounds(series) {
            svg += axisTicks(bounds)
            for (index, s) in series.enumerated() {
                svg += lines(s, bounds: bounds, color: palette[index % palette.count])
            }
        } else {
            svg.append(#"<text x="\#(number((left + right) / 2))" y="\#(number((top + bottom) / 2))" text-anchor="middle">no points to plot</text>"#)
        }
        if !xLabel.isEmpty {
            svg.append(#"<text x="\#(number((left + right) / 2))" y="385" text-anchor="middle">\#(escaped(xLabel))</text>"#)
        }
        if !yLabel.isEmpty {
            let y = number((top + bottom) / 2)
            svg.append(#"<text x="16" y="\#(y)" text-anchor="middle" transform="rotate(-90 16 \#(y))">\#(escaped(yLabel))</text>"#)
        }
        for (index, s) in series.enumerated() {
            let y = top + 10 + Double(index) * 18
            let color = palette[index % palette.count]
            svg.append(#"<line x1="\#(number(right - 150))" y1="\#(number(y))" x2="\#(number(right - 130))" y2="\#(number(y))" stroke="\#(color)" stroke-width="2"/>"#)
            svg.append(#"<text x="\#(number(right - 124))" y="\#(number(y + 4))">\#(escaped(s.name))</text>"#)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// Tick marks and labels at `ticks` evenly spaced values of each axis, from its minimum to its maximum.
    static func axisTicks(_ bounds: PlotBounds) -> [String] {
        var out = [#"<g stroke="black" stroke-width="1">"#]
        var labels: [String] = []
        for i in 0..<ticks {
            let f = Double(i) / Double(ticks - 1)
            let x = left + f * (right - left)
            let y = bottom - f * (bottom - top)
            out.append(#"<line x1="\#(number(x))" y1="\#(number(bottom))" x2="\#(number(x))" y2="\#(number(bottom + 5))"/>"#)
            out.append(#"<line x1="\#(number(left - 5))" y1="\#(number(y))" x2="\#(number(left))" y2="\#(number(y))"/>"#)
            let xValue = bounds.xMin + f * (bounds.xMax - bounds.xMin)
            let yValue = bounds.yMin + f * (bounds.yMax - bounds.yMin)
            labels.append(#"<text x="\#(number(x))" y="\#(number(bottom + 18))" text-anchor="middle">\#(escaped(plotLabel(xValue)))</text>"#)
            labels.append(#"<text x="\#(number(left - 8))" y="\#(number(y + 4))" text-anchor="end">\#(escaped(plotLabel(yValue)))</text>"#)
        }
        out.append("</g>")
        return out + labels
    }

    /// A polyline for each run of finite points (a dot for a run of one).
    static func lines(_ series: PlotSeries, bounds: PlotBounds, color: String) -> [String] {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for p in series.points {
            if p.x.isFinite && p.y.isFinite {
                runs[runs.count - 1].append((left + bounds.fractionX(p.x) * (right - left),
                                             bottom - bounds.fractionY(p.y) * (bottom - top)))
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.compactMap { run in
            switch run.count {
            case 0: nil
            case 1: #"<circle cx="\#(number(run[0].x))" cy="\#(number(run[0].y))" r="3" fill="\#(color)"/>"#
            default:
                #"<polyline fill="none" stroke="\#(color)" stroke-width="1.5" points="\#(run.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " "))"/>"#
            }
        }
    }

    static func number(_ v: Double) -> String { String(format: "%.2f", v) }

    /// `text` with the five characters XML reserves replaced by entities and the control
    /// characters XML cannot hold dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 has no way to write the other control characters, even as entities.
                if c.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" }) { out.append(c) }
            }
        }
        return out
    }
}
