import Foundation

extension DataStats {
    /// The statistics as aligned text: a table of lengths per field (with a sparkline over 0…max),
    /// a bar chart of templated lengths, empty fields, duplicates and truncation, each with a few
    /// example lines.
    public var report: String {
        var out: [String] = []
        out.append("\(count) \(format.rawValue) record\(count == 1 ? "" : "s") from \(file)")
        out.append("")
        var rows: [(String, LengthSummary, String, String)] = fields.map { f in
            (f.name, f.summary, String(f.emptyLines.count), LengthHistogram.sparkline(f.lengths))
        }
        if let templated = templatedLengths, let trained = trainedLengths {
            rows.append(("templated", LengthSummary(templated), "", LengthHistogram.sparkline(templated)))
            rows.append(("trained", LengthSummary(trained), "", LengthHistogram.sparkline(trained)))
        }
        let header = "\(unit) per field"
        let nameWidth = max(header.count + 1, (rows.map(\.0.count).max() ?? 0) + 1)
        func cell(_ s: String, _ w: Int = 8) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        out.append("  " + header.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                   + cell("min") + cell("median") + cell("mean") + cell("p95") + cell("max") + cell("empty") + "  0…max")
        for (name, s, empty, spark) in rows {
            out.append("  " + name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                       + cell(String(s.min)) + cell(Self.number(s.median)) + cell(Self.number(s.mean))
                       + cell(String(s.p95)) + cell(String(s.max)) + cell(empty) + "  " + spark)
        }
        if templatedLengths != nil {
            out.append("  (templated: \(template.name) with BOS and EOS; trained: answer tokens left at seq=\(maxLength))")
        }
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
        return out.joined(separator: "\n")
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
