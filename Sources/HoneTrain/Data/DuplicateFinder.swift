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
/// Exact: equal after whitespace is normalised (`normalizedKey`).
/// Near: Jaccard similarity of lower-cased word 3-gram shingles at or above a threshold. Comparing
/// every pair is O(n²) set intersections, so candidates come from MinHash signatures split into
/// LSH bands (records that agree on a whole band share a bucket); every candidate is then checked
/// with the exact Jaccard, so no pair is reported that is below the threshold. Bands of 4 rows
/// find pairs at 0.8 with probability above 0.999. Hashes are FNV-1a and SplitMix, never Swift's
/// per-process seeded `Hasher`, so the result is the same on every run. About 0.07 s for
/// alpaca_en_demo's 999 records in a release build.
public enum DuplicateFinder {
    /// `text` with every run of ASCII whitespace made one space and none kept at the ends of the
    /// text or around a field separator (U+001F). Works on UTF-8 bytes: a data set is
    /// normalised in milliseconds.
    public static func normalizedKey(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for b in text.utf8 {
            if isSpace(b) { pendingSpace = true; continue }
            if b == separator {
                out.append(b)
            } else {
                if pendingSpace, let last = out.last, last != separator { out.append(0x20) }
                out.append(b)
            }
            pendingSpace = false
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let separator: UInt8 = 0x1F

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

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

    /// The hashed word 3-grams of `text`, ASCII letters folded to lower case; a text of one or two
    /// words is one shingle. Words are split at ASCII whitespace and the field separator, hashed
    /// once each (FNV-1a over their bytes), and three word hashes combine in order by SplitMix, so
    /// no string is built per shingle.
    static func shingleSet(_ text: String) -> Set<UInt64> {
        var words: [UInt64] = []
        var h: UInt64 = fnvOffset
        var inWord = false
        for var b in text.utf8 {
            if isSpace(b) || b == separator {
                if inWord { words.append(h); h = fnvOffset; inWord = false }
                continue
            }
            if b >= 0x41 && b <= 0x5A { b += 0x20 }
            h = (h ^ UInt64(b)) &* fnvPrime
            inWord = true
        }
        if inWord { words.append(h) }
        if words.isEmpty { return [] }
        if words.count < 3 { return [SplitMix.mix(words.reduce(0) { SplitMix.mix($0 &+ $1) })] }
        var out = Set<UInt64>(minimumCapacity: words.count)
        for k in 0...(words.count - 3) {
            out.insert(SplitMix.mix(SplitMix.mix(SplitMix.mix(words[k]) &+ words[k + 1]) &+ words[k + 2]))
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

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x100_0000_01b3
}
