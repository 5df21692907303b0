/// Scores a generated answer against a reference answer.
///
/// The normalisation is lighter than SQuAD's `normalize_answer` (which also removes
/// punctuation and the articles a/an/the): text is trimmed of leading and trailing whitespace,
/// every run of whitespace (spaces, tabs, newlines) becomes one space, and letters are
/// lowercased (Swift's Unicode `lowercased()`). Punctuation counts, so "Paris." ≠ "Paris".
public enum TextMetrics {
    /// `text` trimmed, its whitespace runs collapsed to one space, and lowercased.
    public static func normalize(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Whether the normalised prediction equals the normalised reference.
    public static func exactMatch(_ prediction: String, _ reference: String) -> Bool {
        normalize(prediction) == normalize(reference)
    }

    /// Whether the normalised reference appears in the normalised prediction (an answer with
    /// words around it still counts). An empty reference is contained in everything.
    public static func contains(_ prediction: String, _ reference: String) -> Bool {
        let r = normalize(reference)
        return r.isEmpty || normalize(prediction).contains(r)
    }

    /// ROUGE-L F1: with L the length of the longest common subsequence of the two token lists,
    /// precision = L / prediction tokens, recall = L / reference tokens, F = 2PR / (P + R)
    /// (0 when either list is empty or nothing matches). This is the `rouge-score` package's
    /// `rougeL` `fmeasure` (beta 1, no stemmer), with its tokenizer: lowercase, then every
    /// character that is not a letter or a digit separates tokens. rouge-score keeps only ASCII
    /// a-z and 0-9 (so it drops "é" entirely); here any Unicode letter or digit is kept, and the
    /// two agree on ASCII text.
    public static func rougeL(prediction: String, reference: String) -> Double {
        let p = rougeTokens(prediction)
        let r = rougeTokens(reference)
        guard !p.isEmpty, !r.isEmpty else { return 0 }
        let common = Double(longestCommonSubsequence(p, r))
        guard common > 0 else { return 0 }
        let precision = common / Double(p.count)
        let recall = common / Double(r.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// rouge-score's tokens: lowercased runs of letters and digits.
    static func rougeTokens(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    /// The length of the longest common subsequence of `a` and `b`, in O(|a|·|b|) time and O(|b|) space.
    static func longestCommonSubsequence<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
