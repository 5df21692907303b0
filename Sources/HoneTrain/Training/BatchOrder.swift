import HoneTensor

/// Which examples make up each micro-batch, as a pure function of the seed and the global
/// micro-batch index: epoch e visits the examples in a seeded permutation of its own. A resumed
/// run therefore needs only its position to see exactly the batches the uninterrupted run saw.
public struct BatchOrder: Sendable {
    public let exampleCount: Int
    public let batchSize: Int
    public let seed: UInt64
    private var cachedEpoch = -1
    private var permutation: [Int] = []

    public init(exampleCount: Int, batchSize: Int, seed: UInt64) {
        precondition(exampleCount > 0 && batchSize > 0)
        self.exampleCount = exampleCount
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Micro-batches per epoch; the last may be smaller than `batchSize`.
    public var batchesPerEpoch: Int { (exampleCount + batchSize - 1) / batchSize }

    /// The example indices of global micro-batch `index`.
    public mutating func batch(_ index: Int) -> [Int] {
        let epoch = index / batchesPerEpoch, within = index % batchesPerEpoch
        if epoch != cachedEpoch {
            permutation = Self.permutation(count: exampleCount, seed: SplitMix.mix(seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
            cachedEpoch = epoch
        }
        return Array(permutation[within * batchSize..<min(exampleCount, (within + 1) * batchSize)])
    }

    /// A Fisher–Yates shuffle of 0..<count.
    static func permutation(count: Int, seed: UInt64) -> [Int] {
        var random = RandomGenerator(seed: seed)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, random.int(below: i + 1)) }
        return order
    }
}
