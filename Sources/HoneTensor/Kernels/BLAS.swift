import COpenBLAS
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// hone's binding to OpenBLAS: kernel selection, thread count, and a thin row-major `sgemm`.
///
/// Debian's OpenBLAS 0.3.21 doesn't recognise recent CPUs and falls back to its SSE3 "Prescott"
/// kernels, about 5x slower than the AVX-512 or AVX2 ones (shared/SWIFT-NOTES.md §1.3).
/// `configure(threads:)` fixes that in-process the first time it runs, before any BLAS call made
/// through this type. Call it early (the `hone` and `hone-bench` executables do); `sgemm` also
/// calls it on first use. Code that calls `cblas_*` directly must call `configure()` first.
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case normal
        case transposed

        var cblas: CBLAS_TRANSPOSE { self == .normal ? CblasNoTrans : CblasTrans }
    }

    /// What `configure` decided about OpenBLAS's kernels; `nil` until it first runs.
    private static let selection = Locked<String?>(nil)
    /// Fast path for `sgemm`: set once `selection` has been decided.
    private static let configured = Atomic<Bool>(false)

    /// Chooses OpenBLAS's kernels (once per process) and, when `threads` is given, its thread
    /// count (every call). Safe to call from any thread, any number of times.
    ///
    /// Kernel choice: when OpenBLAS picked "Prescott" but /proc/cpuinfo shows the full AVX-512
    /// set SkylakeX kernels use (avx512f/cd/bw/dq/vl), switch to "SkylakeX"; with avx2 and fma,
    /// to "Haswell". A core the CPU lacks is never forced (it would die with SIGILL), and an
    /// `OPENBLAS_CORETYPE` set by the user is left alone.
    /// - Returns: a one-line description of the kernel decision (also in `coreSelection`).
    @discardableResult
    public static func configure(threads: Int? = nil) -> String {
        if let threads {
            precondition(threads >= 1, "BLAS.configure: threads must be at least 1, got \(threads)")
        }
        // The thread count changes under `Parallel.settingsLock`, so never during a product
        // that holds it (`withSteadyThreads`).
        if threads != nil { Parallel.settingsLock.lock() }
        defer { if threads != nil { Parallel.settingsLock.unlock() } }
        let decision = selection.withLock { decision -> String in
            if decision == nil { decision = selectCore() }
            if let threads {
                openblas_set_num_threads(Int32(clamping: threads))
                OneDNN.setThreads(threads)
            }
            return decision!
        }
        configured.store(true, ordering: .releasing)
        return decision
    }

    @inline(__always)
    static func ensureConfigured() {
        if !configured.load(ordering: .acquiring) { configure() }
    }

    /// The OpenBLAS kernel set in use, e.g. "SkylakeX", "Haswell", "Zen" or "Prescott".
    public static var coreName: String {
        ensureConfigured()
        return String(cString: openblas_get_corename())
    }

    /// OpenBLAS's build description, e.g.
    /// "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var config: String {
        ensureConfigured()
        return String(cString: openblas_get_config())
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threads: Int {
        ensureConfigured()
        return Int(openblas_get_num_threads())
    }

    /// Runs `body` with OpenBLAS limited to `count` threads, then restores the thread count.
    /// For kernels that make many small BLAS calls from several threads of their own (attention
    /// per head): with more than one OpenBLAS thread each such call would wake OpenBLAS's
    /// busy-waiting pool, and the pools fight over the cores (measured 10–100x slower, worst on
    /// a loaded machine). Holds `Parallel.settingsLock`, so two callers never interleave.
    public static func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        ensureConfigured()
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let previous = Int(openblas_get_num_threads())
        if previous == count { return try body() }
        openblas_set_num_threads(Int32(clamping: count))
        defer { openblas_set_num_threads(Int32(clamping: previous)) }
        return try body()
    }

    /// Runs `body`, BLAS calls made on this thread, while no other thread changes OpenBLAS's
    /// thread count. OpenBLAS reads the count at every call, and its results depend on it (a
    /// product split over two threads sums in another order than on one), so a product made
    /// while another thread is inside `withThreads(1)` for its attention would otherwise come
    /// out with the one-thread numbers: runs on different threads would perturb each other's
    /// results (a full fine-tuning run moved by 1e-3 in its weight sums). Matrix-product ops
    /// (`MatMul`, the quantised product) call BLAS through this; kernels that a `withThreads`
    /// body runs on worker threads call `sgemm` directly (they would wait for their own caller).
    /// Takes `Parallel.settingsLock`.
    @inline(__always)
    public static func withSteadyThreads<R>(_ body: () throws -> R) rethrows -> R {
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        return try body()
    }

    /// What `configure` decided about the kernels, e.g. "switched Prescott → Haswell (avx2+fma)".
    public static var coreSelection: String { configure() }

    /// The CPU's feature flags from the first "flags" line of /proc/cpuinfo; empty where there
    /// is no such file.
    public static let cpuFlags: Set<String> = readCPUFlags()

    /// Must run under `selection`'s lock, before any BLAS call made through this type.
    private static func selectCore() -> String {
        let loaded = String(cString: openblas_get_corename())
        if let user = getenv("OPENBLAS_CORETYPE") {
            return "kept \(loaded): OPENBLAS_CORETYPE=\(String(cString: user)) is set by the user"
        }
        guard loaded.lowercased() == "prescott" else {
            return "kept \(loaded): chosen by OpenBLAS"
        }
        guard String(cString: openblas_get_config()).contains("DYNAMIC_ARCH") else {
            return "kept \(loaded): this OpenBLAS has no DYNAMIC_ARCH, so kernels can't be switched"
        }
        let flags = cpuFlags
        let target: String
        let reason: String
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        if avx512.allSatisfy(flags.contains) {
            (target, reason) = ("SkylakeX", "avx512f/cd/bw/dq/vl")
        } else if flags.contains("avx2") && flags.contains("fma") {
            (target, reason) = ("Haswell", "avx2+fma")
        } else {
            return "kept \(loaded): the CPU has neither AVX-512 nor AVX2+FMA"
        }
        // OpenBLAS reads OPENBLAS_CORETYPE only while initialising its kernel table; restore the
        // environment afterwards so child processes see what the user set (nothing).
        gotoblas_dynamic_quit()
        setenv("OPENBLAS_CORETYPE", target, 1)
        gotoblas_dynamic_init()
        unsetenv("OPENBLAS_CORETYPE")
        let now = String(cString: openblas_get_corename())
        return "switched \(loaded) → \(now) (\(reason))"
    }

    private static func readCPUFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
            let words = text[text.index(after: colon)...].split(whereSeparator: \.isWhitespace)
            return Set(words.map(String.init))
        }
        return []
    }

    /// Row-major single-precision GEMM: `C = alpha · op(A) · op(B) + beta · C`, where op(A) is
    /// m×k, op(B) is k×n and C is m×n.
    ///
    /// A is stored m×k (`transA == .normal`) or k×m (`.transposed`), B is stored k×n or n×k,
    /// each row-major with leading dimension (row stride, in elements) `lda`/`ldb`/`ldc`; the
    /// defaults are the stored row length. Passing `.transposed` costs nothing measurable, so
    /// prefer it to copying a transpose. With `beta == 0`, C's previous contents are ignored.
    public static func sgemm(
        _ transA: Transpose = .normal, _ transB: Transpose = .normal,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "BLAS.sgemm: negative size m=\(m) n=\(n) k=\(k)")
        let aCols = transA == .normal ? k : m
        let bCols = transB == .normal ? n : k
        let lda = lda ?? aCols
        let ldb = ldb ?? bCols
        let ldc = ldc ?? n
        precondition(lda >= max(1, aCols) && ldb >= max(1, bCols) && ldc >= max(1, n),
                     "BLAS.sgemm: leading dimension smaller than a row")
        let limit = Int(Int32.max)
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= limit },
                     "BLAS.sgemm: size exceeds OpenBLAS's 32-bit interface")
        if m == 0 || n == 0 { return }
        ensureConfigured()
        // A product with one row or one column is a matrix-vector product. OpenBLAS 0.3.21's
        // sgemm would still pack the whole matrix for it (reading and writing it once more),
        // which halves generation speed at batch 1, where every weight product has one row.
        if m == 1 && k > 0 {
            let x = a, incx = transA == .normal ? 1 : lda
            if transB == .transposed {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), x, Int32(incx), beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), x, Int32(incx), beta, c, 1)
            }
            return
        }
        if n == 1 && k > 0 {
            let x = b, incx = transB == .normal ? ldb : 1
            if transA == .normal {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), alpha, a, Int32(lda), x, Int32(incx), beta, c, Int32(ldc))
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(m), alpha, a, Int32(lda), x, Int32(incx), beta, c, Int32(ldc))
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas,
                    Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }
}
