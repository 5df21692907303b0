import Foundation

/// Elementwise activation kernels on raw contiguous buffers: exp, log, ReLU, GELU (tanh form),
/// SiLU and dropout, forward and backward. They run in `SIMD16<Float>` through `FastMath` and
/// split large buffers across cores (`Lanes.map`). Each has a naive twin in
/// `Activations.Reference`, the tests' oracle and hone-bench's baseline.
///
/// Backward kernels take the forward input `x` (or output `y`, where that is enough) and the
/// output gradient `g`, and write the input gradient `dx`; they overwrite, never accumulate.
public enum Activations {
    public typealias V = SIMD16<Float>

    /// √(2/π), GELU's scale.
    static let geluScale: Float = 0.797_884_560_802_865_4
    /// GELU's cubic coefficient.
    static let geluCubic: Float = 0.044_715

    /// `out = e^x` (FastMath.exp: relative error ≤ 1.2e-7; 0 below −87.34, +∞ above 88.72).
    public static func expForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(Exp.self, x, out, count: count)
    }

    /// `out = ln x`, with glibc's `logf` per element: log is rarely hot, and correctly rounded
    /// beats fast here. ln 0 = −∞, ln of a negative number is NaN.
    public static func logForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count: count, grain: Lanes.grain / 4) { range in
            for i in range { out[i] = Foundation.log(x[i]) }
        }
    }

    /// `out = max(x, 0)`; NaN stays NaN.
    public static func reluForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(ReLU.self, x, out, count: count)
    }

    /// `dx = g` where the output `y` is positive, else 0 (the subgradient at 0 is 0, as PyTorch).
    public static func reluBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(ReLUGradient.self, y, g, dx, count: count)
    }

    /// GELU in the tanh approximation GPT-2 uses, 0.5·x·(1 + tanh(u)) with
    /// u = √(2/π)(x + 0.044715x³), computed as x·σ(2u) (since 1 + tanh u = 2σ(2u)), which has
    /// no cancellation near 0 and needs one exp.
    public static func geluForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(GELU.self, x, out, count: count)
    }

    /// d gelu/dx = s + 2x·s(1−s)·u′ with s = σ(2u) and u′ = √(2/π)(1 + 3·0.044715x²); this is
    /// PyTorch's 0.5(1+t) + 0.5x(1−t²)u′ with t = tanh u = 2s − 1. 1 − s comes from
    /// `complement`, not a plain subtraction, which cancels where s ≈ 1 and large x amplifies it.
    public static func geluBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(GELUGradient.self, x, g, dx, count: count)
    }

    /// u = √(2/π)(x + 0.044715x³).
    @inline(__always)
    static func geluInner(_ x: V) -> V {
        geluScale * x.addingProduct(geluCubic * x * x, x)
    }

    /// σ(2u) for GELU.
    @inline(__always)
    static func geluSigmoid(_ x: V) -> V {
        FastMath.sigmoid(2 * geluInner(x))
    }

    /// 1 − s for s = σ(z) = 1/(1 + e), e = e^−z: e·s where s ≥ ½ (e ≤ 1, and the subtraction
    /// would cancel), 1 − s below (where e may be +∞ and e·s NaN).
    @inline(__always)
    static func complement(_ s: V, _ e: V) -> V {
        (e * s).replacing(with: 1 - s, where: s .< 0.5)
    }

    /// SiLU (swish): `out = x·σ(x)`.
    public static func siluForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(SiLU.self, x, out, count: count)
    }

    /// d silu/dx = σ(x)·(1 + x(1 − σ(x))), with 1 − σ(x) from `complement`.
    public static func siluBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.map(SiLUGradient.self, x, g, dx, count: count)
    }

    /// Inverted dropout: `out[i] = x[i]·scale` when `random.uniform(at: i) ≥ p`, else 0. The
    /// mask depends only on the random key and the element index, never on how the range is
    /// split across threads. Backward is the same function applied to the output gradient (the
    /// mask is regenerated, never stored).
    public static func dropoutForward(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, random: CounterRandom, p: Float, scale: Float
    ) {
        Parallel.forRanges(count: count, grain: Lanes.grain / 4) { range in
            for i in range { out[i] = random.uniform(at: i) >= p ? x[i] * scale : 0 }
        }
    }

    // The lane functions the kernels above map (types, so `Lanes.map` inlines them).

    enum Exp: LaneFunction {
        @inline(__always) static func apply(_ x: V) -> V { FastMath.exp(x) }
    }

    enum ReLU: LaneFunction {
        @inline(__always) static func apply(_ x: V) -> V { x.replacing(with: 0, where: x .< 0) }
    }

    enum ReLUGradient: LaneFunction2 {
        @inline(__always) static func apply(_ y: V, _ g: V) -> V { g.replacing(with: 0, where: .!(y .> 0)) }
    }

    enum GELU: LaneFunction {
        @inline(__always) static func apply(_ x: V) -> V { x * geluSigmoid(x) }
    }

    enum GELUGradient: LaneFunction2 {
        @inline(__always) static func apply(_ x: V, _ g: V) -> V {
            let e = FastMath.exp(-2 * geluInner(x))
            let s = 1 / (1 + e)
            let du = geluScale * (1 + (3 * geluCubic) * x * x)
            return g * (s + 2 * x * s * complement(s, e) * du)
        }
    }

    enum SiLU: LaneFunction {
        @inline(__always) static func apply(_ x: V) -> V { x * FastMath.sigmoid(x) }
    }

    enum SiLUGradient: LaneFunction2 {
        @inline(__always) static func apply(_ x: V, _ g: V) -> V {
            let e = FastMath.exp(-x)
            let s = 1 / (1 + e)
            return g * s * (1 + x * complement(s, e))
        }
    }
}

extension Activations {
    /// Naive twins of the fast kernels: plain loops in Double with Foundation's functions, the
    /// same arguments as the kernels they check. The tests' oracle and hone-bench's baseline.
    public enum Reference {
        public static func expForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
            for i in 0..<count { out[i] = Float(Foundation.exp(Double(x[i]))) }
        }

        public static func reluForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
            for i in 0..<count { out[i] = x[i] > 0 ? x[i] : 0 }
        }

        public static func reluBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
            for i in 0..<count { dx[i] = y[i] > 0 ? g[i] : 0 }
        }

        /// 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), literally.
        public static func geluForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
            for i in 0..<count {
                let v = Double(x[i])
                out[i] = Float(0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v))))
            }
        }

        /// 0.5(1 + t) + 0.5x(1 − t²)·√(2/π)(1 + 3·0.044715x²), as PyTorch's gelu_backward(tanh).
        public static func geluBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
            let k = (2 / Double.pi).squareRoot()
            for i in 0..<count {
                let v = Double(x[i])
                let t = Foundation.tanh(k * (v + 0.044715 * v * v * v))
                let d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v)
                dx[i] = Float(Double(g[i]) * d)
            }
        }

        public static func siluForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
            for i in 0..<count {
                let v = Double(x[i])
                out[i] = Float(v / (1 + Foundation.exp(-v)))
            }
        }

        public static func siluBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
            for i in 0..<count {
                let v = Double(x[i])
                let s = 1 / (1 + Foundation.exp(-v))
                dx[i] = Float(Double(g[i]) * s * (1 + v * (1 - s)))
            }
        }

        public static func dropoutForward(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, random: CounterRandom, p: Float, scale: Float
    ) {
            for i in 0..<count { out[i] = random.uniform(at: i) >= p ? x[i] * scale : 0 }
        }
    }
}
