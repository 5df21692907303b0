/// The training state of `ByteLevelBPETrainer`: every word type as a list of symbol ids with its
/// count, how often each adjacent pair occurs (weighted by word counts), which words hold each
/// pair, and a heap of candidates to find the best pair without scanning them all.
///
/// The heap is lazy: whenever a pair's count changes a new entry is pushed, and an entry whose
/// count no longer matches is skipped when popped. A merge visits only the words that hold the
/// pair, so a step costs about the number of those words rather than the whole corpus.
struct PairState {
    private var words: [[Int32]] = []
    private var wordCounts: [Int] = []
    private var pairCounts: [UInt64: Int] = [:]
    private var wordsWith: [UInt64: [Int32]] = [:]
    private var heap = MinHeap<Candidate>()
    private var forbidden: Set<UInt64> = []
    /// Symbols in the whole training text (sum over words of length × count).
    private(set) var tokenCount = 0

    /// A pair and its count. It orders first when its count is higher, then by its pieces' bytes,
    /// so popping the heap gives the trainer's deterministic choice.
    private struct Candidate: Comparable {
        var count: Int
        var left: Int32
        var right: Int32
        var leftBytes: [UInt8]
        var rightBytes: [UInt8]

        static func < (a: Candidate, b: Candidate) -> Bool {
            if a.count != b.count { return a.count > b.count }
            if a.leftBytes != b.leftBytes { return a.leftBytes.lexicographicallyPrecedes(b.leftBytes) }
            return a.rightBytes.lexicographicallyPrecedes(b.rightBytes)
        }

        static func == (a: Candidate, b: Candidate) -> Bool {
            a.count == b.count && a.left == b.left && a.right == b.right
        }
    }

    /// Words from `counter`, each byte `b` spelled as id `firstByteID + b`.
    init(counter: WordCounter, firstByteID: Int32) {
        for (word, count) in counter.counts {
            words.append(word.map { firstByteID + Int32($0) })
            wordCounts.append(count)
            tokenCount += word.count * count
        }
    }

    /// Counts every pair and fills the heap.
    mutating func start(pieceBytes: [[UInt8]]) {
        for (w, word) in words.enumerated() where word.count > 1 {
            for i in 0..<(word.count - 1) {
                let key = BPEMergeTable.key(word[i], word[i + 1])
                pairCounts[key, default: 0] += wordCounts[w]
                if wordsWith[key]?.last != Int32(w) { wordsWith[key, default: []].append(Int32(w)) }
            }
        }
        for (key, count) in pairCounts { push(key, count: count, pieceBytes: pieceBytes) }
    }

    /// The most frequent pair still allowed, or nil when no pair is left.
    mutating func best(pieceBytes: [[UInt8]]) -> (left: Int32, right: Int32)? {
        while let candidate = heap.pop() {
            let key = BPEMergeTable.key(candidate.left, candidate.right)
            if candidate.count > 0, pairCounts[key] == candidate.count, !forbidden.contains(key) {
                return (candidate.left, candidate.right)
            }
        }
        return nil
    }

    /// Never merges `left right` (its piece would spell a special token).
    mutating func forbid(_ left: Int32, _ right: Int32) {
        forbidden.insert(BPEMergeTable.key(left, right))
    }

    /// Replaces every `left right` in every word (left to right, without overlaps) by `result`
    /// and updates the counts of the pairs around each replacement.
    mutating func merge(_ left: Int32, _ right: Int32, into result: Int32, pieceBytes: [[UInt8]]) {
        let key = BPEMergeTable.key(left, right)
        var delta: [UInt64: Int] = [:]
        for w in wordsWith[key] ?? [] {
            let old = words[Int(w)]
            var new: [Int32] = []
            new.reserveCapacity(old.count)
            var i = 0
            while i < old.count {
                if i + 1 < old.count, old[i] == left, old[i + 1] == right {
                    new.append(result)
                    i += 2
                } else {
                    new.append(old[i])
                    i += 1
                }
            }
            if new.count == old.count { continue }  // listed before, merged since
            let count = wordCounts[Int(w)]
            for i in 0..<(old.count - 1) { delta[BPEMergeTable.key(old[i], old[i + 1]), default: 0] -= count }
            if new.count > 1 {
                for i in 0..<(new.count - 1) {
                    let pair = BPEMergeTable.key(new[i], new[i + 1])
                    delta[pair, default: 0] += count
                    if (new[i] == result || new[i + 1] == result), wordsWith[pair]?.last != w {
                        wordsWith[pair, default: []].append(w)
                    }
                }
            }
            tokenCount -= (old.count - new.count) * count
            words[Int(w)] = new
        }
        wordsWith[key] = nil
        for (pair, change) in delta where change != 0 {
            let count = (pairCounts[pair] ?? 0) + change
            pairCounts[pair] = count > 0 ? count : nil
            if count > 0 { push(pair, count: count, pieceBytes: pieceBytes) }
        }
    }

    private mutating func push(_ key: UInt64, count: Int, pieceBytes: [[UInt8]]) {
        let left = Int32(bitPattern: UInt32(key >> 32)), right = Int32(bitPattern: UInt32(key & 0xFFFF_FFFF))
        heap.push(Candidate(count: count, left: left, right: right,
                            leftBytes: pieceBytes[Int(left)], rightBytes: pieceBytes[Int(right)]))
    }
}
