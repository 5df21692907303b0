/// Vectorised transcendental functions on `SIMD16<Float>`, for the activation and softmax
/// kernels. Foundation's `exp` is glibc's `expf` called once per element and never vectorised
/// (2.4-4 ns/element); this polynomial exp runs at well under 1 ns/element
/// (../shared/SWIFT-NOTES.md §3.4). Everything here is branch-free, and lanes never influence
/// each other, so a scalar tail can run through the same code padded into a vector.
public enum FastMath {
    public typealias V = SIMD16<Float>

    /// Above this, e^x overflows Float (e^88.7228 ≈ 3.4028e38).
    public static let expUpperBound: Float = 88.72283
    /// Below this, e^x is under Float's smallest normal number (1.1755e-38); the result is 0.
    /// Flushing instead of producing subnormals keeps masked (−∞) softmax entries exactly zero
    /// and avoids the slow microcode path subnormals take on x86.
    public static let expLowerBound: Float = -87.33654

    /// e^x, Cephes-style (the `expf` of Cephes 2.8, by Stephen Moshier): n = round(x·log₂e) by
    /// the 1.5·2²³ rounding trick, r = x − n·ln2 with ln2 split in two parts (exact n·ln2_hi),
    /// e^r by a degree-5 polynomial on [−ln2/2, ln2/2], and 2ⁿ built from its bit pattern in two
    /// halves, 2^⌊n/2⌋·2^(n−⌊n/2⌋), so n = 128 (x just under the overflow bound) stays finite.
    ///
    /// Largest relative error against exp in Double: 1.2e-7 over [−87.3, 88.7] (measured by
    /// `ActivationTests`; glibc's expf is about 6e-8). e^0 is exactly 1; x < `expLowerBound`
    /// gives 0, x > `expUpperBound` gives +∞, −∞ gives 0, NaN gives NaN.
    @inline(__always)
    public static func exp(_ x: V) -> V {
        let upper = V(repeating: expUpperBound), lower = V(repeating: expLowerBound)
        let tooLarge = x .> upper, tooSmall = x .< lower
        let clamped = x.replacing(with: upper, where: tooLarge).replacing(with: lower, where: tooSmall)
        // n = round(x·log₂e): adding 1.5·2²³ leaves the rounded integer in the low mantissa bits.
        let magic = V(repeating: 12_582_912)
        let shifted = magic.addingProduct(clamped, V(repeating: 1.442_695_040_888_963_4))
        let n = shifted - magic
        // r = x − n·ln2, with ln2 = 0.693359375 − 2.12194440e-4 (the first part has few bits).
        var r = clamped.addingProduct(n, V(repeating: -0.693_359_375))
        r = r.addingProduct(n, V(repeating: 2.121_944_4e-4))
        // e^r = 1 + r + r²·P(r).
        var p = V(repeating: 1.987_569_15e-4)
        p = V(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
        p = V(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        let er = (r + 1).addingProduct(p, r * r)
        // 2ⁿ = 2^a · 2^b with a = n >> 1, b = n − a, each a normal Float for n in [−126, 128].
        let ni = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let a = ni &>> 1, b = ni &- a
        let twoA = unsafeBitCast((a &+ 127) &<< 23, to: V.self)
        let twoB = unsafeBitCast((b &+ 127) &<< 23, to: V.self)
        let result = er * twoA * twoB
        return result.replacing(with: .infinity, where: tooLarge).replacing(with: 0, where: tooSmall)
    }

    /// The logistic function 1/(1+e^−x), through the fast exp. Exact limits: 0 for x below
    /// about −88.7 (e^−x = +∞), 1 for x above about 17.
    @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// tanh(x) = 2σ(2x) − 1. Its absolute error is about 1e-7 everywhere; its relative error
    /// grows near 0, where the subtraction cancels (callers that need 1 + tanh use 2σ(2x)).
    @inline(__always)
    public static func tanh(_ x: V) -> V {
        2 * sigmoid(2 * x) - 1
    }

    /// The largest lane (NaN lanes are skipped, since comparisons with NaN are false), by
    /// halving with `replacing(with:where:)`: the library's `.max()` and `pointwiseMax` compile
    /// to scalar code (SWIFT-NOTES §3.3).
    @inline(__always)
    public static func maxAcross(_ v: V) -> Float {
        let h8 = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        let h4 = h8.lowHalf.replacing(with: h8.highHalf, where: h8.highHalf .> h8.lowHalf)
        let h2 = h4.lowHalf.replacing(with: h4.highHalf, where: h4.highHalf .> h4.lowHalf)
        return h2.y > h2.x ? h2.y : h2.x
    }

    /// The lane-wise maximum of two vectors (NaN in `b` is skipped).
    @inline(__always)
    public static func maximum(_ a: V, _ b: V) -> V {
        a.replacing(with: b, where: b .> a)
    }

    /// The sum of the lanes by halving.
    @inline(__always)
    public static func sumAcross(_ v: V) -> Float {
        let h8 = v.lowHalf + v.highHalf
        let h4 = h8.lowHalf + h8.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2.x + h2.y
    }

    /// Scalar e^x through the vector code, for the odd single value (same result as a lane).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        exp(V(repeating: x))[0]
    }
}

/// Loads and stores of whole and partial vectors, shared by the activation and softmax kernels.
/// A partial vector (the tail of a row or buffer) is padded with a caller-chosen value and runs
/// through the same SIMD code as the body, so the tail gets bit-for-bit the same arithmetic.
enum Lanes {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { Elementwise.load(p, i) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) { Elementwise.store(v, p, i) }

    /// The `count` (< 16) elements from `p + i`, the other lanes set to `pad`.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ i: Int, count: Int, pad: Float) -> V {
        var v = V(repeating: pad)
        for j in 0..<count { v[j] = p[i + j] }
        return v
    }

    /// Stores the first `count` (< 16) lanes of `v` at `p + i`.
    @inline(__always)
    static func storePartial(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int, count: Int) {
        for j in 0..<count { p[i + j] = v[j] }
    }

    /// Elements per part when an elementwise activation is split across threads. Waking a
    /// worker costs 50-90 µs on these machines and an activation runs at about 0.5-1 ns/element,
    /// so a part must be well over 64K elements to gain (SWIFT-NOTES §3.5).
    static let grain = 1 << 17

    /// `out[i] = F.apply(x[i])` in vectors of 16, in parallel for large buffers. The function
    /// is a type, not a closure: a closure holding an inlined exp is too big for the optimizer
    /// to inline, and calling it per vector (64-byte arguments through the stack) made the
    /// backward kernels 2-3x slower. A generic type parameter is specialized and inlined.
    @inline(__always)
    static func map<F: LaneFunction>(_ f: F.Type, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count: count, grain: grain) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                store(F.apply(load(x, i)), out, i)
                i += 16
            }
            let rest = range.upperBound - i
            if rest > 0 { storePartial(F.apply(loadPartial(x, i, count: rest, pad: 0)), out, i, count: rest) }
        }
    }

    /// `out[i] = F.apply(x[i], g[i])` in vectors of 16, in parallel for large buffers.
    @inline(__always)
    static func map<F: LaneFunction2>(_ f: F.Type, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count: count, grain: grain) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                store(F.apply(load(x, i), load(g, i)), out, i)
                i += 16
            }
            let rest = range.upperBound - i
            if rest > 0 {
                let r = F.apply(loadPartial(x, i, count: rest, pad: 0), loadPartial(g, i, count: rest, pad: 0))
                storePartial(r, out, i, count: rest)
            }
        }
    }
}

/// A lane-wise function of one vector, for `Lanes.map`.
protocol LaneFunction {
    static func apply(_ x: SIMD16<Float>) -> SIMD16<Float>
}

/// A lane-wise function of two vectors (an input and a gradient), for `Lanes.map`.
protocol LaneFunction2 {
    static func apply(_ x: SIMD16<Float>, _ g: SIMD16<Float>) -> SIMD16<Float>
}
