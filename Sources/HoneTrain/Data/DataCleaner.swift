import Foundation
import HoneModels

/// What `DataCleaner` does. The defaults are the safe ones: tidy whitespace, drop records that
/// cannot train (an empty required field) and exact duplicates; near duplicates and length limits
/// remove real data, so they are off until asked for.
public struct CleaningOptions: Sendable, Equatable {
    /// Trim every text, turn `\r\n` into `\n`, make runs of spaces and tabs inside a line one space,
    /// strip spaces at line ends and keep at most one blank line in a row. Line breaks and
    /// indentation are kept: they carry meaning in code, lists and poems.
    public var normalizeWhitespace = true
    /// Drop records with an empty required field (alpaca's `input` is optional).
    public var dropEmpty = true
    public var dropExactDuplicates = true
    /// Drop records whose word 3-gram Jaccard with an earlier kept record is at least this; nil: keep them.
    public var nearDuplicateThreshold: Double? = nil
    /// Limits on a record's characters (all fields together).
    public var minCharacters: Int? = nil
    public var maxCharacters: Int? = nil
    /// Limits on a record's templated tokens (BOS and EOS included); they need a tokenizer.
    public var minTokens: Int? = nil
    public var maxTokens: Int? = nil

    public init() {}
}

/// Why a record was removed. A record is removed for the first reason in this order.
public enum RemovalReason: String, Sendable, CaseIterable {
    case empty = "empty required field"
    case tooShort = "too short"
    case tooLong = "too long"
    case exactDuplicate = "exact duplicate"
    case nearDuplicate = "near duplicate"
}

/// What a cleaning did: how many records went for each reason (with their lines) and how many
/// had their whitespace changed.
public struct CleaningReport: Sendable {
    public var before: Int
    public var after: Int
    /// Removed records' lines by reason, in `RemovalReason.allCases` order; reasons with none are left out.
    public var removals: [(reason: RemovalReason, lines: [Int])]
    /// Records kept whose text normalisation changed.
    public var normalizedCount: Int

    public func lines(removedFor reason: RemovalReason) -> [Int] {
        removals.first { $0.reason == reason }?.lines ?? []
    }

    /// One line per reason with a count and up to five example lines.
    public var description: String {
        var out = ["kept \(after) of \(before) record\(before == 1 ? "" : "s")" + (before == after ? "" : ", removed \(before - after)")]
        for (reason, lines) in removals {
            out.append("  \(reason.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(lines.count).leftPad(5))  (\(DataStats.lines(lines)))")
        }
        if normalizedCount > 0 { out.append("  whitespace normalised in \(normalizedCount) kept record\(normalizedCount == 1 ? "" : "s")") }
        return out.joined(separator: "\n")
    }
}

/// Options that cannot be applied.
public struct DataCleanerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Removes what would hurt training: empty records, length outliers, duplicates. Records keep their
/// source lines, so a report can always point back into the file.
public enum DataCleaner {
    /// The records of `data` that pass `options`, in their original order, and the report.
    /// Throws when a token limit is set without a tokenizer, or a limit makes no sense.
    public static func clean(_ data: DataSet, options: CleaningOptions, tokenizer: (any Tokenizer)? = nil,
                             template: PromptTemplate = .alpaca) throws -> (DataSet, CleaningReport) {
        if (options.minTokens != nil || options.maxTokens != nil) && tokenizer == nil {
            throw DataCleanerError(message: "token limits need a tokenizer; load a model, or limit characters instead")
        }
        if let lo = options.minTokens, let hi = options.maxTokens, lo > hi {
            throw DataCleanerError(message: "min tokens (\(lo)) is above max tokens (\(hi))")
        }
        if let lo = options.minCharacters, let hi = options.maxCharacters, lo > hi {
            throw DataCleanerError(message: "min characters (\(lo)) is above max characters (\(hi))")
        }
        if let t = options.nearDuplicateThreshold, !(t > 0 && t <= 1) {
            throw DataCleanerError(message: "the near-duplicate threshold must be above 0 and at most 1, not \(t)")
        }

        var records = data.records
        var normalized = Set<Int>()
        if options.normalizeWhitespace {
            for i in records.indices {
                let tidy = records[i].mapTexts(normalizeWhitespace)
                if tidy != records[i] { records[i] = tidy; normalized.insert(i) }
            }
        }

        var removed: [RemovalReason: [Int]] = [:]
        var alive = [Bool](repeating: true, count: records.count)
        func remove(_ i: Int, _ reason: RemovalReason) {
            alive[i] = false
            removed[reason, default: []].append(data.lines[i])
        }
        for i in records.indices {
            if options.dropEmpty, !records[i].emptyRequiredFields.isEmpty { remove(i, .empty); continue }
            let characters = records[i].fields.reduce(0) { $0 + $1.text.count }
            if let lo = options.minCharacters, characters < lo { remove(i, .tooShort); continue }
            if let hi = options.maxCharacters, characters > hi { remove(i, .tooLong); continue }
            if let tokenizer, options.minTokens != nil || options.maxTokens != nil {
                let tokens = SFTExample.tokenize(records[i], template: template, tokenizer: tokenizer, maxLength: Int.max).ids.count
                if let lo = options.minTokens, tokens < lo { remove(i, .tooShort); continue }
                if let hi = options.maxTokens, tokens > hi { remove(i, .tooLong); continue }
            }
        }

        // Duplicates are looked for among the survivors, so a record is never dropped as the copy
        // of one that was itself removed.
        let survivors = records.indices.filter { alive[$0] }
        let texts = survivors.map { records[$0].joinedText }
        var exactIndices = Set<Int>()
        if options.dropExactDuplicates {
            for pair in DuplicateFinder.exact(texts) {
                exactIndices.insert(pair.index)
                remove(survivors[pair.index], .exactDuplicate)
            }
        }
        if let threshold = options.nearDuplicateThreshold {
            // A chain a ≈ b ≈ c keeps a only: each later record is compared with every earlier one.
            for pair in DuplicateFinder.near(texts, threshold: threshold, skipping: exactIndices) {
                remove(survivors[pair.index], .nearDuplicate)
            }
        }

        let kept = records.indices.filter { alive[$0] }
        let cleaned = DataSet(file: data.file, format: data.format, records: kept.map { records[$0] }, lines: kept.map { data.lines[$0] })
        let report = CleaningReport(
            before: data.count, after: kept.count,
            removals: RemovalReason.allCases.compactMap { r in removed[r].map { (r, $0.sorted()) } },
            normalizedCount: kept.filter { normalized.contains($0) }.count)
        return (cleaned, report)
    }

    /// `text` trimmed, with `\r\n` as `\n`, runs of spaces and tabs after a line's indentation as
    /// one space, no spaces at line ends, and at most one blank line in a row.
    public static func normalizeWhitespace(_ text: String) -> String {
        var lines: [String] = []
        var blankRun = 0
        for raw in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = raw.prefix { $0 == " " || $0 == "\t" }
            let words = raw.dropFirst(indent.count).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            let line = words.isEmpty ? "" : String(indent) + words.joined(separator: " ")
            if line.isEmpty { blankRun += 1; if blankRun > 1 { continue } } else { blankRun = 0 }
            lines.append(line)
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
