/// A Llama-style transformer block written with HoneTensor ops: the workload that
/// `TransformerBlockTests` checks against a Double-precision reference and `hone-bench tensor`
/// times, kept in one place so the benchmark runs exactly the code the test verifies. It is a
/// fixture, not a model layer (HoneModels has those); weights use Hugging Face's [out, in] layout.
///
///     n1 = rmsNorm(x, attnNorm)                        x: [B, T, C]
///     q, k, v = n1·Wqᵀ, n1·Wkᵀ, n1·Wvᵀ                 as [B,T,H,D], [B,T,Hkv,D], [B,T,Hkv,D]
///     q, k = rope(q), rope(k)                          half rotation, theta 10000, from position 0
///     h = x + attention(q, k, v)·Woᵀ                   causal, grouped-query
///     n2 = rmsNorm(h, mlpNorm)
///     out = h + (silu(n2·Wgateᵀ) * (n2·Wupᵀ))·Wdownᵀ
public final class TransformerBlock {
    /// Sizes of the block and of the batch it is run on.
    public struct Shape: Sendable, CustomStringConvertible {
        public var dim: Int
        public var hidden: Int
        public var heads: Int
        public var kvHeads: Int
        public var batch: Int
        public var tokens: Int
        public var eps: Float = 1e-5
        public var theta: Float = 10000

        public init(dim: Int, hidden: Int, heads: Int, kvHeads: Int, batch: Int, tokens: Int) {
            precondition(dim % heads == 0 && heads % kvHeads == 0, "TransformerBlock: dim \(dim), heads \(heads), kvHeads \(kvHeads) don't divide")
            (self.dim, self.hidden, self.heads, self.kvHeads, self.batch, self.tokens) = (dim, hidden, heads, kvHeads, batch, tokens)
        }

        public var headDim: Int { dim / heads }

        public var description: String {
            "dim \(dim), hidden \(hidden), \(heads) heads, \(kvHeads) kv heads, batch \(batch)×\(tokens)"
        }

        /// Multiply-add FLOPs (2 per multiply-add) of the block's linear layers in one forward.
        public var linearFLOPs: Double {
            let n = Double(batch * tokens), c = Double(dim), kv = Double(kvHeads * headDim)
            return 2 * n * (c * c + 2 * c * kv + c * c + 3 * c * Double(hidden))
        }

        /// FLOPs of attention's two products (QKᵀ and PV) in one forward. `causal` counts only
        /// the T(T+1)/2 query-key pairs the mask keeps; otherwise all T².
        public func attentionFLOPs(causal: Bool) -> Double {
            let t = Double(tokens)
            let pairs = causal ? t * (t + 1) / 2 : t * t
            return 2 * 2 * Double(batch * heads) * pairs * Double(headDim)
        }

        /// Matmul FLOPs of forward plus backward. Backward of a linear layer costs the forward
        /// again for the input gradient and again for the weight gradient (skipped when frozen);
        /// attention's backward is four products (dP, dV, dQ, dK), twice its forward.
        public func trainingFLOPs(trainable: Bool, causal: Bool) -> Double {
            linearFLOPs * (trainable ? 3 : 2) + attentionFLOPs(causal: causal) * 3
        }
    }

    public let shape: Shape
    public let attnNorm, wq, wk, wv, wo, mlpNorm, wGate, wUp, wDown: Tensor

    /// The weights with their Hugging Face names, in a fixed order.
    public var parameters: [(name: String, tensor: Tensor)] {
        [("input_layernorm", attnNorm), ("q_proj", wq), ("k_proj", wk), ("v_proj", wv), ("o_proj", wo),
         ("post_attention_layernorm", mlpNorm), ("gate_proj", wGate), ("up_proj", wUp), ("down_proj", wDown)]
    }

    /// Random weights: linear layers normal with std 1/√in, norm weights 1 + 0.1·normal.
    public init(shape: Shape, seed: UInt64, trainable: Bool = true) {
        self.shape = shape
        var rng = RandomGenerator(seed: seed)
        let c = shape.dim, kv = shape.kvHeads * shape.headDim, f = shape.hidden
        func linear(_ out: Int, _ inputs: Int) -> Tensor {
            Tensor.randn([out, inputs], std: 1 / Float(inputs).squareRoot(), using: &rng)
        }
        func norm() -> Tensor {
            let t = Tensor.randn([c], std: 0.1, using: &rng)
            for i in 0..<c { t.pointer[i] += 1 }
            return t
        }
        attnNorm = norm()
        wq = linear(c, c); wk = linear(kv, c); wv = linear(kv, c); wo = linear(c, c)
        mlpNorm = norm()
        wGate = linear(f, c); wUp = linear(f, c); wDown = linear(c, f)
        setTrainable(trainable)
    }

    /// Makes every weight trainable, or frozen (LoRA-style: only input gradients flow through).
    public func setTrainable(_ trainable: Bool) {
        for (_, w) in parameters {
            w.requiresGrad = trainable
            w.zeroGrad()
        }
    }

    /// The block applied to `x` of shape [B, T, C].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let s = shape
        let (b, t, d) = (x.shape[0], x.shape[1], s.headDim)
        precondition(x.shape == [b, t, s.dim], "TransformerBlock: input shape \(x.shape), expected [B, T, \(s.dim)]")
        let n1 = x.rmsNorm(weight: attnNorm, eps: s.eps)
        let q = n1.matmul(wq.transposed()).reshaped([b, t, s.heads, d])
            .rotaryEmbedding(startPosition: 0, theta: s.theta, layout: .halfRotation)
        let k = n1.matmul(wk.transposed()).reshaped([b, t, s.kvHeads, d])
            .rotaryEmbedding(startPosition: 0, theta: s.theta, layout: .halfRotation)
        let v = n1.matmul(wv.transposed()).reshaped([b, t, s.kvHeads, d])
        let a = Attention.causal(query: q, key: k, value: v).reshaped([b, t, s.dim])
        let h = x + a.matmul(wo.transposed())
        let n2 = h.rmsNorm(weight: mlpNorm, eps: s.eps)
        let gated = n2.matmul(wGate.transposed()).silu() * n2.matmul(wUp.transposed())
        return h + gated.matmul(wDown.transposed())
    }
}
