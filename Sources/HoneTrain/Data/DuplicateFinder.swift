import HoneTensor

/// A record that repeats an earlier one: by index into the data set, with the Jaccard similarity
/// of their word 3-gram shingles (1 for an exact duplicate).
public struct DuplicatePair: Sendable, Equatable {
    /// The later record (the one a cleaner drops).
    public var index: Int
    /// The earliest record it repeats.
    public var original: Int
    public var similarity: Double
}

/// Exact and near duplicates among texts.
///
/// Exact: equal after whitespace is normalised (every run of whitespace one space, ends trimmed).
/// Near: Jaccard similarity of lower-cased word 3-gram shingles at or above a threshold. Comparing
/// every pair is O(n²) set intersections, so candidates come from MinHash signatures split into
/// LSH bands (records that agree on a whole band share a bucket); every candidate is then checked
/// with the exact Jaccard, so no pair is reported that is below the threshold. Bands of 4 rows
/// find pairs at 0.8 with probability above 0.999. Hashes are FNV-1a and SplitMix, never Swift's
/// per-process seeded `Hasher`, so the result is the same on every run.
public enum DuplicateFinder {
    /// `text` with every whitespace run made one space and the ends trimmed.
    public static func normalizedKey(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Records equal (after whitespace normalisation) to an earlier one.
    /// - Complexity: O(total text length).
    public static func exact(_ texts: [String]) -> [DuplicatePair] {
        var first: [String: Int] = [:]
        var out: [DuplicatePair] = []
        for (i, t) in texts.enumerated() {
            let key = normalizedKey(t)
            if let j = first[key] { out.append(DuplicatePair(index: i, original: j, similarity: 1)) } else { first[key] = i }
        }
        return out
    }

    /// Records whose shingle Jaccard with an earlier record is at least `threshold`, excluding the
    /// indices in `skipping` (exact duplicates, reported on their own). Each is paired with the
    /// earliest such record; a text with no words is never a near duplicate.
    public static func near(_ texts: [String], threshold: Double = 0.8, skipping: Set<Int> = []) -> [DuplicatePair] {
        let shingles = texts.map(shingleSet)
        let hashes = 64
        let rows = threshold >= 0.75 ? 4 : threshold >= 0.45 ? 2 : 1
        let seeds = (0..<hashes).map { SplitMix.mix(UInt64($0) &+ 0x5EED) }
        var buckets: [UInt64: [Int]] = [:]
        var candidates: [Int: Set<Int>] = [:]
        for (i, set) in shingles.enumerated() where !set.isEmpty && !skipping.contains(i) {
            var signature = [UInt64](repeating: .max, count: hashes)
            for s in set {
                for h in 0..<hashes {
                    let v = SplitMix.mix(s ^ seeds[h])
                    if v < signature[h] { signature[h] = v }
                }
            }
            for band in 0..<(hashes / rows) {
                var key = UInt64(band) &* 0x9E37_79B9_7F4A_7C15
                for r in 0..<rows { key = SplitMix.mix(key ^ signature[band * rows + r]) }
                for j in buckets[key, default: []] { candidates[i, default: []].insert(j) }
                buckets[key, default: []].append(i)
            }
        }
        var out: [DuplicatePair] = []
        for i in candidates.keys.sorted() {
            for j in candidates[i]!.sorted() {
                let sim = jaccard(shingles[i], shingles[j])
                if sim >= threshold {
                    out.append(DuplicatePair(index: i, original: j, similarity: sim))
                    break
                }
            }
        }
        return out
    }

    /// The hashed word 3-grams of `text`, lower-cased; a text of one or two words is one shingle.
    static func shingleSet(_ text: String) -> Set<UInt64> {
        let words = text.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "\u{1F}" })
        if words.isEmpty { return [] }
        if words.count < 3 { return [fnv1a(words.joined(separator: " "))] }
        var out = Set<UInt64>()
        out.reserveCapacity(words.count)
        for k in 0...(words.count - 3) {
            out.insert(fnv1a(words[k] + " " + words[k + 1] + " " + words[k + 2]))
        }
        return out
    }

    static func jaccard(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var common = 0
        for x in small where large.contains(x) { common += 1 }
        let union = a.count + b.count - common
        return union == 0 ? 0 : Double(common) / Double(union)
    }

    static func fnv1a(_ s: some StringProtocol) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}
