import Foundation

/// Row-wise softmax, log-softmax, log-sum-exp and softmax cross-entropy kernels on raw
/// contiguous [rows, cols] buffers. Each row subtracts its maximum before exponentiating, so no
/// input overflows exp (rows of ±1e4 are fine); a row containing +∞ or NaN gives NaN, and a row
/// of all −∞ gives NaN, as in PyTorch. Rows are split across cores.
///
/// The maximum uses `replacing(with:where:)` (SWIFT-NOTES §3.3: `pointwiseMax` is scalar code),
/// the exp is `FastMath.exp`, sums use SIMD accumulators. Naive twins are in `SoftmaxKernels.Reference`.
public enum SoftmaxKernels {
    typealias V = SIMD16<Float>

    /// Rows per part when split across threads: a part should hold about 32K elements.
    @inline(__always)
    static func rowGrain(_ cols: Int) -> Int { max(1, (1 << 15) / max(cols, 1)) }

    /// The largest element of a row (−∞ for an empty row).
    @inline(__always)
    static func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m0 = V(repeating: -.infinity), m1 = V(repeating: -.infinity)
        var i = 0
        while i + 32 <= n {
            m0 = FastMath.maximum(m0, Lanes.load(x, i))
            m1 = FastMath.maximum(m1, Lanes.load(x, i + 16))
            i += 32
        }
        if i + 16 <= n {
            m0 = FastMath.maximum(m0, Lanes.load(x, i))
            i += 16
        }
        if i < n { m1 = FastMath.maximum(m1, Lanes.loadPartial(x, i, count: n - i, pad: -.infinity)) }
        return FastMath.maxAcross(FastMath.maximum(m0, m1))
    }

    /// Σ e^(x − m) over a row, also storing each term to `out` when given.
    @inline(__always)
    static func rowExpSum(_ x: UnsafePointer<Float>, _ m: Float, _ n: Int, store out: UnsafeMutablePointer<Float>?) -> Float {
        let mv = V(repeating: m)
        var acc0 = V(), acc1 = V()
        var i = 0
        while i + 32 <= n {
            let e0 = FastMath.exp(Lanes.load(x, i) - mv)
            let e1 = FastMath.exp(Lanes.load(x, i + 16) - mv)
            if let out {
                Lanes.store(e0, out, i)
                Lanes.store(e1, out, i + 16)
            }
            acc0 += e0
            acc1 += e1
            i += 32
        }
        if i + 16 <= n {
            let e = FastMath.exp(Lanes.load(x, i) - mv)
            if let out { Lanes.store(e, out, i) }
            acc0 += e
            i += 16
        }
        if i < n {
            // Padding with −∞ gives e^(−∞) = 0 in the unused lanes.
            let e = FastMath.exp(Lanes.loadPartial(x, i, count: n - i, pad: -.infinity) - mv)
            if let out { Lanes.storePartial(e, out, i, count: n - i) }
            acc1 += e
        }
        return FastMath.sumAcross(acc0 + acc1)
    }

    /// `y = softmax(x)` along each row.
    public static func softmaxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard cols > 0 else { return }
        Parallel.forRanges(count: rows, grain: rowGrain(cols)) { range in
            for r in range {
                let xr = x + r * cols, yr = y + r * cols
                let sum = rowExpSum(xr, rowMax(xr, cols), cols, store: yr)
                let inv = V(repeating: 1 / sum)
                var i = 0
                while i + 16 <= cols {
                    Lanes.store(Lanes.load(yr, i) * inv, yr, i)
                    i += 16
                }
                while i < cols {
                    yr[i] *= inv[0]
                    i += 1
                }
            }
        }
    }

    /// `dx = y ⊙ (g − Σ g⊙y)` along each row, from the softmax output `y`.
    public static func softmaxBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard cols > 0 else { return }
        Parallel.forRanges(count: rows, grain: rowGrain(cols)) { range in
            for r in range {
                let yr = y + r * cols, gr = g + r * cols, dr = dx + r * cols
                let dot = V(repeating: rowDot(yr, gr, cols))
                var i = 0
                while i + 16 <= cols {
                    Lanes.store(Lanes.load(yr, i) * (Lanes.load(gr, i) - dot), dr, i)
                    i += 16
                }
                while i < cols {
                    dr[i] = yr[i] * (gr[i] - dot[0])
                    i += 1
                }
            }
        }
    }

    /// `y = (x − m) − ln Σ e^(x − m)` along each row, m the row maximum. Subtracting m first
    /// (as PyTorch does) keeps full precision at large |x|: for [1e4, −1e4, 0] it gives exactly
    /// [0, −2e4, −1e4], where x − logsumexp(x) would round logsumexp to a multiple of 1e-3.
    public static func logSoftmaxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard cols > 0 else { return }
        Parallel.forRanges(count: rows, grain: rowGrain(cols)) { range in
            for r in range {
                let xr = x + r * cols, yr = y + r * cols
                let m = rowMax(xr, cols)
                let mv = V(repeating: m), lv = V(repeating: Foundation.log(rowExpSum(xr, m, cols, store: nil)))
                var i = 0
                while i + 16 <= cols {
                    Lanes.store((Lanes.load(xr, i) - mv) - lv, yr, i)
                    i += 16
                }
                while i < cols {
                    yr[i] = (xr[i] - mv[0]) - lv[0]
                    i += 1
                }
            }
        }
    }

    /// `dx = g − e^y · Σ g` along each row, from the log-softmax output `y`.
    public static func logSoftmaxBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard cols > 0 else { return }
        Parallel.forRanges(count: rows, grain: rowGrain(cols)) { range in
            for r in range {
                let yr = y + r * cols, gr = g + r * cols, dr = dx + r * cols
                let total = V(repeating: Reduce.rowSum(gr, count: cols))
                var i = 0
                while i + 16 <= cols {
                    Lanes.store(Lanes.load(gr, i) - FastMath.exp(Lanes.load(yr, i)) * total, dr, i)
                    i += 16
                }
                let rest = cols - i
                if rest > 0 {
                    let v = Lanes.loadPartial(gr, i, count: rest, pad: 0) - FastMath.exp(Lanes.loadPartial(yr, i, count: rest, pad: 0)) * total
                    Lanes.storePartial(v, dr, i, count: rest)
                }
            }
        }
    }

    /// Each row's log-sum-exp in two parts: its maximum `max[r]` and `logSum[r]` =
    /// ln Σ_j e^(x[r, j] − max[r]), so ln Σ e^x = max + logSum. Kept apart because x − max is
    /// exact and small where x − (max + logSum) would lose bits at large |x|.
    public static func logSumExp(_ x: UnsafePointer<Float>, max: UnsafeMutablePointer<Float>, logSum: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        Parallel.forRanges(count: rows, grain: rowGrain(cols)) { range in
            for r in range {
                let m = rowMax(x + r * cols, cols)
                max[r] = m
                logSum[r] = cols > 0 ? Foundation.log(rowExpSum(x + r * cols, m, cols, store: nil)) : 0
            }
        }
    }

    /// The gradient of mean softmax cross-entropy for the logits: row r gets
    /// `scale · (softmax(x_r) − onehot(targets[r]))`, the softmax recomputed from the row's
    /// `logSumExp` parts as e^((x − max) − logSum); a row whose target is negative (ignored)
    /// gets zeros. `scale` is the output gradient over the number of counted rows.
    public static func crossEntropyBackward(
        _ x: UnsafePointer<Float>, max: UnsafePointer<Float>, logSum: UnsafePointer<Float>, _ targets: UnsafePointer<Int>,
        scale: Float, _ dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int
    ) {
        guard cols > 0 else { return }
        Parallel.forRanges(count: rows, grain: rowGrain(cols)) { range in
            for r in range {
                let xr = x + r * cols, dr = dx + r * cols
                let t = targets[r]
                if t < 0 {
                    dr.update(repeating: 0, count: cols)
                    continue
                }
                let m = V(repeating: max[r]), l = V(repeating: logSum[r]), s = V(repeating: scale)
                var i = 0
                while i + 16 <= cols {
                    Lanes.store(FastMath.exp((Lanes.load(xr, i) - m) - l) * s, dr, i)
                    i += 16
                }
                let rest = cols - i
                if rest > 0 {
                    Lanes.storePartial(FastMath.exp((Lanes.loadPartial(xr, i, count: rest, pad: 0) - m) - l) * s, dr, i, count: rest)
                }
                dr[t] -= scale
            }
        }
    }

    /// Σ a⊙b over a row.
    @inline(__always)
    static func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = V(), acc1 = V()
        var i = 0
        while i + 32 <= n {
            acc0 = acc0.addingProduct(Lanes.load(a, i), Lanes.load(b, i))
            acc1 = acc1.addingProduct(Lanes.load(a, i + 16), Lanes.load(b, i + 16))
            i += 32
        }
        if i + 16 <= n {
            acc0 = acc0.addingProduct(Lanes.load(a, i), Lanes.load(b, i))
            i += 16
        }
        var total = FastMath.sumAcross(acc0 + acc1)
        while i < n {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }
}

extension SoftmaxKernels {
    /// Naive twins of the row kernels: plain loops in Double, the same arguments as the fast
    /// kernels. The tests' oracle and hone-bench's baseline.
    public enum Reference {
        /// Softmax along rows in Double: e^(x − max) / Σ e^(x − max).
        public static func softmaxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let row = (0..<cols).map { Double(x[r * cols + $0]) }
                let m = row.max() ?? 0
                let e = row.map { Foundation.exp($0 - m) }
                let sum = e.reduce(0, +)
                for j in 0..<cols { y[r * cols + j] = Float(e[j] / sum) }
            }
        }

        public static func softmaxBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                var dot = 0.0
                for j in 0..<cols { dot += Double(y[r * cols + j]) * Double(g[r * cols + j]) }
                for j in 0..<cols { dx[r * cols + j] = Float(Double(y[r * cols + j]) * (Double(g[r * cols + j]) - dot)) }
            }
        }

        public static func logSoftmaxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let lse = logSumExp(x + r * cols, cols)
                for j in 0..<cols { y[r * cols + j] = Float(Double(x[r * cols + j]) - lse) }
            }
        }

        public static func logSoftmaxBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                var total = 0.0
                for j in 0..<cols { total += Double(g[r * cols + j]) }
                for j in 0..<cols {
                    dx[r * cols + j] = Float(Double(g[r * cols + j]) - Foundation.exp(Double(y[r * cols + j])) * total)
                }
            }
        }

        public static func logSumExp(_ x: UnsafePointer<Float>, max: UnsafeMutablePointer<Float>, logSum: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let m = (0..<cols).map { x[r * cols + $0] }.max() ?? -.infinity
                max[r] = m
                logSum[r] = Float(logSumExp(x + r * cols, cols) - Double(m))
            }
        }

        /// ln Σ e^x of one row in Double.
        static func logSumExp(_ row: UnsafePointer<Float>, _ cols: Int) -> Double {
            let values = (0..<cols).map { Double(row[$0]) }
            let m = values.max() ?? -.infinity
            return m + Foundation.log(values.map { Foundation.exp($0 - m) }.reduce(0, +))
        }

        /// Ignores the saved row statistics and recomputes them in Double.
        public static func crossEntropyBackward(
        _ x: UnsafePointer<Float>, max: UnsafePointer<Float>, logSum: UnsafePointer<Float>, _ targets: UnsafePointer<Int>,
        scale: Float, _ dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int
    ) {
            for r in 0..<rows {
                let lse = logSumExp(x + r * cols, cols)
                for j in 0..<cols {
                    let t = targets[r]
                    let p = Foundation.exp(Double(x[r * cols + j]) - lse)
                    dx[r * cols + j] = t < 0 ? 0 : Float(Double(scale) * (p - (j == t ? 1 : 0)))
                }
            }
        }

        /// Mean cross-entropy over rows whose target is not negative, as PyTorch's
        /// `cross_entropy(reduction="mean", ignore_index=-100)` (0 when every row is ignored).
        public static func crossEntropy(_ x: UnsafePointer<Float>, _ targets: UnsafePointer<Int>, rows: Int, cols: Int) -> Float {
            var total = 0.0, counted = 0
            for r in 0..<rows where targets[r] >= 0 {
                total += logSumExp(x + r * cols, cols) - Double(x[r * cols + targets[r]])
                counted += 1
            }
            return counted == 0 ? 0 : Float(total / Double(counted))
        }
    }
}
