/// The pair-merging core shared by every BPE tokenizer here: a table from an adjacent pair of ids
/// to the id they merge into and its rank (lower merges first), and the merge loop itself.
///
/// Score-ranked vocabularies (llama2.c, GGUF `llama`) and merge-ranked ones (tokenizer.json,
/// merges.txt) differ only in how the table is built; the loop is the same: repeatedly merge the
/// adjacent pair of lowest rank, the leftmost among equals, until no pair is in the table. That is
/// llama2.c's, llama.cpp's and HF tokenizers' rule.
struct BPEMergeTable: Sendable {
    struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    private(set) var merges: [UInt64: Merge] = [:]

    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    func merge(_ left: Int32, _ right: Int32) -> Merge? { merges[Self.key(left, right)] }

    /// Adds `left right → result` unless the pair already has a (better-ranked, earlier) merge.
    mutating func add(_ left: Int32, _ right: Int32, result: Int32, rank: Int32) {
        let key = Self.key(left, right)
        if merges[key] == nil { merges[key] = Merge(rank: rank, result: result) }
    }

    var count: Int { merges.count }

    /// llama2.c's rule as a table: every pair of vocabulary entries whose concatenation is also an
    /// entry merges into it, ranked by that entry's score (higher first; equal scores share a rank,
    /// so the leftmost pair wins as in llama2.c). `pieces` are byte strings; the first id of a
    /// duplicated piece is the one used.
    static func byScore(pieces: [[UInt8]], scores: [Float], mergeable: (Int) -> Bool = { _ in true }) -> BPEMergeTable {
        var ids: [[UInt8]: Int32] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = Int32(id) }
        // A NaN score (a corrupt file) ranks last: NaN never equals itself, so it could not be looked up.
        let scores = scores.map { $0.isNaN ? -Float.infinity : $0 }
        let distinct = Array(Set(scores)).sorted(by: >)
        var rankOf: [Float: Int32] = [:]
        for (rank, score) in distinct.enumerated() { rankOf[score] = Int32(rank) }
        var table = BPEMergeTable()
        for (id, piece) in pieces.enumerated() where piece.count > 1 && ids[piece] == Int32(id) && mergeable(id) {
            for split in 1..<piece.count {
                guard let left = ids[Array(piece[..<split])], let right = ids[Array(piece[split...])] else { continue }
                table.add(left, right, result: Int32(id), rank: rankOf[scores[id]]!)
            }
        }
        return table
    }

    /// The pairs of a score-ranked table in the order a merge list needs them (HF tokenizer.json):
    /// by rank, then by the left and right ids.
    func orderedPairs() -> [(left: Int32, right: Int32, result: Int32)] {
        merges.map { (key, merge) in (Int32(bitPattern: UInt32(key >> 32)), Int32(bitPattern: UInt32(key & 0xFFFF_FFFF)), merge) }
            .sorted { ($0.2.rank, $0.0, $0.1) < ($1.2.rank, $1.0, $1.1) }
            .map { ($0.0, $0.1, $0.2.result) }
    }

    /// Merges `symbols` in place. Short words (the common case after pre-tokenization) use a
    /// direct scan; long ones (SentencePiece encodes a whole text as one word) a heap over a
    /// linked list, so 100 KB of text costs O(n log n) rather than O(n²).
    func apply(_ symbols: inout [Int32]) {
        if symbols.count < 2 || merges.isEmpty { return }
        if symbols.count <= 24 { applyByScan(&symbols) } else { applyByHeap(&symbols) }
    }

    func applyByScan(_ symbols: inout [Int32]) {
        while symbols.count > 1 {
            var best: (rank: Int32, index: Int, result: Int32)? = nil
            for i in 0..<(symbols.count - 1) {
                if let m = merge(symbols[i], symbols[i + 1]), best == nil || m.rank < best!.rank {
                    best = (m.rank, i, m.result)
                }
            }
            guard let b = best else { return }
            symbols[b.index] = b.result
            symbols.remove(at: b.index + 1)
        }
    }

    private struct Candidate: Comparable {
        var rank: Int32
        var left: Int32  // position of the left symbol (positions never move, merged ones die)
        var leftID: Int32
        var rightID: Int32
        static func < (a: Candidate, b: Candidate) -> Bool { (a.rank, a.left) < (b.rank, b.left) }
    }

    func applyByHeap(_ symbols: inout [Int32]) {
        let n = symbols.count
        var ids = symbols
        var next = (0..<n).map { Int32($0 + 1) }  // n = none
        var prev = (0..<n).map { Int32($0 - 1) }  // -1 = none
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap<Candidate>()
        func push(_ i: Int32) {
            let j = next[Int(i)]
            guard j < n, let m = merge(ids[Int(i)], ids[Int(j)]) else { return }
            heap.push(Candidate(rank: m.rank, left: i, leftID: ids[Int(i)], rightID: ids[Int(j)]))
        }
        for i in 0..<(n - 1) { push(Int32(i)) }
        while let c = heap.pop() {
            let i = Int(c.left)
            guard alive[i], ids[i] == c.leftID else { continue }
            let j = Int(next[i])
            guard j < n, ids[j] == c.rightID, let m = merge(c.leftID, c.rightID) else { continue }
            ids[i] = m.result
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[Int(next[j])] = Int32(i) }
            if prev[i] >= 0 { push(prev[i]) }
            push(Int32(i))
        }
        symbols.removeAll(keepingCapacity: true)
        var i = 0
        while i < n {
            symbols.append(ids[i])
            i = Int(next[i])
        }
    }
}

/// A binary min-heap; the standard library has none.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count, items[left] < items[smallest] { smallest = left }
                if right < items.count, items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
