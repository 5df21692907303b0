/// A plain-text table with aligned columns: numbers (and `-`) right-aligned, text left-aligned.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let columns = header.count
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.prefix(columns).enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.prefix(columns).enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return isNumeric(cell) && i > 0 ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Numbers (and `-`) are right-aligned; everything else is text.
    static func isNumeric(_ s: String) -> Bool {
        !s.isEmpty && (s == "-" || s.allSatisfy { $0.isNumber || ".,:%/+-−e".contains($0) })
    }
}
