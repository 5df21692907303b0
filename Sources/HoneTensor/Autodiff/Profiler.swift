import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time per op, split into forward and backward, for `hone-bench` (and later
/// `show profile`). It is off unless `start()` is called; while off, recording an op costs one
/// relaxed atomic load, in `Op.apply` and in the backward engine.
///
/// Times are *self* times: an op applied inside another op (a `mul` inside `mul`'s backward, a
/// `contiguous` inside `sum`) is charged to its own name, and its time is taken out of the
/// enclosing op's. A nested op takes the phase of the outermost one, so the kernels run by a
/// backward closure count as backward even though they go through `apply`. The engine's own work
/// in backward is recorded under names in parentheses: `(accumulate)` adds gradients that meet
/// at a tensor or a leaf, `(unbroadcast)` sums broadcast gradients. Nesting is tracked per
/// thread, so graphs run on different threads at once don't corrupt each other's figures.
public enum Profiler {
    public enum Phase: String, Sendable, CaseIterable {
        case forward
        case backward
    }

    /// The time recorded for one op name in one phase.
    public struct Entry: Sendable {
        public var name: String
        public var phase: Phase
        public var calls: Int
        /// Time in the op itself, excluding ops nested in it.
        public var selfSeconds: Double

        public init(name: String, phase: Phase, calls: Int, selfSeconds: Double) {
            (self.name, self.phase, self.calls, self.selfSeconds) = (name, phase, calls, selfSeconds)
        }
    }

    private struct Key: Hashable {
        let name: String
        let phase: Phase
    }

    private struct Frame {
        let phase: Phase
        var childSeconds: Double
    }

    private struct State {
        var table: [Key: (calls: Int, seconds: Double)] = [:]
        /// Open measurements by thread (pthread_self), innermost last.
        var stacks: [UInt: [Frame]] = [:]
    }

    private static let enabled = Atomic<Bool>(false)
    private static let state = Locked(State())

    /// Whether ops are being timed. One relaxed atomic load.
    @inline(__always)
    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Starts timing ops (keeping what was recorded before; see `reset()`).
    public static func start() { enabled.store(true, ordering: .relaxed) }

    /// Stops timing ops; the figures stay readable in `entries`.
    public static func stop() { enabled.store(false, ordering: .relaxed) }

    /// Forgets everything recorded.
    public static func reset() {
        state.withLock { $0 = State() }
    }

    /// What has been recorded, largest self time first.
    public static var entries: [Entry] {
        state.withLock { s in
            s.table.map { Entry(name: $0.key.name, phase: $0.key.phase, calls: $0.value.calls, selfSeconds: $0.value.seconds) }
        }.sorted { $0.selfSeconds > $1.selfSeconds }
    }

    /// Runs `body`, timed when the profiler is on; otherwise just runs it (one atomic load).
    @inline(__always)
    public static func timed<T>(_ name: @autoclosure () -> String, _ phase: Phase, _ body: () throws -> T) rethrows -> T {
        isEnabled ? try measure(name(), phase, body) : try body()
    }

    /// Runs `body`, charging its time (less the time of profiled calls nested in it) to `name`
    /// in `phase`, or in the phase of the outermost measurement open on this thread.
    public static func measure<T>(_ name: String, _ phase: Phase, _ body: () throws -> T) rethrows -> T {
        let thread = threadID()
        state.withLock { s in
            let outer = s.stacks[thread]?.first?.phase ?? phase
            s.stacks[thread, default: []].append(Frame(phase: outer, childSeconds: 0))
        }
        let start = seconds()
        defer {
            let elapsed = seconds() - start
            state.withLock { s in
                // A `reset()` from another thread may have dropped this frame: then drop the time.
                guard var stack = s.stacks[thread], let frame = stack.popLast() else { return }
                if stack.isEmpty {
                    s.stacks[thread] = nil
                } else {
                    stack[stack.count - 1].childSeconds += elapsed
                    s.stacks[thread] = stack
                }
                let key = Key(name: name, phase: frame.phase)
                let old = s.table[key] ?? (0, 0)
                s.table[key] = (old.calls + 1, old.seconds + max(0, elapsed - frame.childSeconds))
            }
        }
        return try body()
    }

    private static func threadID() -> UInt {
        #if canImport(Glibc)
        return UInt(pthread_self())
        #else
        return UInt(bitPattern: pthread_self())
        #endif
    }

    /// Monotonic seconds.
    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
