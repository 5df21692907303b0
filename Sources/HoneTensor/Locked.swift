#if canImport(Glibc)
import Glibc
#endif

/// A value reached only under a pthread mutex: HoneTensor's replacement for
/// `Synchronization.Mutex`, with the same `withLock`.
///
/// Why not `Mutex`: on Linux it locks with futexes inside the standard library, which is not
/// instrumented, so ThreadSanitizer never sees the lock and reports every access it guards as a
/// race. Measured with swiftc 6.3.1: two threads updating a dictionary under `Mutex` gave 15
/// TSan reports, the same under a pthread mutex none; hone's unit suite gave thousands, all from
/// `Mutex`-guarded state. TSan intercepts pthread mutexes, so with this lock
/// `scripts/test --sanitize thread` reports only real races. Uncontended, both cost one atomic
/// exchange.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Reached only inside `withLock`, which is what makes the class safe to share.
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
