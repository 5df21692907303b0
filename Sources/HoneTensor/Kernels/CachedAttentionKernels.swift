extension AttentionKernels {
    /// Attention for new query positions over a key/value cache, for generation (no gradients).
    ///
    /// q [B, Tq, Hq, D] holds positions start..<start+Tq; keys and values [B, capacity, Hkv, D]
    /// hold positions 0..<start+Tq (the new ones already written). Query i attends to positions
    /// 0...start+i (within the window when `settings` has one). Per (batch, head): S = s·q·Kᵀ by sgemm over the stored rows, a masked
    /// softmax per row, out = P·V — the same arithmetic as `causalForward`, so a cached run
    /// gives the numbers a full recomputation gives.
    public static func cachedForward(
        query q: UnsafePointer<Float>, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
        output out: UnsafeMutablePointer<Float>,
        batch: Int, queryTime tq: Int, start: Int, capacity: Int,
        queryHeads: Int, keyValueHeads: Int, headDim hd: Int, settings: Settings = .standard, threading: Threading = .automatic
    ) {
        let total = start + tq
        precondition(total <= capacity, "cachedForward: \(total) positions exceed the capacity \(capacity)")
        let ldq = queryHeads * hd, ldk = keyValueHeads * hd, group = queryHeads / keyValueHeads
        let scale = settings.scale(headDim: hd)
        forTasks(batch * queryHeads, threading) { tasks in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: tq * total)
            defer { p.deallocate() }
            for task in tasks {
                let b = task / queryHeads, h = task % queryHeads, g = h / group
                let qh = q + b * tq * ldq + h * hd, oh = out + b * tq * ldq + h * hd
                let kh = k + b * capacity * ldk + g * hd, vh = v + b * capacity * ldk + g * hd
                BLAS.sgemm(.normal, .transposed, m: tq, n: total, k: hd, alpha: scale,
                           a: qh, lda: ldq, b: kh, ldb: ldk, c: p, ldc: total)
                for i in 0..<tq {
                    settings.softmax(p + i * total, from: settings.firstVisible(start + i), to: start + i + 1, width: total)
                }
                BLAS.sgemm(.normal, .normal, m: tq, n: hd, k: total,
                           a: p, lda: total, b: vh, ldb: ldk, c: oh, ldc: ldq)
            }
        }
    }
}
