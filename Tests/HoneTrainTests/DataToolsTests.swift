import Foundation
import HoneModels
import Testing
@testable import HoneTrain

/// A small alpaca set built in the test, with known lines.
private func alpaca(_ rows: [(String, String, String)]) -> DataSet {
    DataSet(file: "mem.json", format: .alpaca,
            records: rows.map { .instruction(instruction: $0.0, input: $0.1, output: $0.2) },
            lines: rows.indices.map { 10 + 3 * $0 })
}

@Suite("data tools: split, stats, cleaning, example view")
struct DataToolsTests {
    let rows = (0..<50).map { ("instruction number \($0)", "", "the answer to question \($0) is here") }

    @Test("a split is the same for the same seed, different for another, and its parts partition the set")
    func splitDeterministicAndDisjoint() throws {
        let data = alpaca(rows)
        let a = try data.split(validation: 0.1, test: 0.2, seed: 42)
        let b = try data.split(validation: 0.1, test: 0.2, seed: 42)
        let c = try data.split(validation: 0.1, test: 0.2, seed: 43)
        #expect(a.train.lines == b.train.lines && a.validation.lines == b.validation.lines && a.test?.lines == b.test?.lines)
        #expect(a.validation.lines != c.validation.lines || a.test?.lines != c.test?.lines)
        #expect((a.train.count, a.validation.count, a.test?.count) == (35, 5, 10))
        let all = a.train.lines + a.validation.lines + (a.test?.lines ?? [])
        #expect(Set(all).count == 50 && Set(all) == Set(data.lines))
        // Each part keeps file order, and each record keeps its line.
        #expect(a.train.lines == a.train.lines.sorted())
        for (record, line) in zip(a.validation.records, a.validation.lines) {
            #expect(data.records[data.lines.firstIndex(of: line)!] == record)
        }
        #expect(try data.split(validation: 0.1, seed: 1).test == nil)
    }

    @Test("a tiny set gets one record per part; too few records or fractions summing to 1 are errors")
    func splitSizes() throws {
        let three = alpaca(Array(rows.prefix(3)))
        let s = try three.split(validation: 0.01, test: 0.01, seed: 0)
        #expect((s.train.count, s.validation.count, s.test?.count) == (1, 1, 1))
        let r = try alpaca(Array(rows.prefix(3))).split(validation: 0.5, test: 0.45, seed: 0)
        #expect(r.train.count == 1)
        #expect(throws: DataSplitError.self) { try alpaca(Array(rows.prefix(2))).split(validation: 0.1, test: 0.1, seed: 0) }
        #expect(throws: DataSplitError.self) { try three.split(validation: 0.5, test: 0.5, seed: 0) }
        #expect(throws: DataSplitError.self) { try three.split(validation: -0.1, seed: 0) }
    }

    @Test("the cleaner removes planted exact duplicates, near duplicates and empties, naming lines and reasons")
    func cleanerRemovesPlanted() throws {
        var planted = Array(rows.prefix(10))
        planted.append(("instruction number 3", "", "the  answer to question 3 is here "))         // exact (whitespace) dup of #3
        planted.append(("", "", "an answer without an instruction"))                               // empty
        planted.append(("Write a long story about a dog named Max who loves to run in the park every morning", "",
                        "Max ran in the park every morning with his owner and all the birds"))
        planted.append(("Write a long story about a dog named Max who loves to run in the park every single morning", "",
                        "Max ran in the park every morning with his owner and all the birds"))     // near dup of the previous
        planted.append(("an instruction with no answer", "", "   "))                               // empty output
        let data = alpaca(planted)
        var options = CleaningOptions()
        options.nearDuplicateThreshold = 0.8
        let (cleaned, report) = try DataCleaner.clean(data, options: options)
        #expect(report.lines(removedFor: .exactDuplicate) == [data.lines[10]])
        #expect(report.lines(removedFor: .empty) == [data.lines[11], data.lines[14]])
        #expect(report.lines(removedFor: .nearDuplicate) == [data.lines[13]])
        #expect(cleaned.count == 11 && report.after == 11 && report.before == 15)
        #expect(!cleaned.lines.contains(data.lines[10]) && cleaned.lines.contains(data.lines[12]))
        #expect(report.description.contains("exact duplicate"))
        #expect(report.description.contains("line \(data.lines[10])"))
        // Without the near option the near duplicate stays; whitespace is normalised in what is kept.
        let (plain, plainReport) = try DataCleaner.clean(data, options: CleaningOptions())
        #expect(plain.count == 12 && plainReport.lines(removedFor: .nearDuplicate).isEmpty)
        #expect(DataCleaner.normalizeWhitespace("  a \t b  \r\n\n\n\n    indented  x ") == "a b\n\n    indented x")
        // Limits.
        options = CleaningOptions()
        options.maxCharacters = 60
        let (short, shortReport) = try DataCleaner.clean(data, options: options)
        #expect(shortReport.lines(removedFor: .tooLong) == [data.lines[12], data.lines[13]])
        #expect(short.count == 10)   // the two long ones, the two empties and the exact duplicate
        options.maxTokens = 10
        #expect(throws: DataCleanerError.self) { try DataCleaner.clean(data, options: options) }
    }

    @Test("exact duplicates ignore whitespace; near duplicates need Jaccard at the threshold and skip exact ones")
    func duplicateFinder() {
        let texts = ["the quick brown fox jumps over the lazy dog today",
                     "the  quick brown fox\njumps over the lazy dog today",
                     "the quick brown fox jumps over the lazy dog yesterday",
                     "something else entirely different here and there",
                     ""]
        #expect(DuplicateFinder.exact(texts) == [DuplicatePair(index: 1, original: 0, similarity: 1)])
        let near = DuplicateFinder.near(texts, threshold: 0.7, skipping: [1])
        #expect(near.map(\.index) == [2] && near[0].original == 0)
        #expect(abs(near[0].similarity - 7.0 / 9.0) < 1e-12)   // 8 shingles each, 7 shared
        #expect(DuplicateFinder.near(texts, threshold: 0.8, skipping: [1]).isEmpty)
        // Spaces around a field boundary do not matter; where the boundary falls does.
        #expect(DuplicateFinder.exact(["a \u{1F} b ", "a\u{1F}b"]).count == 1)
        #expect(DuplicateFinder.exact(["a b\u{1F}", "a\u{1F}b"]).isEmpty)
    }

    @Test("near-duplicate search over 2,000 records stays fast and finds every planted copy")
    func nearDuplicatesScale() {
        var rng = SystemRandomNumberGenerator()
        let vocabulary = (0..<500).map { "w\($0)" }
        var texts = (0..<2000).map { _ in (0..<40).map { _ in vocabulary.randomElement(using: &rng)! }.joined(separator: " ") }
        for k in 0..<20 { texts[1000 + k] = texts[k] + " extra" }   // 38/39 shingles shared
        let start = ContinuousClock.now
        let near = DuplicateFinder.near(texts)
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        #expect(Set(near.map(\.index)).isSuperset(of: Set(1000..<1020)))
        #expect(seconds < 10, "took \(seconds) s (debug build)")
    }

    @Test("length summaries use nearest-rank p95 and the middle of two for an even median")
    func lengthSummary() {
        let s = LengthSummary(Array(1...20))
        #expect((s.min, s.max, s.p95, s.median, s.mean) == (1, 20, 19, 10.5, 10.5))
        #expect(LengthSummary([]).count == 0)
        #expect(LengthHistogram.sparkline([0, 0, 0, 10]).first == "█")
        #expect(LengthHistogram.bars([1, 2, 3, 100], limit: 50).last!.contains("over seq=50"))
    }
}

@Suite("data tools on shared data", .enabled(if: SharedData.has("data/instruct/alpaca_en_demo.json") && SharedData.has("models/stories260K-hf/tokenizer.json"), "../shared is absent"))
struct DataToolsSharedTests {
    let tokenizer: any Tokenizer
    let data: DataSet

    init() throws {
        tokenizer = try TokenizerLoader.load(directory: SharedData.path("models/stories260K-hf"))
        data = try DataLoader.load(path: SharedData.path("data/instruct/alpaca_en_demo.json")).0
    }

    @Test("stats on alpaca_en_demo count 999 records, agree with SFTExamples on truncation, and report aligned rows")
    func statsOnAlpaca() throws {
        let stats = DataStats(data, template: .alpaca, tokenizer: tokenizer, maxLength: 512)
        #expect(stats.count == 999 && stats.unit == "tokens")
        #expect(stats.fields.map(\.name) == ["instruction", "input", "output"])
        let sft = SFTExamples(data, template: .alpaca, tokenizer: tokenizer, maxLength: 512)
        #expect(stats.truncatedLines?.count == sft.truncatedCount)
        #expect(stats.answerLostLines?.count == sft.answerLost.count)
        // Templated lengths are the untruncated SFT lengths; trained counts match labels at 512.
        let first = SFTExample.tokenize(data.records[0], template: .alpaca, tokenizer: tokenizer, maxLength: Int.max)
        #expect(stats.templatedLengths?[0] == first.ids.count)
        #expect(stats.trainedLengths?[0] == sft.examples[0].labels.filter { $0 != -100 }.count)
        // Most alpaca records have no input.
        let input = stats.fields[1]
        #expect(input.emptyLines.count > 500 && input.summary.min == 0)
        #expect(stats.fields[0].emptyLines.isEmpty && stats.fields[2].emptyLines.isEmpty)
        let report = stats.report
        print(report)
        #expect(report.contains("999 alpaca records"))
        #expect(report.contains("truncated at seq=512: \(sft.truncatedCount) of 999"))
        let lines = report.split(separator: "\n")
        let headerIndex = lines.firstIndex { $0.contains("tokens per field") }!
        let headerRow = lines[headerIndex]
        let rows = lines[(headerIndex + 1)...].prefix(5)
        #expect(rows.map { $0.split(separator: " ")[0] } == ["instruction", "input", "output", "templated", "trained"])
        #expect(rows.count == 5)
        // Aligned: the max column ends at the same character in every row.
        let width = headerRow.distance(from: headerRow.startIndex, to: headerRow.range(of: "max")!.upperBound)
        for row in rows { #expect(row.prefix(width).last != " ", "row not aligned: \(row)") }
    }

    @Test("stats without a tokenizer count characters and leave truncation out")
    func statsInCharacters() {
        let stats = DataStats(data, template: .alpaca, tokenizer: nil, maxLength: 512)
        #expect(stats.unit == "characters" && stats.templatedLengths == nil)
        let longest = data.records.map { record -> Int in
            if case .instruction(_, _, let o) = record { return o.count } else { return 0 }
        }.max()
        #expect(stats.fields[2].summary.max == longest)
        #expect(stats.report.contains("needs a tokenizer"))
    }

    @Test("ExampleView marks exactly the tokens whose label is not -100, with BOS and EOS shown")
    func exampleViewMarksTrainedTokens() {
        for i in [0, 1, 5] {
            let t = SFTExample.tokenize(data.records[i], template: .alpaca, tokenizer: tokenizer, maxLength: 512)
            let view = ExampleView(data.records[i], template: .alpaca, tokenizer: tokenizer, maxLength: 512)
            #expect(view.tokenCount == t.ids.count)
            #expect(view.trainedCount == t.labels.filter { $0 != -100 }.count)
            #expect(view.segments.first == ExampleView.Segment(text: "<s>", isTrained: false, isSpecial: true))
            if !t.truncated { #expect(view.segments.last == ExampleView.Segment(text: "</s>", isTrained: true, isSpecial: true)) }
            // The trained text is the decoded trained tokens (a SentencePiece first piece may drop its space).
            let trainedIDs = zip(t.ids, t.labels).filter { $0.1 != -100 && $0.0 != tokenizer.eos }.map(\.0)
            let trainedText = view.segments.filter { $0.isTrained && !$0.isSpecial }.map(\.text).joined()
            #expect(trainedText.trimmingCharacters(in: .whitespaces) == tokenizer.decode(trainedIDs).trimmingCharacters(in: .whitespaces))
            let (prompt, _) = PromptTemplate.alpaca.render(data.records[i])
            let untrained = view.segments.filter { !$0.isTrained && !$0.isSpecial }.map(\.text).joined()
            #expect(untrained == prompt)
            let plain = view.plain
            #expect(plain.hasPrefix("<s>" + prompt + "⟦"))
            #expect(plain.filter { $0 == "⟦" }.count == 1 && plain.hasSuffix(t.truncated ? "⟧" : "</s>⟧"))
            #expect(view.ansi.contains("\u{1B}[32m") && !view.ansi.contains("⟦"))
        }
        // Train on everything: all marked; cut inside the prompt: nothing marked.
        let all = ExampleView(data.records[0], template: .alpaca, tokenizer: tokenizer, maxLength: 512, trainOnAll: true)
        #expect(all.trainedCount == all.tokenCount && all.plain.hasPrefix("⟦<s>"))
        let cut = ExampleView(data.records[0], template: .alpaca, tokenizer: tokenizer, maxLength: 8)
        #expect(cut.tokenCount == 8 && cut.trainedCount == 0 && cut.answerLost && !cut.plain.contains("⟦"))
    }

    @Test("character stats of alpaca_en_demo, duplicate search included, take seconds at most in a debug build")
    func statsSpeed() {
        let start = ContinuousClock.now
        _ = DataStats(data, template: .alpaca, tokenizer: nil, maxLength: 512)
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        #expect(seconds < 5, "character stats took \(seconds) s")
    }
}
