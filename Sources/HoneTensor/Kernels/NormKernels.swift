/// Row kernels for RMSNorm and LayerNorm over the last axis of a [rows, width] buffer, after
/// llm.c's `layernorm_forward`/`layernorm_backward`: forward keeps per-row statistics (rstd, and
/// the mean for LayerNorm) for backward, and each direction is one fused kernel that finishes a
/// row while it is in L1 cache. Sums use SIMD accumulators, since Swift never reassociates float
/// sums (../shared/SWIFT-NOTES.md §3.3). Rows are split across cores by `Parallel`; the weight
/// and bias gradients are summed per chunk of rows and then across chunks, so no two threads
/// write the same memory. Each kernel has a naive Double twin in `NormKernels.Reference`.
public enum NormKernels {
    typealias V = SIMD16<Float>

    /// Elements per chunk of rows below which a chunk is not worth a thread of its own.
    static let grain = 1 << 15

    // MARK: RMSNorm

    /// y = x · rstd · weight, rstd = 1/√(mean(x²) + eps) per row (Llama / Hugging Face order:
    /// normalise, then scale). Writes one rstd per row for backward.
    public static func rmsNormForward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        rows: Int, width: Int
    ) {
        let n = width
        Parallel.forRanges(count: rows, grain: max(1, grain / max(n, 1))) { range in
            for row in range {
                let xr = x + row * n, yr = out + row * n
                let r = 1 / (sumOfSquares(xr, n) / Float(n) + eps).squareRoot()
                rstd[row] = r
                let rv = V(repeating: r)
                var i = 0
                while i + 16 <= n {
                    Elementwise.store(Elementwise.load(xr, i) * rv * Elementwise.load(weight, i), yr, i)
                    i += 16
                }
                while i < n {
                    yr[i] = xr[i] * r * weight[i]
                    i += 1
                }
            }
        }
    }

    /// With x̂ = x·rstd and g = dy·weight:
    /// dx = rstd · (g − x̂ · mean(g·x̂)), dweight = Σ_rows dy·x̂.
    /// `gradInput` and `gradWeight` are each skipped when nil; both are overwritten, not added to.
    public static func rmsNormBackward(
        gradOutput dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>,
        gradInput dx: UnsafeMutablePointer<Float>?, gradWeight dw: UnsafeMutablePointer<Float>?,
        rows: Int, width: Int
    ) {
        let n = width
        forRowChunks(rows: rows, width: n, into: [dw].compactMap { $0 }) { chunkRows, partials in
            let dwPart = partials.first
            for row in chunkRows {
                let xr = x + row * n, gr = dy + row * n
                let r = rstd[row]
                let rv = V(repeating: r)
                guard let dx else {
                    // Weight gradient only: dw += dy·x̂.
                    guard let dwPart else { continue }
                    var i = 0
                    while i + 16 <= n {
                        let xhat = Elementwise.load(xr, i) * rv
                        Elementwise.store(Elementwise.load(dwPart, i).addingProduct(Elementwise.load(gr, i), xhat), dwPart, i)
                        i += 16
                    }
                    while i < n {
                        dwPart[i] += gr[i] * (xr[i] * r)
                        i += 1
                    }
                    continue
                }
                // Sweep 1: Σ dy·w·x, so mean(g·x̂) = rstd · Σ dy·w·x / n.
                var acc0 = V(), acc1 = V()
                var i = 0
                while i + 32 <= n {
                    acc0 = acc0.addingProduct(Elementwise.load(gr, i) * Elementwise.load(weight, i), Elementwise.load(xr, i))
                    acc1 = acc1.addingProduct(Elementwise.load(gr, i + 16) * Elementwise.load(weight, i + 16), Elementwise.load(xr, i + 16))
                    i += 32
                }
                while i + 16 <= n {
                    acc0 = acc0.addingProduct(Elementwise.load(gr, i) * Elementwise.load(weight, i), Elementwise.load(xr, i))
                    i += 16
                }
                var dot = (acc0 + acc1).sum()
                while i < n {
                    dot += gr[i] * weight[i] * xr[i]
                    i += 1
                }
                // Sweep 2: dx = r·g − x·(r³·dot/n), and dw += dy·x̂ alongside.
                let c = r * r * r * dot / Float(n)
                let cv = V(repeating: c)
                let dxr = dx + row * n
                i = 0
                if let dwPart {
                    while i + 16 <= n {
                        let dyv = Elementwise.load(gr, i), xv = Elementwise.load(xr, i)
                        Elementwise.store((dyv * Elementwise.load(weight, i)) * rv - xv * cv, dxr, i)
                        Elementwise.store(Elementwise.load(dwPart, i).addingProduct(dyv, xv * rv), dwPart, i)
                        i += 16
                    }
                    while i < n {
                        dxr[i] = gr[i] * weight[i] * r - xr[i] * c
                        dwPart[i] += gr[i] * (xr[i] * r)
                        i += 1
                    }
                } else {
                    while i + 16 <= n {
                        Elementwise.store((Elementwise.load(gr, i) * Elementwise.load(weight, i)) * rv - Elementwise.load(xr, i) * cv, dxr, i)
                        i += 16
                    }
                    while i < n {
                        dxr[i] = gr[i] * weight[i] * r - xr[i] * c
                        i += 1
                    }
                }
            }
        }
    }

    // MARK: LayerNorm

    /// y = (x − mean) · rstd · weight + bias, with the biased variance (as PyTorch). Writes one
    /// mean and one rstd per row for backward. The variance is a second sweep over the row in
    /// cache, Σ(x − mean)², which avoids the cancellation of E[x²] − mean².
    public static func layerNormForward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        rows: Int, width: Int
    ) {
        let n = width
        Parallel.forRanges(count: rows, grain: max(1, grain / max(n, 1))) { range in
            for row in range {
                let xr = x + row * n, yr = out + row * n
                let m = Reduce.rowSum(xr, count: n) / Float(n)
                let mv = V(repeating: m)
                var acc0 = V(), acc1 = V()
                var i = 0
                while i + 32 <= n {
                    let a = Elementwise.load(xr, i) - mv, b = Elementwise.load(xr, i + 16) - mv
                    acc0 = acc0.addingProduct(a, a)
                    acc1 = acc1.addingProduct(b, b)
                    i += 32
                }
                while i + 16 <= n {
                    let a = Elementwise.load(xr, i) - mv
                    acc0 = acc0.addingProduct(a, a)
                    i += 16
                }
                var ss = (acc0 + acc1).sum()
                while i < n {
                    let a = xr[i] - m
                    ss += a * a
                    i += 1
                }
                let r = 1 / (ss / Float(n) + eps).squareRoot()
                mean[row] = m
                rstd[row] = r
                let rv = V(repeating: r)
                i = 0
                while i + 16 <= n {
                    let xhat = (Elementwise.load(xr, i) - mv) * rv
                    Elementwise.store(Elementwise.load(bias, i).addingProduct(xhat, Elementwise.load(weight, i)), yr, i)
                    i += 16
                }
                while i < n {
                    yr[i] = (xr[i] - m) * r * weight[i] + bias[i]
                    i += 1
                }
            }
        }
    }

    /// With x̂ = (x − mean)·rstd and g = dy·weight:
    /// dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)), dweight = Σ_rows dy·x̂, dbias = Σ_rows dy.
    /// Each output is skipped when nil and overwritten otherwise.
    public static func layerNormBackward(
        gradOutput dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        gradInput dx: UnsafeMutablePointer<Float>?, gradWeight dw: UnsafeMutablePointer<Float>?,
        gradBias db: UnsafeMutablePointer<Float>?,
        rows: Int, width: Int
    ) {
        let n = width
        forRowChunks(rows: rows, width: n, into: [dw, db].compactMap { $0 }) { chunkRows, partials in
            // Partial buffers come in the order of the non-nil targets.
            let dwPart = dw == nil ? nil : partials[0]
            let dbPart = db == nil ? nil : partials[dw == nil ? 0 : 1]
            for row in chunkRows {
                let xr = x + row * n, gr = dy + row * n
                let m = mean[row], r = rstd[row]
                let mv = V(repeating: m), rv = V(repeating: r)
                // Sweep 1 (only for dx): mean(g) and mean(g·x̂).
                var meanG: Float = 0, meanGX: Float = 0
                if dx != nil {
                    var sumG0 = V(), sumG1 = V(), sumGX0 = V(), sumGX1 = V()
                    var i = 0
                    while i + 32 <= n {
                        let g0 = Elementwise.load(gr, i) * Elementwise.load(weight, i)
                        let g1 = Elementwise.load(gr, i + 16) * Elementwise.load(weight, i + 16)
                        sumG0 += g0
                        sumG1 += g1
                        sumGX0 = sumGX0.addingProduct(g0, (Elementwise.load(xr, i) - mv) * rv)
                        sumGX1 = sumGX1.addingProduct(g1, (Elementwise.load(xr, i + 16) - mv) * rv)
                        i += 32
                    }
                    while i + 16 <= n {
                        let g0 = Elementwise.load(gr, i) * Elementwise.load(weight, i)
                        sumG0 += g0
                        sumGX0 = sumGX0.addingProduct(g0, (Elementwise.load(xr, i) - mv) * rv)
                        i += 16
                    }
                    var sumG = (sumG0 + sumG1).sum(), sumGX = (sumGX0 + sumGX1).sum()
                    while i < n {
                        let g = gr[i] * weight[i]
                        sumG += g
                        sumGX += g * ((xr[i] - m) * r)
                        i += 1
                    }
                    meanG = sumG / Float(n)
                    meanGX = sumGX / Float(n)
                }
                // Sweep 2: dx = (g − mean(g) − x̂·mean(g·x̂))·r, dw += dy·x̂, db += dy.
                let meanGv = V(repeating: meanG), meanGXv = V(repeating: meanGX)
                let dxr = dx.map { $0 + row * n }
                var i = 0
                while i + 16 <= n {
                    let dyv = Elementwise.load(gr, i)
                    let xhat = (Elementwise.load(xr, i) - mv) * rv
                    if let dxr {
                        let g = dyv * Elementwise.load(weight, i)
                        Elementwise.store((g - meanGv - xhat * meanGXv) * rv, dxr, i)
                    }
                    if let dwPart { Elementwise.store(Elementwise.load(dwPart, i).addingProduct(dyv, xhat), dwPart, i) }
                    if let dbPart { Elementwise.store(Elementwise.load(dbPart, i) + dyv, dbPart, i) }
                    i += 16
                }
                while i < n {
                    let xhat = (xr[i] - m) * r
                    if let dxr { dxr[i] = (gr[i] * weight[i] - meanG - xhat * meanGX) * r }
                    if let dwPart { dwPart[i] += gr[i] * xhat }
                    if let dbPart { dbPart[i] += gr[i] }
                    i += 1
                }
            }
        }
    }

    // MARK: Helpers

    @inline(__always)
    static func sumOfSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = V(), acc1 = V()
        var i = 0
        while i + 32 <= n {
            let a = Elementwise.load(p, i), b = Elementwise.load(p, i + 16)
            acc0 = acc0.addingProduct(a, a)
            acc1 = acc1.addingProduct(b, b)
            i += 32
        }
        while i + 16 <= n {
            let a = Elementwise.load(p, i)
            acc0 = acc0.addingProduct(a, a)
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < n {
            total += p[i] * p[i]
            i += 1
        }
        return total
    }

    /// Splits `rows` into chunks run in parallel. Each chunk gets one zeroed buffer of `width`
    /// floats per target to sum into; afterwards the chunks' buffers are added up into
    /// `targets` (overwriting them), in chunk order, so results do not depend on timing.
    static func forRowChunks(
        rows: Int, width: Int, into targets: [UnsafeMutablePointer<Float>],
        _ body: (Range<Int>, [UnsafeMutablePointer<Float>]) -> Void
    ) {
        let partialBuffers = targets.count
        let chunks = max(1, min(Parallel.threads, rows * width / grain, rows))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, chunks * partialBuffers * width))
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0, count: chunks * partialBuffers * width)
        func partials(_ chunk: Int) -> [UnsafeMutablePointer<Float>] {
            (0..<partialBuffers).map { scratch + (chunk * partialBuffers + $0) * width }
        }
        Parallel.forRanges(count: chunks, grain: 1) { range in
            for chunk in range {
                body((rows * chunk / chunks)..<(rows * (chunk + 1) / chunks), partials(chunk))
            }
        }
        for (b, target) in targets.enumerated() {
            target.update(from: scratch + b * width, count: width)
            for chunk in 1..<chunks {
                Elementwise.addInPlace(target, scratch + (chunk * partialBuffers + b) * width, count: width)
            }
        }
    }
}

extension NormKernels {
    /// Naive twins of the norm kernels: one element at a time, in Double, straight from the
    /// formulas. The tests' oracle and hone-bench's baseline; same arguments as the fast kernels.
    public enum Reference {
        public static func rmsNormForward(
            x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
            out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, rows: Int, width n: Int
        ) {
            for row in 0..<rows {
                var ss = 0.0
                for i in 0..<n { ss += Double(x[row * n + i]) * Double(x[row * n + i]) }
                let r = 1 / (ss / Double(n) + Double(eps)).squareRoot()
                rstd[row] = Float(r)
                for i in 0..<n { out[row * n + i] = Float(Double(x[row * n + i]) * r * Double(weight[i])) }
            }
        }

        public static func rmsNormBackward(
            gradOutput dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
            rstd: UnsafePointer<Float>,
            gradInput dx: UnsafeMutablePointer<Float>?, gradWeight dw: UnsafeMutablePointer<Float>?,
            rows: Int, width n: Int
        ) {
            var dwSum = [Double](repeating: 0, count: n)
            for row in 0..<rows {
                let r = Double(rstd[row])
                var dot = 0.0
                for i in 0..<n {
                    let xhat = Double(x[row * n + i]) * r
                    dot += Double(dy[row * n + i]) * Double(weight[i]) * xhat
                    dwSum[i] += Double(dy[row * n + i]) * xhat
                }
                dot /= Double(n)
                for i in 0..<n {
                    let xhat = Double(x[row * n + i]) * r
                    let g = Double(dy[row * n + i]) * Double(weight[i])
                    dx?[row * n + i] = Float(r * (g - xhat * dot))
                }
            }
            if let dw { for i in 0..<n { dw[i] = Float(dwSum[i]) } }
        }

        public static func layerNormForward(
            x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
            out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
            rows: Int, width n: Int
        ) {
            for row in 0..<rows {
                var m = 0.0
                for i in 0..<n { m += Double(x[row * n + i]) }
                m /= Double(n)
                var v = 0.0
                for i in 0..<n { v += (Double(x[row * n + i]) - m) * (Double(x[row * n + i]) - m) }
                let r = 1 / (v / Double(n) + Double(eps)).squareRoot()
                mean[row] = Float(m)
                rstd[row] = Float(r)
                for i in 0..<n {
                    out[row * n + i] = Float((Double(x[row * n + i]) - m) * r * Double(weight[i]) + Double(bias[i]))
                }
            }
        }

        public static func layerNormBackward(
            gradOutput dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
            mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
            gradInput dx: UnsafeMutablePointer<Float>?, gradWeight dw: UnsafeMutablePointer<Float>?,
            gradBias db: UnsafeMutablePointer<Float>?,
            rows: Int, width n: Int
        ) {
            var dwSum = [Double](repeating: 0, count: n), dbSum = [Double](repeating: 0, count: n)
            for row in 0..<rows {
                let m = Double(mean[row]), r = Double(rstd[row])
                var meanG = 0.0, meanGX = 0.0
                for i in 0..<n {
                    let xhat = (Double(x[row * n + i]) - m) * r
                    let g = Double(dy[row * n + i]) * Double(weight[i])
                    meanG += g
                    meanGX += g * xhat
                    dwSum[i] += Double(dy[row * n + i]) * xhat
                    dbSum[i] += Double(dy[row * n + i])
                }
                meanG /= Double(n)
                meanGX /= Double(n)
                for i in 0..<n {
                    let xhat = (Double(x[row * n + i]) - m) * r
                    let g = Double(dy[row * n + i]) * Double(weight[i])
                    dx?[row * n + i] = Float((g - meanG - xhat * meanGX) * r)
                }
            }
            if let dw { for i in 0..<n { dw[i] = Float(dwSum[i]) } }
            if let db { for i in 0..<n { db[i] = Float(dbSum[i]) } }
        }
    }
}
