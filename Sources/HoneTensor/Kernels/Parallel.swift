#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Foundation

/// Splits loops across the cores. Work below `grain` elements a thread runs on the caller, since
/// waking a worker costs 50–90 µs on these machines (../shared/SWIFT-NOTES.md §3.5).
public enum Parallel {
    /// Threads used by kernels; set with `set threads=`. Kernels on other threads read it while
    /// a session changes it (under `settingsLock`, which readers do not take), so it is atomic.
    public static var threads: Int {
        get { threadCount.load(ordering: .relaxed) }
        set { threadCount.store(newValue, ordering: .relaxed) }
    }
    private static let threadCount = Atomic<Int>(max(1, ProcessInfo_activeProcessorCount()))

    /// Held while thread counts change and while a computation needs them fixed: results depend
    /// on how work is split, and OpenBLAS must not change its thread count while another thread
    /// is inside it. `BLAS.withThreads` takes it; so do tests that change thread counts or need
    /// exact numbers while other tests run. Recursive, so a holder may call `withThreads`.
    public static let settingsLock = NSRecursiveLock()

    @inline(__always)
    public static func forRanges(count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count / max(grain, 1))
        if parts <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = count * part / parts, end = count * (part + 1) / parts
                box.value(start..<end)
            }
        }
    }
}

/// Lets a closure or pointer that is only used within a call cross into concurrent work.
public struct UnsafeSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

func ProcessInfo_activeProcessorCount() -> Int {
    Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
