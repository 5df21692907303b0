import CDNNL
import Synchronization

/// hone's binding to oneDNN (Debian's libdnnl, the library PyTorch uses on CPUs): bf16 matrix
/// products with FP32 accumulation, on AMX where the CPU has it.
///
/// OpenBLAS stays the FP32 path; oneDNN is used only for `Precision.bf16` products. Primitives
/// are made once per shape and layout and cached, since making one costs far more than running a
/// small one. Each primitive uses a scratchpad hone allocates per call (`scratchpad_mode_user`),
/// so a primitive can run on any thread, which oneDNN's shared library scratchpad does not allow.
public enum OneDNN {
    /// The instruction set family oneDNN dispatches to, as `dnnl_get_effective_cpu_isa` reports
    /// it; that call honours `ONEDNN_MAX_CPU_ISA`, so a lower ISA can be forced for tests.
    public enum ISA: Int, Comparable, Sendable {
        case older, avx2, avx512, avx512BF16, amx

        public static func < (a: ISA, b: ISA) -> Bool { a.rawValue < b.rawValue }

        /// The name a user would look for in the CPU's flags or oneDNN's documentation.
        public var name: String {
            switch self {
            case .older: return "pre-AVX2"
            case .avx2: return "AVX2"
            case .avx512: return "AVX-512"
            case .avx512BF16: return "AVX512-BF16"
            case .amx: return "AMX (amx_bf16)"
            }
        }

        /// The /proc/cpuinfo flag the next ISA up needs: what is missing for AMX's bf16 products.
        public var missingForAMX: String? {
            switch self {
            case .amx: return nil
            case .avx512BF16: return "amx_bf16"
            case .avx512: return "avx512_bf16 and amx_bf16"
            case .avx2, .older: return "avx512f, avx512_bf16 and amx_bf16"
            }
        }
    }

    /// The ISA oneDNN uses in this process.
    public static let isa: ISA = {
        let raw = Int(dnnl_get_effective_cpu_isa().rawValue)
        let has = { (bits: Int) in raw & bits == bits }
        if has(Int(dnnl_cpu_isa_avx512_core_amx.rawValue)) { return .amx }
        if has(Int(dnnl_cpu_isa_avx512_core_bf16.rawValue)) { return .avx512BF16 }
        if has(Int(dnnl_cpu_isa_avx512_core.rawValue)) { return .avx512 }
        if has(Int(dnnl_cpu_isa_avx2.rawValue)) { return .avx2 }
        return .older
    }()

    /// oneDNN's version, e.g. "2.6.3".
    public static var version: String {
        guard let v = dnnl_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
    }

    /// Threads oneDNN's primitives use (OpenMP); set by `BLAS.configure(threads:)`.
    static let threadCount = Atomic<Int>(max(1, ProcessInfo_activeProcessorCount()))

    /// Sets the OpenMP thread count oneDNN's products use from now on.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "OneDNN.setThreads: threads must be at least 1, got \(count)")
        threadCount.store(count, ordering: .relaxed)
    }

    /// The CPU engine; oneDNN's engines are thread-safe and live for the process.
    nonisolated(unsafe) static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t? = nil
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
        return engine!
    }()

    /// Shape and layout of one product: a primitive is made per distinct key.
    struct Key: Hashable {
        let m, n, k: Int
        let transA, transB: Bool
        let lda, ldb, ldc: Int
        let accumulate: Bool
    }

    /// A made primitive and what it needs at run time.
    final class Product: @unchecked Sendable {
        let descriptor: dnnl_primitive_desc_t
        let primitive: dnnl_primitive_t
        var source = dnnl_memory_desc_t(), weights = dnnl_memory_desc_t(), destination = dnnl_memory_desc_t()
        let scratchpad: dnnl_memory_desc_t
        let scratchpadBytes: Int
        /// oneDNN's name for the implementation it chose, e.g. "brg:avx512_core_amx".
        let implementation: String

        init(_ key: Key) {
            func desc(_ rows: Int, _ cols: Int, transposed: Bool, leading: Int, _ type: dnnl_data_type_t) -> dnnl_memory_desc_t {
                var md = dnnl_memory_desc_t()
                var dims: dnnl_dims_t = (Int64(rows), Int64(cols), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                var strides: dnnl_dims_t = transposed
                    ? (1, Int64(leading), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                    : (Int64(leading), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                let status = withUnsafePointer(to: &dims) { d in
                    withUnsafePointer(to: &strides) { s in
                        d.withMemoryRebound(to: Int64.self, capacity: 12) { dp in
                            s.withMemoryRebound(to: Int64.self, capacity: 12) { sp in
                                dnnl_memory_desc_init_by_strides(&md, 2, dp, type, sp)
                            }
                        }
                    }
                }
                check(status, "memory_desc_init_by_strides")
                return md
            }
            source = desc(key.m, key.k, transposed: key.transA, leading: key.lda, dnnl_bf16)
            weights = desc(key.k, key.n, transposed: key.transB, leading: key.ldb, dnnl_bf16)
            destination = desc(key.m, key.n, transposed: false, leading: key.ldc, dnnl_f32)
            var op = dnnl_matmul_desc_t()
            check(dnnl_matmul_desc_init(&op, &source, &weights, nil, &destination), "matmul_desc_init")
            var attr: dnnl_primitive_attr_t? = nil
            check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
            defer { dnnl_primitive_attr_destroy(attr) }
            check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
            if key.accumulate {
                var postOps: dnnl_post_ops_t? = nil
                check(dnnl_post_ops_create(&postOps), "post_ops_create")
                check(dnnl_post_ops_append_sum(postOps, 1), "post_ops_append_sum")
                check(dnnl_primitive_attr_set_post_ops(attr, postOps), "set_post_ops")
                dnnl_post_ops_destroy(postOps)
            }
            var pd: dnnl_primitive_desc_t? = nil
            check(withUnsafePointer(to: &op) { dnnl_primitive_desc_create(&pd, UnsafeRawPointer($0), attr, OneDNN.engine, nil) },
                  "primitive_desc_create for a bf16 product \(key.m)×\(key.k)·\(key.k)×\(key.n)")
            descriptor = pd!
            var made: dnnl_primitive_t? = nil
            check(dnnl_primitive_create(&made, descriptor), "primitive_create")
            primitive = made!
            var name: UnsafePointer<CChar>? = nil
            dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
            implementation = name.map { String(cString: $0) } ?? "unknown"
            scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
            scratchpadBytes = withUnsafePointer(to: scratchpad) { Int(dnnl_memory_desc_get_size($0)) }
        }

        deinit {
            dnnl_primitive_destroy(primitive)
            dnnl_primitive_desc_destroy(descriptor)
        }
    }

    /// Primitives by shape. Cleared when it grows past `cacheLimit` (generation's growing
    /// sequence lengths make a new shape per token; training reuses a handful).
    private static let cache = Locked<[Key: Product]>([:])
    static let cacheLimit = 1024

    static func product(for key: Key) -> Product {
        if let made = cache.withLock({ $0[key] }) { return made }
        let made = Product(key)
        cache.withLock { c in
            if c.count >= cacheLimit { c.removeAll() }
            c[key] = made
        }
        return made
    }

    /// The implementation oneDNN picks for a row-major bf16 product of this shape, e.g.
    /// "brg:avx512_core_amx" (for `hone-bench` and `show memory`).
    public static func implementation(m: Int, n: Int, k: Int, transposeB: Bool = false) -> String {
        product(for: Key(m: m, n: n, k: k, transA: false, transB: transposeB, lda: k, ldb: transposeB ? k : n, ldc: n, accumulate: false)).implementation
    }

    /// C[m×n] (+)= op(A)[m×k] · op(B)[k×n], A and B bf16 bit patterns, C float32, row-major
    /// with leading dimensions as `BLAS.sgemm` takes them. `accumulate` adds to C (beta = 1).
    public static func gemm(
        _ transA: BLAS.Transpose, _ transB: BLAS.Transpose, m: Int, n: Int, k: Int,
        a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "OneDNN.gemm: negative size m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { Elementwise.fill(c, 0, count: (m - 1) * ldc + n) }
            return
        }
        let made = product(for: Key(m: m, n: n, k: k, transA: transA == .transposed, transB: transB == .transposed,
                                    lda: lda, ldb: ldb, ldc: ldc, accumulate: accumulate))
        let scratch = made.scratchpadBytes > 0 ? TensorStorage(dtype: .float32, count: (made.scratchpadBytes + 3) / 4) : nil
        var memories: [dnnl_memory_t?] = []
        func memory(_ md: dnnl_memory_desc_t, _ handle: UnsafeMutableRawPointer) -> dnnl_memory_t? {
            var mem: dnnl_memory_t? = nil
            var md = md
            check(dnnl_memory_create(&mem, &md, engine, handle), "memory_create")
            memories.append(mem)
            return mem
        }
        var args = [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: memory(made.source, UnsafeMutableRawPointer(mutating: a))),
            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: memory(made.weights, UnsafeMutableRawPointer(mutating: b))),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: memory(made.destination, UnsafeMutableRawPointer(c))),
        ]
        if let scratch { args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory(made.scratchpad, scratch.raw))) }
        defer { for mem in memories { dnnl_memory_destroy(mem) } }
        var stream: dnnl_stream_t? = nil
        check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
        defer { dnnl_stream_destroy(stream) }
        _ = hone_omp_set_num_threads(Int32(clamping: threadCount.load(ordering: .relaxed)))
        check(dnnl_primitive_execute(made.primitive, stream, Int32(args.count), &args), "primitive_execute")
        check(dnnl_stream_wait(stream), "stream_wait")
        withExtendedLifetime(scratch) {}
    }

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        precondition(status == dnnl_success, "oneDNN \(what()) failed with status \(status.rawValue)")
    }
}
