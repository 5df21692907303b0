import Foundation

/// The two BM25 constants. k1 sets how quickly repeats of a term stop adding score (0: only
/// presence counts); b sets how much a long passage is discounted (0: not at all, 1: fully).
public struct BM25Parameters: Sendable, Equatable {
    public var k1: Double
    public var b: Double

    /// k1 = 1.5 and b = 0.75, the values most BM25 implementations ship with.
    public static let standard = BM25Parameters(k1: 1.5, b: 0.75)

    public init(k1: Double, b: Double) {
        self.k1 = k1
        self.b = b
    }
}

/// One result of a search: the passage, its position in the index and its score.
public struct RetrievalHit: Sendable, Equatable {
    public var passage: Passage
    /// The passage's position in `BM25Index.passages`, which breaks ties.
    public var index: Int
    public var score: Double
}

/// An Okapi BM25 index over passages: the lexical retriever of "retrieve, prompt or fine-tune".
///
/// A passage d scores, for a query with distinct terms q (each counted once however often it is
/// written):
///
///     score(d) = Σ_q idf(q) · tf(q,d) · (k1 + 1) / (tf(q,d) + k1 · (1 − b + b · |d| / avgdl))
///     idf(q)   = ln(1 + (N − n(q) + 0.5) / (n(q) + 0.5))
///
/// where tf is the term's count in d, |d| the passage's length in terms, avgdl the mean length,
/// N the number of passages and n(q) how many contain q. The idf is Lucene's: the 1 + inside
/// the logarithm keeps it positive, where Robertson's original ln((N − n + 0.5)/(n + 0.5)) turns
/// negative for terms in more than half the passages and would rank a passage lower for
/// matching them. The numerator keeps the classic (k1 + 1); Lucene 8 and later drop it, which
/// scales every score alike and changes no ranking.
///
/// The index is exact and in memory: a term's postings are searched directly, which suits the
/// thousands of passages a lesson uses.
public struct BM25Index: Sendable {
    public let passages: [Passage]
    public let parameters: BM25Parameters
    /// Each passage's term counts.
    let termCounts: [[String: Int]]
    /// Each passage's length in terms.
    let lengths: [Int]
    /// For each term, the passages containing it, in passage order.
    let postings: [String: [Int]]
    public let averageLength: Double

    /// - Complexity: O(total terms).
    public init(passages: [Passage], parameters: BM25Parameters = .standard) {
        self.passages = passages
        self.parameters = parameters
        var counts: [[String: Int]] = []
        var lengths: [Int] = []
        var postings: [String: [Int]] = [:]
        for (i, passage) in passages.enumerated() {
            let terms = RetrievalTokenizer.terms(passage.text)
            var count: [String: Int] = [:]
            for term in terms { count[term, default: 0] += 1 }
            for term in count.keys { postings[term, default: []].append(i) }
            counts.append(count)
            lengths.append(terms.count)
        }
        self.termCounts = counts
        self.lengths = lengths
        self.postings = postings
        self.averageLength = passages.isEmpty ? 0 : Double(lengths.reduce(0, +)) / Double(passages.count)
    }

    /// The number of distinct terms over all passages.
    public var vocabularySize: Int { postings.count }

    /// The number of passages containing `term` (already a tokenizer term).
    public func documentFrequency(_ term: String) -> Int { postings[term]?.count ?? 0 }

    /// Lucene's idf of `term`; see the type's comment.
    public func idf(_ term: String) -> Double {
        let n = Double(documentFrequency(term)), total = Double(passages.count)
        return log(1 + (total - n + 0.5) / (n + 0.5))
    }

    /// The BM25 score of passage `index` for `query`; 0 when they share no term.
    public func score(_ query: String, passage index: Int) -> Double {
        Self.distinct(RetrievalTokenizer.terms(query)).reduce(0) { $0 + termScore($1, index) }
    }

    func termScore(_ term: String, _ index: Int) -> Double {
        guard let tf = termCounts[index][term].map(Double.init) else { return 0 }
        let k1 = parameters.k1, b = parameters.b
        let norm = averageLength > 0 ? Double(lengths[index]) / averageLength : 0
        return idf(term) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * norm))
    }

    /// The `k` best passages for `query`, best first. Only passages sharing a term with the query
    /// are returned (a score of 0 is no evidence), so there may be fewer than k. Equal scores
    /// keep passage order, so the same index and query always give the same list.
    /// - Complexity: O(postings of the query's terms + m log m) for m matching passages.
    public func search(_ query: String, k: Int) -> [RetrievalHit] {
        guard k > 0 else { return [] }
        var scores: [Int: Double] = [:]
        for term in Self.distinct(RetrievalTokenizer.terms(query)) {
            for i in postings[term] ?? [] { scores[i, default: 0] += termScore(term, i) }
        }
        return scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(k)
            .map { RetrievalHit(passage: passages[$0.key], index: $0.key, score: $0.value) }
    }

    /// Terms in first-seen order without repeats: the order fixes the order of additions, so
    /// scores are bit-for-bit reproducible.
    static func distinct(_ terms: [String]) -> [String] {
        var seen = Set<String>()
        return terms.filter { seen.insert($0).inserted }
    }
}
