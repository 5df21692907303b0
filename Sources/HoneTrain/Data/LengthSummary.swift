/// Five numbers that describe a list of lengths, and the small text histograms reports draw.
public struct LengthSummary: Sendable, Equatable {
    public var count: Int
    public var min: Int
    public var max: Int
    public var mean: Double
    /// The middle value; the mean of the two middle values for an even count.
    public var median: Double
    /// The nearest-rank 95th percentile: the smallest value at least 95% of the values do not exceed.
    public var p95: Int

    /// The summary of `values`; all zero when there are none.
    public init(_ values: [Int]) {
        let sorted = values.sorted()
        count = sorted.count
        guard let first = sorted.first, let last = sorted.last else {
            min = 0; max = 0; mean = 0; median = 0; p95 = 0
            return
        }
        min = first
        max = last
        mean = Double(sorted.reduce(0, +)) / Double(count)
        median = count % 2 == 1 ? Double(sorted[count / 2]) : Double(sorted[count / 2 - 1] + sorted[count / 2]) / 2
        let rank = Int((0.95 * Double(count)).rounded(.up))
        p95 = sorted[Swift.max(0, Swift.min(count, rank) - 1)]
    }
}

/// Histograms as text: a one-line sparkline for a table row, and a bar chart for a closer look.
public enum LengthHistogram {
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// How many of `values` fall in each of `bins` bins `width` wide from 0 (default: the
    /// narrowest equal bins that cover 0…`upper`).
    public static func counts(_ values: [Int], bins: Int, upper: Int, width: Int? = nil) -> [Int] {
        var counts = [Int](repeating: 0, count: bins)
        let width = width ?? Swift.max(1, Int((Double(upper + 1) / Double(bins)).rounded(.up)))
        for v in values { counts[Swift.min(bins - 1, Swift.max(0, v) / width)] += 1 }
        return counts
    }

    /// One character per bin over 0…max: a space for an empty bin, ▁ to █ by count.
    public static func sparkline(_ values: [Int], bins: Int = 12) -> String {
        let upper = values.max() ?? 0
        let counts = counts(values, bins: bins, upper: upper)
        let top = counts.max() ?? 0
        return String(counts.map { c -> Character in
            c == 0 || top == 0 ? " " : levels[Swift.min(levels.count - 1, (c * levels.count - 1) / top)]
        })
    }

    /// A bar chart of `values` in `bins` bins over 0…max: one line per bin, `lo–hi  bar  count`,
    /// bins wholly above `limit` marked, so a reader sees what truncation will cut.
    public static func bars(_ values: [Int], bins: Int = 8, width: Int = 30, limit: Int? = nil) -> [String] {
        let upper = values.max() ?? 0
        let binWidth = binWidth(upper: upper, bins: bins)
        let counts = counts(values, bins: bins, upper: upper, width: binWidth)
        let top = Swift.max(1, counts.max() ?? 1)
        let edgeWidth = String(binWidth * bins).count
        var lines: [String] = []
        for (b, c) in counts.enumerated() {
            let lo = b * binWidth, hi = lo + binWidth - 1
            if lo > upper { break }
            // Trailing bins past the largest value are left out (round widths can leave some).
            let bar = String(repeating: "█", count: c == 0 ? 0 : Swift.max(1, c * width / top))
            var line = pad(String(lo), edgeWidth) + "–" + pad(String(hi), edgeWidth) + "  "
                + bar.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + pad(String(c), String(values.count).count)
            if let limit, lo >= limit { line += "  (over seq=\(limit))" } else if let limit, hi >= limit { line += "  (crosses seq=\(limit))" }
            lines.append(line)
        }
        return lines
    }

    /// The smallest of 1, 2, 3, 4, 5, 6, 8, 10, 20, … that covers 0…`upper` in `bins` bins, so bin edges
    /// are round numbers a reader can take in.
    static func binWidth(upper: Int, bins: Int) -> Int {
        let needed = Swift.max(1, Int((Double(upper + 1) / Double(bins)).rounded(.up)))
        var scale = 1
        while true {
            for step in [1, 2, 3, 4, 5, 6, 8] where step * scale >= needed { return step * scale }
            scale *= 10
        }
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
