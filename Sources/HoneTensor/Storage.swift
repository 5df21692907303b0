import Synchronization

/// A 64-byte-aligned buffer of elements. Buffers come from `BufferPool`, which keeps freed
/// buffers by size and hands them out again, so a training loop that makes the same tensors
/// every step stops allocating after its first step.
public final class TensorStorage: @unchecked Sendable {
    public let dtype: DType
    public let count: Int
    public let byteCount: Int
    public let raw: UnsafeMutableRawPointer

    /// A buffer of `count` elements; its contents are undefined unless `zeroed`.
    public init(dtype: DType, count: Int, zeroed: Bool = false) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.dtype = dtype
        self.count = count
        self.byteCount = count * dtype.byteSize
        self.raw = BufferPool.shared.take(byteCount: byteCount)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
        MemoryStats.allocated(byteCount)
    }

    deinit {
        MemoryStats.released(byteCount)
        BufferPool.shared.give(raw, byteCount: byteCount)
    }

    public var floats: UnsafeMutablePointer<Float> {
        precondition(dtype == .float32, "TensorStorage: \(dtype) storage read as float32")
        return raw.assumingMemoryBound(to: Float.self)
    }

    /// Set on a model's weights: bf16 products (`Precision.bf16`) then convert this storage to
    /// bf16 once and reuse the copy, instead of converting it at every product, as activations
    /// are. Whoever writes such a storage in place must call `contentsChanged()`.
    public var keepsBFloat16Copy: Bool {
        get { bfloat16.withLock { $0.wanted } }
        set { bfloat16.withLock { $0.wanted = newValue; if !newValue { $0.copy = nil } } }
    }

    private let bfloat16 = Locked<(wanted: Bool, copy: TensorStorage?)>((false, nil))

    /// Drops the bf16 copy after an in-place write (an optimizer step, a restore): the next bf16
    /// product makes it again from the new values, so full fine-tuning refreshes it every step.
    public func contentsChanged() {
        bfloat16.withLock { $0.copy = nil }
    }

    /// Bytes held by this storage's bf16 copy (0 when it has none).
    public var bfloat16CopyBytes: Int { bfloat16.withLock { $0.copy?.byteCount ?? 0 } }

    /// The bf16 copy of every element (round to nearest even), made on first use; nil unless
    /// `keepsBFloat16Copy` is set.
    func bfloat16Copy() -> TensorStorage? {
        bfloat16.withLock { state -> TensorStorage? in
            guard state.wanted, dtype == .float32 else { return nil }
            if let copy = state.copy { return copy }
            let copy = TensorStorage(dtype: .bfloat16, count: count)
            BFloat16Kernels.convert(floats, count: count, into: copy.raw.assumingMemoryBound(to: UInt16.self))
            state.copy = copy
            return copy
        }
    }
}

/// Current and peak bytes held by tensor storage, for `show memory`.
public enum MemoryStats {
    private static let current = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)

    static func allocated(_ bytes: Int) {
        if countsRunning.load(ordering: .relaxed) > 0 { ledger?.net.add(bytes, ordering: .relaxed) }
        let now = current.add(bytes, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    static func released(_ bytes: Int) {
        if countsRunning.load(ordering: .relaxed) > 0 { ledger?.net.subtract(bytes, ordering: .relaxed) }
        current.subtract(bytes, ordering: .relaxed)
    }

    /// Set by `countingOwnBytes`: the count of one task's own allocations and releases.
    @TaskLocal private static var ledger: Ledger?
    /// How many `countingOwnBytes` calls are running: while none is, allocating skips the
    /// task-local lookup.
    private static let countsRunning = Atomic<Int>(0)

    private final class Ledger: Sendable { let net = Atomic<Int>(0) }

    /// Runs `body` and returns, beside its result, the bytes it allocated minus the bytes it
    /// released, counting only storage made or freed by this task. `currentBytes` is
    /// process-wide, so work on other threads (parallel tests, a second session) would blur a
    /// difference of it; this count sees only the caller's own tensors.
    public static func countingOwnBytes<T>(_ body: () throws -> T) rethrows -> (result: T, netBytes: Int) {
        let ledger = Ledger()
        countsRunning.add(1, ordering: .relaxed)
        defer { countsRunning.subtract(1, ordering: .relaxed) }
        let result = try $ledger.withValue(ledger) { try body() }
        return (result, ledger.net.load(ordering: .relaxed))
    }

    /// Bytes held by live tensors now.
    public static var currentBytes: Int { current.load(ordering: .relaxed) }
    /// The most bytes held at once since the start or the last `resetPeak()`.
    public static var peakBytes: Int { peak.load(ordering: .relaxed) }
    public static func resetPeak() { peak.store(current.load(ordering: .relaxed), ordering: .relaxed) }

    /// Buffers taken from the system so far, and buffers handed out again from the pool.
    public static var bufferAllocations: Int { BufferPool.shared.allocations.load(ordering: .relaxed) }
    public static var bufferReuses: Int { BufferPool.shared.reuses.load(ordering: .relaxed) }
}

/// Freed buffers kept by exact byte size for reuse, up to a budget; beyond it they are freed.
final class BufferPool: Sendable {
    static let shared = BufferPool()
    static let alignment = 64

    private struct State {
        var free: [Int: [UInt]] = [:]  // addresses, so the state stays Sendable
        var pooledBytes = 0
    }
    private let state = Locked(State())
    /// Bytes kept in the pool at most (buffers beyond it are returned to the system).
    let budget = 2 << 30
    let reuses = Atomic<Int>(0)
    let allocations = Atomic<Int>(0)

    func take(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = max(byteCount, 1)
        if let address = state.withLock({ s -> UInt? in
            guard let p = s.free[size]?.popLast() else { return nil }
            s.pooledBytes -= size
            return p
        }), let pointer = UnsafeMutableRawPointer(bitPattern: address) {
            reuses.add(1, ordering: .relaxed)
            return pointer
        }
        allocations.add(1, ordering: .relaxed)
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: BufferPool.alignment)
    }

    func give(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        let size = max(byteCount, 1)
        let address = UInt(bitPattern: pointer)
        let budget = self.budget
        let kept = state.withLock { s -> Bool in
            guard s.pooledBytes + size <= budget else { return false }
            s.free[size, default: []].append(address)
            s.pooledBytes += size
            return true
        }
        if !kept { pointer.deallocate() }
    }
}
