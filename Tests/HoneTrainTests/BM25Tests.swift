import Foundation
import Testing
@testable import HoneTrain

/// BM25 against hand arithmetic, and how documents become passages with their sources.
@Suite("BM25 retrieval")
struct BM25Tests {
    /// Three passages, 3 + 6 + 3 = 12 terms: N = 3, avgdl = 4.
    static let corpus = ["the cat sat", "the dog sat on the mat", "cats and dogs"]

    static func index(_ texts: [String]) -> BM25Index {
        BM25Index(passages: texts.enumerated().map { Passage(text: $1, source: PassageSource(file: "t.txt", line: $0 + 1)) })
    }

    @Test("a one-term query scores as the formula computed by hand")
    func singleTermByHand() {
        let index = Self.index(Self.corpus)
        #expect(index.averageLength == 4)
        // "cat" is in 1 of 3 passages: idf = ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(8/3) ≈ 0.980829.
        #expect(abs(index.idf("cat") - log(8.0 / 3.0)) < 1e-12)
        // Passage 0: tf = 1, |d| = 3, |d|/avgdl = 0.75.
        // denominator = 1 + 1.5 · (1 − 0.75 + 0.75 · 0.75) = 1 + 1.5 · 0.8125 = 2.21875
        // score = ln(8/3) · 1 · 2.5 / 2.21875 ≈ 1.1051597
        let expected = log(8.0 / 3.0) * 2.5 / 2.21875
        #expect(abs(index.score("cat", passage: 0) - expected) < 1e-12)
        #expect(abs(expected - 1.1051597217) < 1e-9)
        // "cats" is another term (no stemming), so passage 2 does not match.
        #expect(index.score("cat", passage: 2) == 0)
        let hits = index.search("cat", k: 3)
        #expect(hits.map(\.index) == [0])
        #expect(abs(hits[0].score - expected) < 1e-12)
    }

    @Test("a two-term query sums its terms, and the shorter passage ranks first")
    func twoTermsByHand() {
        let index = Self.index(Self.corpus)
        // "the" and "sat" are each in 2 of 3 passages: idf = ln(1 + 1.5/2.5) = ln(1.6).
        #expect(abs(index.idf("the") - log(1.6)) < 1e-12)
        // Passage 0 (|d| = 3): each term tf = 1 → 2.5 / 2.21875; score = 2 · ln(1.6) · 2.5/2.21875 ≈ 1.0591631.
        let p0 = 2 * log(1.6) * 2.5 / 2.21875
        // Passage 1 (|d| = 6, |d|/avgdl = 1.5): k1 · (1 − b + b · 1.5) = 1.5 · 1.375 = 2.0625.
        // "the" tf = 2 → 2 · 2.5 / (2 + 2.0625) = 5/4.0625; "sat" tf = 1 → 2.5 / 3.0625.
        // score = ln(1.6) · (5/4.0625 + 2.5/3.0625) ≈ 0.9621424.
        let p1 = log(1.6) * (5 / 4.0625 + 2.5 / 3.0625)
        let hits = index.search("The SAT?", k: 3)
        #expect(hits.map(\.index) == [0, 1])
        #expect(abs(hits[0].score - p0) < 1e-12 && abs(hits[1].score - p1) < 1e-12)
        #expect(abs(p0 - 1.0591631082) < 1e-9 && abs(p1 - 0.9621424373) < 1e-9)
        // A repeated query term counts once.
        #expect(index.score("sat sat the", passage: 0) == index.score("the sat", passage: 0))
    }

    @Test("search returns at most k passages, equal scores in passage order, and nothing for unknown terms")
    func rankingAndTies() {
        let index = Self.index(["red apple", "green pear", "red apple", "red red apple pie"])
        let hits = index.search("red apple", k: 2)
        #expect(hits.map(\.index) == [0, 2])
        #expect(hits[0].score == hits[1].score)
        #expect(index.search("red apple", k: 10).map(\.index) == [0, 2, 3])
        #expect(index.search("banana", k: 3).isEmpty)
        #expect(index.search("red", k: 0).isEmpty)
        #expect(index.vocabularySize == 5)
    }

    @Test("terms are lowercase runs of letters and digits, non-ASCII letters included")
    func tokenisation() {
        #expect(RetrievalTokenizer.terms("Café au lait, naïve—東京 2024!x_y") == ["café", "au", "lait", "naïve", "東京", "2024", "x", "y"])
        #expect(RetrievalTokenizer.terms("  ...  ").isEmpty)
    }

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-bm25-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a text file splits at blank lines, each passage with the line it starts on")
    func paragraphs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/notes.txt"
        try "Paris is the capital\nof France.\n\n\n  Rome is the capital of Italy.  \n\nBerlin is in Germany.".write(toFile: file, atomically: true, encoding: .utf8)
        let passages = try PassageReader.passages(at: file)
        #expect(passages.map(\.text) == ["Paris is the capital\nof France.", "Rome is the capital of Italy.", "Berlin is in Germany."])
        #expect(passages.map(\.source.description) == ["\(file):1", "\(file):5", "\(file):7"])
    }

    @Test("a file without blank lines splits per line")
    func lines() {
        let passages = PassageReader.paragraphs("one fact\ntwo facts\r\nthree facts\n", file: "f.txt")
        #expect(passages.map(\.text) == ["one fact", "two facts", "three facts"])
        #expect(passages.map(\.source.line) == [1, 2, 3])
    }

    @Test("a folder gives its .txt and .md files recursively, sorted by path; other files are ignored")
    func folder() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try "b one\n\nb two".write(toFile: dir + "/b.md", atomically: true, encoding: .utf8)
        try "a".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        try "nested".write(toFile: dir + "/sub/c.txt", atomically: true, encoding: .utf8)
        try "{\"text\": \"ignored\"}".write(toFile: dir + "/d.json", atomically: true, encoding: .utf8)
        let passages = try PassageReader.passages(at: dir)
        #expect(passages.map(\.text) == ["a", "b one", "b two", "nested"])
        #expect(passages.map(\.source.description) == ["\(dir)/a.txt:1", "\(dir)/b.md:1", "\(dir)/b.md:3", "\(dir)/sub/c.txt:1"])
    }

    @Test("a JSONL file or JSON array gives each record's text field, else its fields joined, at its line")
    func jsonLines() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/facts.jsonl"
        try "{\"id\": 1, \"text\": \"Water boils at 100 C.\"}\n\n{\"q\": \"Capital of Peru?\", \"a\": \"Lima\", \"n\": 3}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let passages = try PassageReader.passages(at: file)
        #expect(passages.map(\.text) == ["Water boils at 100 C.", "Capital of Peru?\nLima\n3"])
        #expect(passages.map(\.source.line) == [1, 3])

        let array = dir + "/facts.json"
        try "[\n  {\"instruction\": \"Boiling point?\", \"output\": \"100 C\"},\n\n  {\"text\": \"Ice melts at 0 C.\"}\n]\n".write(toFile: array, atomically: true, encoding: .utf8)
        let fromArray = try PassageReader.passages(at: array)
        #expect(fromArray.map(\.text) == ["Boiling point?\n100 C", "Ice melts at 0 C."])
        #expect(fromArray.map(\.source.line) == [2, 4])

        try "{\"text\": \"ok\"}\n[1, 2]\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: RetrievalError(.badRecord, path: file, line: 2, "expected a JSON object, found an array")) {
            try PassageReader.passages(at: file)
        }
    }

    @Test("empty documents and missing paths are errors naming the path")
    func emptyDocuments() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try " \n\n \n".write(toFile: dir + "/blank.txt", atomically: true, encoding: .utf8)
        #expect(throws: RetrievalError(.empty, path: dir + "/blank.txt", "no text to index (the documents are empty)")) {
            try PassageReader.passages(at: dir + "/blank.txt")
        }
        try FileManager.default.createDirectory(atPath: dir + "/none", withIntermediateDirectories: true)
        #expect(throws: RetrievalError(.empty, path: dir + "/none", "the folder holds no .txt or .md file")) {
            try PassageReader.passages(at: dir + "/none")
        }
        do {
            _ = try PassageReader.passages(at: dir + "/missing.txt")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .unreadable && error.description.hasPrefix(dir + "/missing.txt:"))
        }
    }

    @Test("the retrieval template puts numbered passages and the question in; shots skip the record answered")
    func augmentation() throws {
        let index = Self.index(Self.corpus)
        let template = try RetrievalTemplate("Facts:\n{context}\nQ: {question} {other}")
        let augmenter = PromptAugmenter(retrieval: (index, 2), template: template)
        let (text, hits) = augmenter.apply(to: "where the cat sat")
        #expect(hits.map(\.index) == [0, 1])
        #expect(text == "Facts:\n[1] the cat sat\n[2] the dog sat on the mat\nQ: where the cat sat {other}")
        #expect(throws: RetrievalTemplateError(missing: ["{context}"])) { try RetrievalTemplate("Q: {question}") }

        let records: [DataRecord] = [.instruction(instruction: "1+1", input: "", output: "2"), .text("no question"),
                                     .promptCompletion(prompt: "2+2", completion: "4"), .instruction(instruction: "3+3", input: "", output: "6")]
        let shots = PromptAugmenter(shots: (records, 2))
        #expect(shots.apply(to: "5+5").text == "Question: 1+1\nAnswer: 2\n\nQuestion: 2+2\nAnswer: 4\n\nQuestion: 5+5\nAnswer:")
        #expect(shots.apply(to: "1+1", record: records[0]).text == "Question: 2+2\nAnswer: 4\n\nQuestion: 3+3\nAnswer: 6\n\nQuestion: 1+1\nAnswer:")
        #expect(records[0].replacingQuestion { "[\($0)]" } == .instruction(instruction: "[1+1]", input: "", output: "2"))
    }
}
