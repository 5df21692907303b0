import HoneTensor

/// Choices the story world makes from hone's seeded generator, never from Swift's system random
/// numbers, so the same seed writes the same text on every machine.
extension RandomGenerator {
    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T { items[int(below: items.count)] }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { nextDouble() < p }

    /// `items` in a random order (Fisher–Yates).
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var out = items
        if out.count < 2 { return out }
        for i in stride(from: out.count - 1, to: 0, by: -1) { out.swapAt(i, int(below: i + 1)) }
        return out
    }

    /// A generator for one purpose (`stream`) of a seed, independent of the others.
    static func stream(_ seed: UInt64, _ stream: UInt64) -> RandomGenerator {
        RandomGenerator(seed: SplitMix.mix(seed ^ SplitMix.mix(stream &* 0x9E37_79B9_7F4A_7C15 &+ 0x2545_F491)))
    }
}
