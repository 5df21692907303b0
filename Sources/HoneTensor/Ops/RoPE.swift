/// Rotary position embeddings (RoFormer; Llama's q and k) on [B, T, H, D] tensors.
/// Angles follow Hugging Face's float32 arithmetic (see `RoPEKernels`).

/// How the two members of each rotated pair sit inside a head of D values.
public enum RotaryLayout: Sendable, Hashable, CaseIterable {
    /// Adjacent pairs (x[2i], x[2i+1]), as GGUF and llama2.c store q and k (Meta's original).
    case interleaved
    /// Pairs (x[i], x[i + D/2]), as Hugging Face stores q and k (`rotate_half`).
    case halfRotation
}

/// The rotary angles of one attention layer: pair i turns by position · inverseFrequencies[i],
/// and cos and sin are multiplied by `attentionScaling` (YaRN's and LongRoPE's attention
/// factor, 1 otherwise). Only the first `rotaryDim` values of each head rotate (partial rotary,
/// as Phi-3 and Phi-4-mini use); the rest pass through unchanged. Scaled rotary embeddings
/// (linear, NTK, Llama 3, YaRN, LongRoPE) differ only in these numbers, which HoneModels
/// computes from a checkpoint's configuration.
public struct RotaryFrequencies: Sendable, Equatable {
    public var inverseFrequencies: [Float]
    public var attentionScaling: Float

    public init(inverseFrequencies: [Float], attentionScaling: Float = 1) {
        self.inverseFrequencies = inverseFrequencies
        self.attentionScaling = attentionScaling
    }

    /// The number of values per head that rotate: two per frequency.
    public var rotaryDim: Int { 2 * inverseFrequencies.count }

    /// The original RoPE angles over `dim` values: theta^(-2i/dim), in Hugging Face's float32 steps.
    public static func standard(dim: Int, theta: Float) -> RotaryFrequencies {
        RotaryFrequencies(inverseFrequencies: RoPEKernels.inverseFrequencies(dim: dim, theta: theta))
    }
}

/// Rotates pair i of every head at position p by the angle p · inverseFrequencies[i] (scaled by
/// the attention factor). Backward rotates the gradient by the opposite angle with the same
/// scale: the transpose of s·R is s·Rᵀ, and a rotation's transpose is its inverse.
struct RotaryEmbeddingOp: Op {
    let startPosition: Int
    let frequencies: RotaryFrequencies
    let layout: RotaryLayout
    var name: String { "rotaryEmbedding" }

    /// The cos and sin tables, [T, D/2], reused by backward.
    struct Saved {
        let cos: [Float]
        let sin: [Float]
    }

    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let x = rowMajorCopyIfNeeded(inputs[0])
        precondition(x.rank == 4 && frequencies.rotaryDim <= x.shape[3],
                     "rotaryEmbedding: input must be [B, T, H, D] with D ≥ \(frequencies.rotaryDim), got shape \(x.shape)")
        precondition(startPosition >= 0, "rotaryEmbedding: negative start position \(startPosition)")
        let (b, t, h, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let table = RoPEKernels.table(startPosition: startPosition, count: t, frequencies: frequencies)
        let out = Tensor(uninitializedShape: x.shape)
        rotate(x, into: out, table: table, inverse: false, b, t, h, d)
        return (out, Saved(cos: table.cos, sin: table.sin))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let g = rowMajorCopyIfNeeded(gradient)
        // A copy read only through `.pointer`: keep it alive until the kernel has run.
        defer { withExtendedLifetime(g) {} }
        let out = Tensor(uninitializedShape: g.shape)
        rotate(g, into: out, table: (saved.cos, saved.sin), inverse: true, g.shape[0], g.shape[1], g.shape[2], g.shape[3])
        return [out]
    }

    private func rotate(_ x: Tensor, into out: Tensor, table: (cos: [Float], sin: [Float]), inverse: Bool,
                        _ b: Int, _ t: Int, _ h: Int, _ d: Int) {
        guard x.count > 0 else { return }
        table.cos.withUnsafeBufferPointer { c in
            table.sin.withUnsafeBufferPointer { s in
                RoPEKernels.rotate(x.pointer, out.pointer, batch: b, time: t, heads: h, dim: d,
                                   rotaryDim: frequencies.rotaryDim,
                                   cos: c.baseAddress!, sin: s.baseAddress!, layout: layout, inverse: inverse)
            }
        }
    }
}

extension Tensor {
    /// Rotary position embedding of x [B, T, H, D] (D even) at positions
    /// startPosition..<startPosition+T along axis 1; pair i turns by position · theta^(-2i/D).
    /// `layout` says which values pair up: `.halfRotation` for Hugging Face q/k, `.interleaved`
    /// for GGUF and llama2.c.
    public func rotaryEmbedding(startPosition: Int, theta: Float, layout: RotaryLayout) -> Tensor {
        rotaryEmbedding(startPosition: startPosition, frequencies: .standard(dim: shape[3], theta: theta), layout: layout)
    }

    /// Rotary position embedding of x [B, T, H, D] with explicit angles: the first
    /// `frequencies.rotaryDim` values of each head rotate (pairs laid out by `layout` within
    /// them), cos and sin scaled by `frequencies.attentionScaling`; the rest pass through.
    public func rotaryEmbedding(startPosition: Int, frequencies: RotaryFrequencies, layout: RotaryLayout) -> Tensor {
        RotaryEmbeddingOp(startPosition: startPosition, frequencies: frequencies, layout: layout).apply([self])
    }
}

extension RotaryEmbeddingOp: GradCheckable {
    static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("rotaryEmbedding interleaved", [.init([2, 3, 2, 6])]) {
                $0[0].rotaryEmbedding(startPosition: 5, theta: 10_000, layout: .interleaved)
            },
            // D/2 = 17: one SIMD block and a scalar tail, on a transposed view.
            GradCheckCase("rotaryEmbedding halfRotation", [.init([1, 3, 2, 34], transposed: true)]) {
                $0[0].rotaryEmbedding(startPosition: 0, theta: 500_000, layout: .halfRotation)
            },
            // Partial rotary (12 of 16 values) with an attention factor, both layouts.
            GradCheckCase("rotaryEmbedding partial and scaled", [.init([1, 3, 2, 16])]) {
                let f = RotaryFrequencies(inverseFrequencies: RoPEKernels.inverseFrequencies(dim: 12, theta: 100), attentionScaling: 1.3)
                return $0[0].rotaryEmbedding(startPosition: 2, frequencies: f, layout: .halfRotation)
                    + $0[0].rotaryEmbedding(startPosition: 1, frequencies: f, layout: .interleaved)
            },
        ]
    }
}
