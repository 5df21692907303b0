/// A plot drawn with characters, for a REPL: loss curves without leaving the terminal.
///
/// ```
/// loss
/// 2.5 ┤*
///     │    *
/// 1.2 ┤        *
///     └─────────
///      0      200
///   * train
/// ```
/// Each point is one marker in the cell nearest to it; lines between points are not drawn
/// (a curve of many steps reads as a dotted line). Where series share a cell, the later wins.
public enum TerminalPlot {
    /// Markers by series index; a ninth series reuses the first marker (colour still tells them apart).
    public static let markers: [Character] = ["*", "+", "o", "x", "#", "@", "%", "&"]
    /// ANSI foreground colours by series index, used when `color` is on.
    static let colors = [36, 33, 35, 32, 34, 31]

    /// `series` in a plotting area of `width` columns and `height` rows, after a gutter holding
    /// the y labels (the top row is the largest y, the bottom row the smallest) and a one-column
    /// y axis; below come the x axis, the x range's two ends, and a legend. Point (x, y) lands in
    /// column round((x - xMin) / (xMax - xMin) · (width - 1)) of the area. A single x or y value
    /// is centred. Without any finite point the plot says so. `color` wraps markers in ANSI colours.
    public static func render(_ series: [PlotSeries], width: Int = 72, height: Int = 16, title: String = "",
                              color: Bool = false) -> String {
        var lines: [String] = title.isEmpty ? [] : [title]
        guard let bounds = PlotBounds(series) else {
            lines.append("(no points to plot)")
            return lines.joined(separator: "\n") + "\n"
        }
        let width = max(2, width)
        let height = max(2, height)
        var grid = [[Int?]](repeating: [Int?](repeating: nil, count: width), count: height)
        for (index, s) in series.enumerated() {
            for p in s.finitePoints {
                let column = Int((bounds.fractionX(p.x) * Double(width - 1)).rounded())
                let row = height - 1 - Int((bounds.fractionY(p.y) * Double(height - 1)).rounded())
                grid[row][column] = index
            }
        }
        let top = plotLabel(bounds.yMax)
        let bottom = plotLabel(bounds.yMin)
        let gutter = max(top.count, bottom.count)
        func padded(_ s: String) -> String { String(repeating: " ", count: gutter - s.count) + s }
        for (r, cells) in grid.enumerated() {
            let label = r == 0 ? top : r == height - 1 ? bottom : ""
            var line = padded(label) + " " + (label.isEmpty ? "│" : "┤")
            for cell in cells { line += cell.map { marker($0, color: color) } ?? " " }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        lines.append(String(repeating: " ", count: gutter + 1) + "└" + String(repeating: "─", count: width))
        let left = plotLabel(bounds.xMin)
        let right = plotLabel(bounds.xMax)
        let gap = max(1, width - left.count - right.count)
        lines.append(String(repeating: " ", count: gutter + 2) + left + String(repeating: " ", count: gap) + right)
        let legend = series.enumerated().map { "\(marker($0.offset, color: color)) \($0.element.name)" }
        if !legend.isEmpty { lines.append("  " + legend.joined(separator: "   ")) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func marker(_ index: Int, color: Bool) -> String {
        let m = String(markers[index % markers.count])
        guard color else { return m }
        return "\u{1B}[\(colors[index % colors.count])m\(m)\u{1B}[0m"
    }
}
