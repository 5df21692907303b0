import Foundation

extension DataStats {
    /// The statistics as aligned text: a table of lengths per field (with a sparkline over 0…max),
    /// a bar chart of templated lengths, empty fields, duplicates and truncation, each with a few
    /// example lines.
    public var report: String {
        var out = [reportTitle, ""]
        let table = lengthTable
        let nameWidth = max(table.header[0].count + 1, (table.rows.map { $0[0].count }.max() ?? 0) + 1)
        func cell(_ s: String, _ w: Int = 8) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        for row in [table.header] + table.rows {
            out.append("  " + row[0].padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                       + row[1..<7].map { cell($0) }.joined() + "  " + row[7])
        }
        if let note = lengthNote { out.append("  " + note) }
        return (out + reportFindings).joined(separator: "\n")
    }

    /// The report's first line: how many records of which format from where.
    public var reportTitle: String {
        "\(count) \(format.rawValue) record\(count == 1 ? "" : "s") from \(file)"
    }

    /// Lengths per field, then templated and trained: name, min, median, mean, p95, max, empty
    /// and a sparkline over 0…max. The text report aligns it; a notebook shows it as HTML.
    public var lengthTable: (header: [String], rows: [[String]]) {
        var rows: [[String]] = fields.map { f in
            let s = f.summary
            return [f.name, String(s.min), Self.number(s.median), Self.number(s.mean), String(s.p95), String(s.max),
                    String(f.emptyLines.count), LengthHistogram.sparkline(f.lengths)]
        }
        if let templated = templatedLengths, let trained = trainedLengths {
            for (name, lengths) in [("templated", templated), ("trained", trained)] {
                let s = LengthSummary(lengths)
                rows.append([name, String(s.min), Self.number(s.median), Self.number(s.mean), String(s.p95), String(s.max),
                             "", LengthHistogram.sparkline(lengths)])
            }
        }
        return (["\(unit) per field", "min", "median", "mean", "p95", "max", "empty", "0…max"], rows)
    }

    /// What the templated and trained rows measure, when there are such rows.
    public var lengthNote: String? {
        templatedLengths == nil ? nil : "(templated: \(template.name) with BOS and EOS; trained: answer tokens left at seq=\(maxLength))"
    }

    /// The report after the length table: the bar chart of templated lengths, empty fields,
    /// duplicates and truncation.
    public var reportFindings: [String] {
        var out: [String] = []
        if let templated = templatedLengths, !templated.isEmpty {
            out.append("")
            out.append("templated length (tokens):")
            out += LengthHistogram.bars(templated, limit: maxLength).map { "  " + $0 }
        }

        out.append("")
        let emptyFields = fields.filter { !$0.emptyLines.isEmpty }
        if emptyFields.isEmpty {
            out.append("empty fields: none")
        } else {
            out.append("empty fields:")
            for f in emptyFields {
                out.append("  \(f.name): \(f.emptyLines.count) (\(Self.lines(f.emptyLines)))" + (f.name == "input" ? "; input is optional" : ""))
            }
        }
        out.append("exact duplicates: " + (exactDuplicates.isEmpty ? "none"
            : "\(exactDuplicates.count) (" + Self.examples(exactDuplicates.map { "line \($0.line) = line \($0.originalLine)" }) + ")"))
        out.append("near duplicates (word 3-gram Jaccard ≥ \(Self.number(nearThreshold, digits: 2))): " + (nearDuplicates.isEmpty ? "none"
            : "\(nearDuplicates.count) (" + Self.examples(nearDuplicates.map { "line \($0.line) ≈ line \($0.originalLine), \(Self.number($0.similarity, digits: 2))" }) + ")"))
        if let truncated = truncatedLines, let lost = answerLostLines {
            out.append("truncated at seq=\(maxLength): " + (truncated.isEmpty ? "none" : "\(truncated.count) of \(count) (\(Self.lines(truncated)))"))
            out.append("answer lost entirely at seq=\(maxLength): " + (lost.isEmpty ? "none" : "\(lost.count) (\(Self.lines(lost))); they train nothing"))
        } else {
            out.append("truncation: needs a tokenizer (load a model first)")
        }
        return out
    }

    /// "line 3, 9, 12, …".
    static func lines(_ lines: [Int], limit: Int = 5) -> String {
        (lines.count == 1 ? "line " : "lines ") + lines.prefix(limit).map(String.init).joined(separator: ", ") + (lines.count > limit ? ", …" : "")
    }

    static func examples(_ items: [String], limit: Int = 3) -> String {
        items.prefix(limit).joined(separator: "; ") + (items.count > limit ? "; …" : "")
    }

    static func number(_ x: Double, digits: Int = 1) -> String {
        x == x.rounded() && digits == 1 ? String(Int(x)) : String(format: "%.\(digits)f", x)
    }
}
