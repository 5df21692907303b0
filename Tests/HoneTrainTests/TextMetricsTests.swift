import Testing
@testable import HoneTrain

@Suite("answer scores: exact match, contains, ROUGE-L")
struct TextMetricsTests {
    @Test("normalisation trims, collapses whitespace runs and lowercases, and nothing more")
    func normalisation() {
        #expect(TextMetrics.normalize("  The\tCat \n\n sat  ") == "the cat sat")
        #expect(TextMetrics.exactMatch("Paris", " paris\n"))
        #expect(TextMetrics.exactMatch("New   York", "new york"))
        // Unlike SQuAD's, punctuation and articles count.
        #expect(!TextMetrics.exactMatch("Paris.", "Paris"))
        #expect(!TextMetrics.exactMatch("the Paris", "Paris"))
        #expect(TextMetrics.exactMatch("", "   "))
    }

    @Test("contains finds the normalised reference inside the normalised prediction")
    func containment() {
        #expect(TextMetrics.contains("I think it is  PARIS, France", "paris"))
        #expect(TextMetrics.contains("the answer is new\nyork", "New York"))
        #expect(!TextMetrics.contains("Paris", "Paris, France"))
        #expect(TextMetrics.contains("anything", ""))
    }

    @Test("ROUGE-L F1 as in rouge-score's README: 5 common of 8 predicted and 9 reference tokens")
    func rougeReadme() {
        // rouge_scorer.RougeScorer(['rougeL']).score('The quick brown fox jumps over the lazy dog',
        //     'The quick brown dog jumps on the log.') → precision 0.625, recall 0.5556, fmeasure 0.5882.
        let f = TextMetrics.rougeL(prediction: "The quick brown dog jumps on the log.",
                                   reference: "The quick brown fox jumps over the lazy dog")
        #expect(abs(f - 10.0 / 17.0) < 1e-12)
    }

    @Test("ROUGE-L tokens are lowercased runs of letters and digits; empty or disjoint text scores 0")
    func rougeEdges() {
        #expect(TextMetrics.rougeTokens("Hello, WORLD! it's 42") == ["hello", "world", "it", "s", "42"])
        #expect(TextMetrics.rougeL(prediction: "A b c", reference: "a, B. c!") == 1)
        #expect(TextMetrics.rougeL(prediction: "", reference: "a") == 0)
        #expect(TextMetrics.rougeL(prediction: "a", reference: "") == 0)
        #expect(TextMetrics.rougeL(prediction: "x y", reference: "a b") == 0)
        // LCS of "a b c d" and "b d" is 2: P = 2/4, R = 2/2, F = 2·0.5·1/1.5 = 2/3.
        #expect(abs(TextMetrics.rougeL(prediction: "a b c d", reference: "b d") - 2.0 / 3.0) < 1e-12)
    }

    @Test("the longest common subsequence is a subsequence, not a substring")
    func lcs() {
        #expect(TextMetrics.longestCommonSubsequence(Array("ABCBDAB"), Array("BDCABA")) == 4)
        #expect(TextMetrics.longestCommonSubsequence([Int](), [1, 2]) == 0)
    }
}
