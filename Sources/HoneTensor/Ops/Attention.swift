/// Causal scaled-dot-product attention with grouped-query heads, for training: the whole
/// sequence at once, no kv cache. Kernels/AttentionKernels.swift does the work with sgemm per
/// (batch, head) and a fused mask-and-softmax; heads run in parallel, with OpenBLAS held to one
/// thread meanwhile (`BLAS.withThreads`): its per-head products are too small for OpenBLAS's
/// own threads (`AttentionKernels.Threading` has the measurements), and with two OpenBLAS
/// threads on a loaded 2-core machine an S-size forward took 6 s in attention instead of 0.1 s.

/// softmax(q·kᵀ/√D + causal mask)·v. Forward keeps q, k, v and the probabilities
/// [B, Hq, T, T] (at T = 256 recomputing them costs more than the memory: 25 MB for
/// B = 8, Hq = 12); the output is not kept. When nothing will call backward (grad mode off, or
/// no input needs a gradient) the probabilities live only in per-thread scratch.
struct CausalAttentionOp: Op {
    /// Rows per causal block (AttentionKernels); tests shrink it to cover several blocks.
    var blockSize: Int = AttentionKernels.defaultBlockSize
    var settings: AttentionKernels.Settings = .standard
    var name: String { "causalAttention" }

    struct Saved {
        let query: Tensor
        let key: Tensor
        let value: Tensor
        /// nil when the forward ran without recording.
        let probabilities: Tensor?
    }

    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let q = rowMajorCopyIfNeeded(inputs[0]), k = rowMajorCopyIfNeeded(inputs[1]), v = rowMajorCopyIfNeeded(inputs[2])
        let d = dimensions(q, k, v)
        let out = Tensor(uninitializedShape: q.shape)
        let recording = GradMode.isEnabled && inputs.contains(where: \.requiresGrad)
        let probabilities = recording ? Tensor(uninitializedShape: [d.batch, d.queryHeads, d.time, d.time]) : nil
        if q.count > 0 {
            BLAS.withThreads(1) {
                AttentionKernels.causalForward(query: q.pointer, key: k.pointer, value: v.pointer, output: out.pointer,
                                               probabilities: probabilities?.pointer, d, settings: settings, blockSize: blockSize, threading: .heads)
            }
        }
        return (out, Saved(query: q.detached(), key: k.detached(), value: v.detached(), probabilities: probabilities))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        guard let probabilities = saved.probabilities else {
            preconditionFailure("causalAttention: backward without saved probabilities")
        }
        let (q, k, v) = (saved.query, saved.key, saved.value)
        let d = dimensions(q, k, v)
        let g = rowMajorCopyIfNeeded(gradient)
        // A copy read only through `.pointer`: keep it alive until the kernel has run.
        defer { withExtendedLifetime(g) {} }
        let dq = needs[0] ? Tensor(uninitializedShape: q.shape) : nil
        let dk = needs[1] ? Tensor(uninitializedShape: k.shape) : nil
        let dv = needs[2] ? Tensor(uninitializedShape: v.shape) : nil
        if q.count > 0 {
            BLAS.withThreads(1) {
                AttentionKernels.causalBackward(gradOutput: g.pointer, query: q.pointer, key: k.pointer, value: v.pointer,
                                                probabilities: probabilities.pointer,
                                                gradQuery: dq?.pointer, gradKey: dk?.pointer, gradValue: dv?.pointer,
                                                d, settings: settings, blockSize: blockSize, threading: .heads)
            }
        } else {
            for t in [dk, dv] { if let t { Elementwise.fill(t.pointer, 0, count: t.count) } }
        }
        return [dq, dk, dv]
    }

    private func dimensions(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> AttentionKernels.Dimensions {
        precondition(q.rank == 4 && k.rank == 4 && k.shape == v.shape,
                     "causalAttention: query \(q.shape), key \(k.shape) and value \(v.shape) must be [B, T, H, D], key and value alike")
        precondition(q.shape[0] == k.shape[0] && q.shape[1] == k.shape[1] && q.shape[3] == k.shape[3],
                     "causalAttention: query \(q.shape) and key \(k.shape) differ in B, T or D")
        precondition(k.shape[2] > 0 && q.shape[2] % k.shape[2] == 0 && q.shape[3] > 0,
                     "causalAttention: query heads (\(q.shape[2])) must be a multiple of key/value heads (\(k.shape[2])), head size nonzero")
        return AttentionKernels.Dimensions(batch: q.shape[0], time: q.shape[1], queryHeads: q.shape[2],
                                           keyValueHeads: k.shape[2], headDim: q.shape[3])
    }
}

/// Attention as used by transformer blocks.
public enum Attention {
    /// Causal scaled-dot-product attention, scale 1/√D, for query [B, T, Hq, D] and key, value
    /// [B, T, Hkv, D] with Hq a multiple of Hkv (grouped-query attention: query head h uses
    /// kv head h / (Hq/Hkv)). Returns [B, T, Hq, D]. Position t attends to positions 0...t.
    public static func causal(query: Tensor, key: Tensor, value: Tensor) -> Tensor {
        CausalAttentionOp().apply([query, key, value])
    }

    /// Causal attention with a family's scale, sliding window and score soft-cap
    /// (`AttentionKernels.Settings`).
    public static func causal(query: Tensor, key: Tensor, value: Tensor, settings: AttentionKernels.Settings) -> Tensor {
        CausalAttentionOp(settings: settings).apply([query, key, value])
    }
}

extension CausalAttentionOp: GradCheckable {
    static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("causalAttention", [.init([2, 5, 2, 4]), .init([2, 5, 2, 4]), .init([2, 5, 2, 4])]) {
                Attention.causal(query: $0[0], key: $0[1], value: $0[2])
            },
            // Hq = 4 over Hkv = 2, blocks of 3 rows over T = 7, head size 17 (SIMD tail), a
            // transposed view for the query.
            GradCheckCase("causalAttention grouped, several blocks",
                          [.init([1, 7, 4, 17]), .init([1, 7, 2, 17], transposed: true), .init([1, 7, 2, 17])]) {
                CausalAttentionOp(blockSize: 3).apply([$0[0], $0[1], $0[2]])
            },
            // A window of 3 across blocks of 2, a custom scale and a soft-cap (Gemma 2's attention).
            GradCheckCase("causalAttention windowed, scaled, soft-capped",
                          [.init([1, 6, 4, 8]), .init([1, 6, 2, 8]), .init([1, 6, 2, 8])]) {
                CausalAttentionOp(blockSize: 2, settings: .init(scale: 0.6, window: 3, softCap: 1.5)).apply([$0[0], $0[1], $0[2]])
            },
        ]
    }
}
