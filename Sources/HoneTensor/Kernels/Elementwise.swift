/// Elementwise kernels on raw contiguous buffers. They use `SIMD16<Float>`, which the package
/// compiles for x86-64-v3 (AVX2, FMA): at Swift's default target such code runs 16x slower
/// (../shared/SWIFT-NOTES.md §3.2). Large buffers are split across cores by `Parallel`.
/// Each kernel has a naive twin in `Reference` for tests and hone-bench.
public enum Elementwise {
    public typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// Applies a SIMD body and a scalar tail over `count` elements, in parallel when large.
    @inline(__always)
    static func map(
        count: Int,
        _ vector: (Int) -> Void,
        _ scalar: (Int) -> Void
    ) {
        Parallel.forRanges(count: count, grain: 1 << 15) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                vector(i)
                i += 16
            }
            while i < range.upperBound {
                scalar(i)
                i += 1
            }
        }
    }

    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) + load(b, $0), out, $0) }, { out[$0] = a[$0] + b[$0] })
    }

    public static func sub(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) - load(b, $0), out, $0) }, { out[$0] = a[$0] - b[$0] })
    }

    public static func mul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) * load(b, $0), out, $0) }, { out[$0] = a[$0] * b[$0] })
    }

    public static func div(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) / load(b, $0), out, $0) }, { out[$0] = a[$0] / b[$0] })
    }

    /// `a += b`.
    public static func addInPlace(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) + load(b, $0), a, $0) }, { a[$0] += b[$0] })
    }

    /// `out = a * s`.
    public static func scale(_ a: UnsafePointer<Float>, _ s: Float, _ out: UnsafeMutablePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) * s, out, $0) }, { out[$0] = a[$0] * s })
    }

    /// `out = a * s + b * t`.
    public static func axpby(_ a: UnsafePointer<Float>, _ s: Float, _ b: UnsafePointer<Float>, _ t: Float, _ out: UnsafeMutablePointer<Float>, count: Int) {
        map(count: count, { store(load(a, $0) * s + load(b, $0) * t, out, $0) }, { out[$0] = a[$0] * s + b[$0] * t })
    }

    public static func fill(_ out: UnsafeMutablePointer<Float>, _ value: Float, count: Int) {
        map(count: count, { store(V(repeating: value), out, $0) }, { out[$0] = value })
    }
}

/// Copies between layouts: the one kernel that turns any view into contiguous data.
public enum Layout {
    /// Copies the elements of a strided view (strides may be 0, for broadcasting) into `out`
    /// in row-major order.
    public static func copy(from source: UnsafePointer<Float>, shape: [Int], strides: [Int], to out: UnsafeMutablePointer<Float>) {
        let count = shape.reduce(1, *)
        if count == 0 { return }
        let rank = shape.count
        if rank == 0 { out[0] = source[0]; return }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        let outer = count / inner
        Parallel.forRanges(count: outer, grain: max(1, (1 << 15) / max(inner, 1))) { range in
            var index = [Int](repeating: 0, count: rank)
            // Position of the first row of this range.
            var row = range.lowerBound
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                index[axis] = row % shape[axis]
                row /= shape[axis]
            }
            for r in range {
                var base = 0
                for axis in 0..<(rank - 1) { base += index[axis] * strides[axis] }
                let dst = out + r * inner
                if innerStride == 1 {
                    dst.update(from: source + base, count: inner)
                } else {
                    for j in 0..<inner { dst[j] = source[base + j * innerStride] }
                }
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
