import Foundation

/// Causal scaled-dot-product attention kernels with grouped-query heads, on row-major
/// q [B, T, Hq, D] and k, v [B, T, Hkv, D]; query head h reads kv head h / (Hq / Hkv).
///
/// Each (batch, head) is a few sgemm calls on strided views (leading dimension Hq·D or Hkv·D,
/// no transposed or per-head copies) and a fused mask-and-softmax over each row. The rows are
/// taken in blocks of `blockSize`: block [r0, r1) multiplies only against keys 0..<r1, so the
/// causal upper triangle is mostly never computed (at T = 256 and blocks of 64, 5/8 of the
/// full products). The probabilities P [B, Hq, T, T] are kept for backward; only each row
/// block's columns 0..<r1 are written, zero above the diagonal, and nothing else reads them.
///
/// Backward, per row block, with dO the output gradient:
///   dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = s·dS·K, dK += s·dSᵀ·Q, dV += Pᵀ·dO,
/// where s = 1/√D. A task owns one kv head of one batch and walks the query heads of its group,
/// so dK and dV are accumulated by one thread only.
public enum AttentionKernels {
    typealias V = SIMD16<Float>

    /// What a family changes in causal attention: the score scale (1/√D unless Gemma's
    /// `query_pre_attn_scalar` or Granite's `attention_multiplier` says otherwise), a sliding
    /// window (query i sees keys i−W < j ≤ i, as transformers' sliding-window mask), and
    /// soft-capping of the scores, cap·tanh(s/cap), before the softmax (Gemma 2).
    public struct Settings: Sendable, Equatable {
        public var scale: Float?
        public var window: Int?
        public var softCap: Float?

        public init(scale: Float? = nil, window: Int? = nil, softCap: Float? = nil) {
            self.scale = scale
            self.window = window
            self.softCap = softCap
        }

        public static let standard = Settings()

        func scale(headDim: Int) -> Float { scale ?? 1 / Float(headDim).squareRoot() }

        /// The first key position query position `i` sees.
        @inline(__always)
        func firstVisible(_ i: Int) -> Int { window.map { Swift.max(0, i - $0 + 1) } ?? 0 }

        /// Caps scores p[lo..<hi] in place.
        @inline(__always)
        func cap(_ p: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
            guard let softCap else { return }
            for j in lo..<hi { p[j] = softCap * Foundation.tanh(p[j] / softCap) }
        }

        /// Softmax of row p over keys lo..<hi (capped first), zero elsewhere in 0..<width.
        @inline(__always)
        func softmax(_ p: UnsafeMutablePointer<Float>, from lo: Int, to hi: Int, width: Int) {
            cap(p, lo, hi)
            if lo > 0 { p.update(repeating: 0, count: lo) }
            softmaxRow(p + lo, valid: hi - lo, width: width - lo)
        }
    }

    /// Rows per block; see the type's comment and the measurements in Ops/Attention.swift.
    public static let defaultBlockSize = 64

    public struct Dimensions: Sendable {
        public var batch: Int
        public var time: Int
        public var queryHeads: Int
        public var keyValueHeads: Int
        public var headDim: Int

        public init(batch: Int, time: Int, queryHeads: Int, keyValueHeads: Int, headDim: Int) {
            self.batch = batch
            self.time = time
            self.queryHeads = queryHeads
            self.keyValueHeads = keyValueHeads
            self.headDim = headDim
        }

        var groupSize: Int { queryHeads / keyValueHeads }
        var queryRow: Int { queryHeads * headDim }
        var keyValueRow: Int { keyValueHeads * headDim }
    }

    /// How the (batch, head) tasks are spread over cores. `.heads` runs tasks in parallel with
    /// `Parallel.forRanges`; `.blas` runs them one after another and leaves threading to BLAS.
    ///
    /// Measured at B = 8, T = 256 (forward + backward kernels, 2-core AMD EPYC, quiet machine):
    /// H = 6, D = 48: `.heads` with 1 OpenBLAS thread 13–16 ms; `.blas` with 2 threads 19–20 ms;
    /// either with 1 thread and no task parallelism 23 ms. H = 12, D = 64: 29 ms, 50 ms, 56 ms.
    /// The per-head products are too small for OpenBLAS to gain much from its own threads.
    /// Never run `.heads` while OpenBLAS has more than one thread: each concurrent call then
    /// wakes OpenBLAS's busy-waiting pool and the two fight over 2 cores, 10–100x slower (OpenBLAS
    /// 0.3.21 keeps a call on its caller's thread only while m·n·k ≤ 262144).
    public enum Threading: Sendable {
        case heads
        case blas

        /// `.heads` when OpenBLAS runs one thread per call, else `.blas`.
        public static var automatic: Threading { BLAS.threads > 1 ? .blas : .heads }
    }

    /// out = softmax(mask(q·kᵀ/√D))·v. `probs` [B, Hq, T, T] receives the probabilities for
    /// backward; when nil, a scratch buffer per thread is used instead.
    public static func causalForward(
        query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
        output out: UnsafeMutablePointer<Float>, probabilities probs: UnsafeMutablePointer<Float>?,
        _ d: Dimensions, settings: Settings = .standard, blockSize: Int = defaultBlockSize, threading: Threading = .automatic
    ) {
        let t = d.time, hd = d.headDim, ldq = d.queryRow, ldk = d.keyValueRow
        let scale = settings.scale(headDim: hd)
        let blockSize = max(1, blockSize)
        forTasks(d.batch * d.queryHeads, threading) { tasks in
            let scratch = probs == nil ? UnsafeMutablePointer<Float>.allocate(capacity: blockSize * t) : nil
            defer { scratch?.deallocate() }
            for task in tasks {
                let b = task / d.queryHeads, h = task % d.queryHeads, g = h / d.groupSize
                let qh = q + b * t * ldq + h * hd, oh = out + b * t * ldq + h * hd
                let kh = k + b * t * ldk + g * hd, vh = v + b * t * ldk + g * hd
                for r0 in stride(from: 0, to: t, by: blockSize) {
                    let r1 = min(r0 + blockSize, t)
                    let p: UnsafeMutablePointer<Float>, ldp: Int
                    if let probs { (p, ldp) = (probs + task * t * t + r0 * t, t) } else { (p, ldp) = (scratch!, r1) }
                    BLAS.sgemm(.normal, .transposed, m: r1 - r0, n: r1, k: hd, alpha: scale,
                               a: qh + r0 * ldq, lda: ldq, b: kh, ldb: ldk, c: p, ldc: ldp)
                    for i in r0..<r1 {
                        settings.softmax(p + (i - r0) * ldp, from: settings.firstVisible(i), to: i + 1, width: r1)
                    }
                    BLAS.sgemm(.normal, .normal, m: r1 - r0, n: hd, k: r1,
                               a: p, lda: ldp, b: vh, ldb: ldk, c: oh + r0 * ldq, ldc: ldq)
                }
            }
        }
    }

    /// The gradients of `causalForward` from the output gradient and the saved probabilities.
    /// `gradKey` and `gradValue` are overwritten (zeroed first); each of the three is skipped
    /// when nil.
    public static func causalBackward(
        gradOutput dout: UnsafePointer<Float>,
        query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
        probabilities probs: UnsafePointer<Float>,
        gradQuery dq: UnsafeMutablePointer<Float>?, gradKey dk: UnsafeMutablePointer<Float>?,
        gradValue dv: UnsafeMutablePointer<Float>?,
        _ d: Dimensions, settings: Settings = .standard, blockSize: Int = defaultBlockSize, threading: Threading = .automatic
    ) {
        let t = d.time, hd = d.headDim, ldq = d.queryRow, ldk = d.keyValueRow
        let scale = settings.scale(headDim: hd)
        let blockSize = max(1, blockSize)
        let needScores = dq != nil || dk != nil
        forTasks(d.batch * d.keyValueHeads, threading) { tasks in
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: needScores ? blockSize * t : 1)
            // Soft-capping's derivative needs the raw scores, recomputed per block.
            let raw = settings.softCap != nil && needScores ? UnsafeMutablePointer<Float>.allocate(capacity: blockSize * t) : nil
            defer { ds.deallocate(); raw?.deallocate() }
            for task in tasks {
                let b = task / d.keyValueHeads, g = task % d.keyValueHeads
                let kvOffset = b * t * ldk + g * hd
                let kh = k + kvOffset, vh = v + kvOffset
                for target in [dk, dv] {
                    guard let target else { continue }
                    for row in 0..<t { (target + kvOffset + row * ldk).update(repeating: 0, count: hd) }
                }
                for h in (g * d.groupSize)..<((g + 1) * d.groupSize) {
                    let qOffset = b * t * ldq + h * hd
                    let qh = q + qOffset, doh = dout + qOffset
                    let ph = probs + (b * d.queryHeads + h) * t * t
                    for r0 in stride(from: 0, to: t, by: blockSize) {
                        let r1 = min(r0 + blockSize, t), m = r1 - r0
                        let p = ph + r0 * t
                        if let dv {
                            BLAS.sgemm(.transposed, .normal, m: r1, n: hd, k: m,
                                       a: p, lda: t, b: doh + r0 * ldq, ldb: ldq,
                                       beta: 1, c: dv + kvOffset, ldc: ldk)
                        }
                        guard needScores else { continue }
                        BLAS.sgemm(.normal, .transposed, m: m, n: r1, k: hd,
                                   a: doh + r0 * ldq, lda: ldq, b: vh, ldb: ldk, c: ds, ldc: r1)
                        for i in 0..<m {
                            softmaxBackwardRow(probabilities: p + i * t, gradient: ds + i * r1, width: r1)
                        }
                        if let raw, let cap = settings.softCap {
                            // d(cap·tanh(s/cap))/ds = 1 − tanh²(s/cap)
                            BLAS.sgemm(.normal, .transposed, m: m, n: r1, k: hd, alpha: scale,
                                       a: qh + r0 * ldq, lda: ldq, b: kh, ldb: ldk, c: raw, ldc: r1)
                            for e in 0..<(m * r1) {
                                let th = Foundation.tanh(raw[e] / cap)
                                ds[e] *= 1 - th * th
                            }
                        }
                        if let dq {
                            BLAS.sgemm(.normal, .normal, m: m, n: hd, k: r1, alpha: scale,
                                       a: ds, lda: r1, b: kh, ldb: ldk, c: dq + qOffset + r0 * ldq, ldc: ldq)
                        }
                        if let dk {
                            BLAS.sgemm(.transposed, .normal, m: r1, n: hd, k: m, alpha: scale,
                                       a: ds, lda: r1, b: qh + r0 * ldq, ldb: ldq,
                                       beta: 1, c: dk + kvOffset, ldc: ldk)
                        }
                    }
                }
            }
        }
    }

    static func forTasks(_ count: Int, _ threading: Threading, _ body: (Range<Int>) -> Void) {
        switch threading {
        case .heads: Parallel.forRanges(count: count, grain: 1, body)
        case .blas: body(0..<count)
        }
    }

    // MARK: Row kernels

    /// In place: p[0..<valid] = softmax(p[0..<valid]); p[valid..<width] = 0 (the causal mask).
    @inline(__always)
    static func softmaxRow(_ p: UnsafeMutablePointer<Float>, valid n: Int, width: Int) {
        var maxV = V(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {
            let x = Elementwise.load(p, i)
            maxV = maxV.replacing(with: x, where: x .> maxV)
            i += 16
        }
        var top = maxV.max()
        while i < n {
            top = Swift.max(top, p[i])
            i += 1
        }
        let topV = V(repeating: top)
        var sum0 = V()
        i = 0
        while i + 16 <= n {
            let e = exp(Elementwise.load(p, i) - topV)
            sum0 += e
            Elementwise.store(e, p, i)
            i += 16
        }
        var sum = sum0.sum()
        if i < n {
            // The tail through a padded vector, so every element takes the same exp.
            var tail = V(repeating: -.infinity)
            for j in i..<n { tail[j - i] = p[j] }
            let e = exp(tail - topV)
            for j in i..<n {
                p[j] = e[j - i]
                sum += e[j - i]
            }
        }
        let inv = 1 / sum
        let invV = V(repeating: inv)
        i = 0
        while i + 16 <= n {
            Elementwise.store(Elementwise.load(p, i) * invV, p, i)
            i += 16
        }
        while i < n {
            p[i] *= inv
            i += 1
        }
        if width > n { (p + n).update(repeating: 0, count: width - n) }
    }

    /// In place: g = p ⊙ (g − Σ p·g) over a row of `width` (p is zero past the diagonal, so the
    /// masked entries come out zero).
    @inline(__always)
    static func softmaxBackwardRow(probabilities p: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>, width n: Int) {
        let dot = SoftmaxKernels.rowDot(p, g, n)
        let dotV = V(repeating: dot)
        var i = 0
        while i + 16 <= n {
            Elementwise.store(Elementwise.load(p, i) * (Elementwise.load(g, i) - dotV), g, i)
            i += 16
        }
        while i < n {
            g[i] = p[i] * (g[i] - dot)
            i += 1
        }
    }

    /// eˣ for x ≤ 0 (Cephes-style: 2ⁿ·e^r with a degree-5 polynomial; relative error about
    /// 1e-7). Inputs below −87.3, including −∞, give about 1e-38 rather than 0. Private to
    /// attention so it does not wait on the shared fast-math kernels.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let x = x.replacing(with: V(repeating: -87.3), where: x .< V(repeating: -87.3))
        let magic = V(repeating: 12_582_912)  // 1.5·2²³: adding it rounds to an integer
        let shifted = magic.addingProduct(x, V(repeating: 1.44269504088896341))  // x·log₂e + magic
        let n = shifted - magic
        var r = x.addingProduct(n, V(repeating: -0.693359375))  // x − n·ln2, in two parts
        r = r.addingProduct(n, V(repeating: 2.12194440e-4))
        var y = V(repeating: 1.3981999507e-3).addingProduct(V(repeating: 1.9875691500e-4), r)
        y = V(repeating: 8.3334519073e-3).addingProduct(y, r)
        y = V(repeating: 4.1665795894e-2).addingProduct(y, r)
        y = V(repeating: 1.6666665459e-1).addingProduct(y, r)
        y = V(repeating: 5.0000001201e-1).addingProduct(y, r)
        y = (r + V(repeating: 1)).addingProduct(y, r * r)
        let bits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(0x4B40_0000) &+ 127
        return y * unsafeBitCast(bits &<< 23, to: V.self)
    }
}

extension AttentionKernels {
    /// The naive twin: every score, probability and gradient one at a time in Double, with the
    /// full T×T mask. The tests' oracle and hone-bench's baseline.
    public enum Reference {
        /// Probabilities [T, T] of query head h in batch b (zero above the diagonal).
        static func probabilities(_ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ d: Dimensions, b: Int, h: Int,
                                  settings: Settings = .standard) -> [Double] {
            let t = d.time, hd = d.headDim, g = h / d.groupSize
            let scale = Double(settings.scale(headDim: hd))
            var p = [Double](repeating: 0, count: t * t)
            for i in 0..<t {
                let lo = settings.firstVisible(i)
                var scores = [Double](repeating: -.infinity, count: i + 1)
                for j in lo...i {
                    var s = 0.0
                    for c in 0..<hd {
                        s += Double(q[(b * t + i) * d.queryRow + h * hd + c]) * Double(k[(b * t + j) * d.keyValueRow + g * hd + c])
                    }
                    scores[j] = s * scale
                    if let cap = settings.softCap.map(Double.init) { scores[j] = cap * Foundation.tanh(scores[j] / cap) }
                }
                let top = scores.max()!
                let total = scores.reduce(0) { $0 + Foundation.exp($1 - top) }
                for j in lo...i { p[i * t + j] = Foundation.exp(scores[j] - top) / total }
            }
            return p
        }

        public static func causalForward(
            query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
            output out: UnsafeMutablePointer<Float>, _ d: Dimensions, settings: Settings = .standard
        ) {
            let t = d.time, hd = d.headDim
            for b in 0..<d.batch {
                for h in 0..<d.queryHeads {
                    let g = h / d.groupSize
                    let p = probabilities(q, k, d, b: b, h: h, settings: settings)
                    for i in 0..<t {
                        for c in 0..<hd {
                            var sum = 0.0
                            for j in 0...i { sum += p[i * t + j] * Double(v[(b * t + j) * d.keyValueRow + g * hd + c]) }
                            out[(b * t + i) * d.queryRow + h * hd + c] = Float(sum)
                        }
                    }
                }
            }
        }

        public static func causalBackward(
            gradOutput dout: UnsafePointer<Float>,
            query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
            gradQuery dq: UnsafeMutablePointer<Float>?, gradKey dk: UnsafeMutablePointer<Float>?,
            gradValue dv: UnsafeMutablePointer<Float>?, _ d: Dimensions, settings: Settings = .standard
        ) {
            let t = d.time, hd = d.headDim
            let scale = Double(settings.scale(headDim: hd))
            var gq = [Double](repeating: 0, count: d.batch * t * d.queryRow)
            var gk = [Double](repeating: 0, count: d.batch * t * d.keyValueRow), gv = gk
            for b in 0..<d.batch {
                for h in 0..<d.queryHeads {
                    let g = h / d.groupSize
                    let p = probabilities(q, k, d, b: b, h: h, settings: settings)
                    func qi(_ i: Int, _ c: Int) -> Int { (b * t + i) * d.queryRow + h * hd + c }
                    func ki(_ j: Int, _ c: Int) -> Int { (b * t + j) * d.keyValueRow + g * hd + c }
                    for i in 0..<t {
                        var dp = [Double](repeating: 0, count: i + 1)
                        for j in 0...i {
                            for c in 0..<hd {
                                dp[j] += Double(dout[qi(i, c)]) * Double(v[ki(j, c)])
                                gv[ki(j, c)] += p[i * t + j] * Double(dout[qi(i, c)])
                            }
                        }
                        var dot = 0.0
                        for j in 0...i { dot += p[i * t + j] * dp[j] }
                        for j in 0...i {
                            var ds = p[i * t + j] * (dp[j] - dot) * scale
                            if let cap = settings.softCap.map(Double.init), p[i * t + j] > 0 {
                                var raw = 0.0
                                for c in 0..<hd { raw += Double(q[qi(i, c)]) * Double(k[ki(j, c)]) }
                                let th = Foundation.tanh(raw * scale / cap)
                                ds *= 1 - th * th
                            }
                            for c in 0..<hd {
                                gq[qi(i, c)] += ds * Double(k[ki(j, c)])
                                gk[ki(j, c)] += ds * Double(q[qi(i, c)])
                            }
                        }
                    }
                }
            }
            if let dq { for i in 0..<gq.count { dq[i] = Float(gq[i]) } }
            if let dk { for i in 0..<gk.count { dk[i] = Float(gk[i]) } }
            if let dv { for i in 0..<gv.count { dv[i] = Float(gv[i]) } }
        }
    }
}
