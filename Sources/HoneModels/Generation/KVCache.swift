import HoneTensor

/// The keys and values of the positions a model has already seen, per layer, so that each new
/// token costs one position's work instead of the whole sequence's. Inference only.
///
/// A model's forward, per layer: `store(layer:key:value:)` the new positions' k and v
/// [B, T, Hkv, D] (after rotary embeddings), then `attend(layer:query:)` with q [B, T, Hq, D];
/// after the last layer, `advance(by: T)`.
public final class KVCache {
    public let layers: Int
    public let batch: Int
    public let capacity: Int
    public let keyValueHeads: Int
    public let headDim: Int
    /// Positions stored and committed by `advance`.
    public private(set) var length = 0
    /// Per layer [B, capacity, Hkv, D].
    private var keys: [Tensor]
    private var values: [Tensor]

    public init(layers: Int, batch: Int, capacity: Int, keyValueHeads: Int, headDim: Int) {
        precondition(layers > 0 && batch > 0 && capacity > 0 && keyValueHeads > 0 && headDim > 0, "KVCache: sizes must be positive")
        self.layers = layers
        self.batch = batch
        self.capacity = capacity
        self.keyValueHeads = keyValueHeads
        self.headDim = headDim
        let shape = [batch, capacity, keyValueHeads, headDim]
        keys = (0..<layers).map { _ in Tensor(uninitializedShape: shape) }
        values = (0..<layers).map { _ in Tensor(uninitializedShape: shape) }
    }

    /// Positions still free.
    public var remaining: Int { capacity - length }

    /// Forgets every position (the buffers are kept).
    public func reset() { length = 0 }

    /// Forgets the positions from `newLength` on.
    public func truncate(to newLength: Int) {
        precondition(newLength >= 0 && newLength <= length, "KVCache.truncate: \(newLength) is outside 0...\(length)")
        length = newLength
    }

    /// Copies k and v [B, T, Hkv, D] of positions `length ..< length + T` into `layer`.
    public func store(layer: Int, key: Tensor, value: Tensor) {
        let t = key.shape.count == 4 ? key.shape[1] : 0
        precondition(key.shape == [batch, t, keyValueHeads, headDim] && value.shape == key.shape,
                     "KVCache.store: key \(key.shape) and value \(value.shape) must be [\(batch), T, \(keyValueHeads), \(headDim)]")
        precondition(length + t <= capacity, "KVCache.store: \(length + t) positions exceed the capacity \(capacity)")
        let row = keyValueHeads * headDim
        for (source, target) in [(key.contiguous(), keys[layer]), (value.contiguous(), values[layer])] {
            withExtendedLifetime(source) {
                for b in 0..<batch {
                    (target.pointer + (b * capacity + length) * row).update(from: source.pointer + b * t * row, count: t * row)
                }
            }
        }
    }

    /// Attention of q [B, T, Hq, D] at positions `length ..< length + T` over the stored
    /// positions `0 ... length + i` of `layer` (which `store` must already hold). Returns [B, T, Hq, D].
    /// With `settings`, the family's score scale, sliding window and soft-cap apply as in training.
    /// The cache keeps every position even for windowed layers (a mask, not a ring): see
    /// docs/ARCHITECTURE.md, "Sliding windows".
    public func attend(layer: Int, query: Tensor, settings: AttentionKernels.Settings = .standard) -> Tensor {
        precondition(query.rank == 4 && query.shape[0] == batch && query.shape[3] == headDim
                     && query.shape[2] % keyValueHeads == 0, "KVCache.attend: query \(query.shape) does not fit the cache")
        let q = query.contiguous()
        let out = Tensor(uninitializedShape: q.shape)
        withExtendedLifetime(q) {
            // Per-head products are tiny: heads in parallel, OpenBLAS single-threaded meanwhile.
            BLAS.withThreads(1) { AttentionKernels.cachedForward(
                query: q.pointer, keys: keys[layer].pointer, values: values[layer].pointer, output: out.pointer,
                batch: batch, queryTime: q.shape[1], start: length, capacity: capacity,
                queryHeads: q.shape[2], keyValueHeads: keyValueHeads, headDim: headDim, settings: settings, threading: .heads) }
        }
        return out
    }

    /// Commits `count` positions stored in every layer.
    public func advance(by count: Int) {
        precondition(count >= 0 && length + count <= capacity, "KVCache.advance: \(length + count) positions exceed the capacity \(capacity)")
        length += count
    }
}
