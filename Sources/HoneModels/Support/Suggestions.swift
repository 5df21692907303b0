/// "Did you mean …?" by edit distance, shared by commands, arguments, choices and variables.
public enum Suggestions {
    /// Damerau–Levenshtein distance (adjacent transpositions count as one edit).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let s = Array(a.lowercased()), t = Array(b.lowercased())
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
        for i in 0...s.count { d[i][0] = i }
        for j in 0...t.count { d[0][j] = j }
        for i in 1...s.count {
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[s.count][t.count]
    }

    /// The candidates closest to `word`: those with the best score, where the score is the edit
    /// distance (within a budget that grows with length), less for a shared prefix of three or
    /// more characters, and a little more when the first letter differs.
    public static func closest(to word: String, among candidates: [String], limit: Int = 3) -> [String] {
        let budget = max(1, min(3, word.count / 3 + 1))
        var scored: [(String, Double)] = []
        var seen = Set<String>()
        let lower = word.lowercased()
        for candidate in candidates where !seen.contains(candidate) && candidate != word {
            seen.insert(candidate)
            let distance = editDistance(word, candidate)
            let sharesPrefix = word.count >= 3 && candidate.lowercased().hasPrefix(lower)
            guard distance <= budget || sharesPrefix else { continue }
            var score = Double(min(distance, budget))
            if candidate.lowercased().first != lower.first { score += 0.5 }
            scored.append((candidate, score))
        }
        guard let best = scored.map(\.1).min() else { return [] }
        return scored.filter { $0.1 == best }.map(\.0).sorted().prefix(limit).map { $0 }
    }

    /// "; did you mean `x`?" or "; did you mean `x` or `y`?", or "" when nothing is close.
    public static func didYouMean(_ word: String, among candidates: [String]) -> String {
        let best = closest(to: word, among: candidates)
        guard !best.isEmpty else { return "" }
        let quoted = best.map { "`\($0)`" }
        let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return "; did you mean \(list)?"
    }
}
