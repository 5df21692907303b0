import Foundation
import Testing
@testable import HoneTensor

/// The transformer block of `TransformerBlock` (Llama style) against an independent reference
/// written here on plain [Double] arrays, with no HoneTensor op: the forward, and gradients by
/// central finite differences of that Double forward (step 1e-6: they differ from those with
/// step 1e-5 by at most 6e-9 on gradients of size up to 8, far below the 1e-4 tolerance).
///
/// The loss is L = Σ out·w for a fixed random w. Compared: every element of the output, of
/// dL/dx and of dL/dW for all nine weights. An element passes when
/// |hone − reference| ≤ 1e-4 · max(|reference|, rms), where rms is the root mean square of that
/// reference tensor, so elements near zero are judged on the tensor's scale.
@Suite("transformer block against a Double reference")
struct TransformerBlockTests {
    static let shape = TransformerBlock.Shape(dim: 16, hidden: 24, heads: 4, kvHeads: 2, batch: 2, tokens: 5)
    static let tolerance = 1e-4

    /// hone's block, its input, the loss weights, and the reference built from the same numbers.
    struct Fixture {
        let block: TransformerBlock
        let x: Tensor
        let lossWeights: Tensor
        let reference: ReferenceBlock

        init(trainable: Bool) {
            let s = TransformerBlockTests.shape
            block = TransformerBlock(shape: s, seed: 7, trainable: trainable)
            var rng = RandomGenerator(seed: 11)
            x = Tensor.randn([s.batch, s.tokens, s.dim], using: &rng)
            x.requiresGrad = true
            lossWeights = Tensor.randn([s.batch, s.tokens, s.dim], using: &rng)
            var weights: [String: [Double]] = [:]
            for (name, w) in block.parameters { weights[name] = w.scalars.map(Double.init) }
            reference = ReferenceBlock(shape: s, x: x.scalars.map(Double.init), weights: weights,
                                       lossWeights: lossWeights.scalars.map(Double.init))
        }

        /// Runs hone's forward and backward of Σ out·w; returns the output.
        func run() -> Tensor {
            let out = block(x)
            (out * lossWeights).sum().backward()
            return out
        }
    }

    /// Worst |a − r| / max(|r|, rms(r)) over a tensor.
    static func worstError(_ actual: [Float], _ reference: [Double]) -> (error: Double, index: Int) {
        precondition(actual.count == reference.count)
        let rms = (reference.map { $0 * $0 }.reduce(0, +) / Double(max(reference.count, 1))).squareRoot()
        var worst = (error: 0.0, index: -1)
        for (i, (a, r)) in zip(actual, reference).enumerated() {
            let e = abs(Double(a) - r) / max(abs(r), rms, .leastNormalMagnitude)
            if e > worst.error { worst = (e, i) }
        }
        return worst
    }

    func expectClose(_ actual: [Float]?, _ reference: [Double], _ what: String) {
        guard let actual else {
            Issue.record("\(what): no gradient")
            return
        }
        let (error, index) = Self.worstError(actual, reference)
        #expect(error <= Self.tolerance, "\(what): worst relative error \(error) at element \(index) (hone \(actual[max(index, 0)]), reference \(reference[max(index, 0)]))")
    }

    @Test("forward and every gradient match the Double reference to 1e-4")
    func forwardAndGradients() {
        let f = Fixture(trainable: true)
        let out = f.run()
        expectClose(out.scalars, f.reference.forward(), "forward output")
        expectClose(f.x.grad?.scalars, f.reference.inputGradient(), "dL/dx")
        for (name, w) in f.block.parameters {
            #expect(w.grad?.shape == w.shape, "\(name): gradient shape")
            expectClose(w.grad?.scalars, f.reference.weightGradient(name), "dL/d\(name)")
        }
    }

    @Test("frozen weights get no gradient and no weight-gradient matmul; dL/dx still matches")
    func frozenWeights() {
        let f = Fixture(trainable: false)
        // `MatMul.weightGradients` is process-wide and other tests run in parallel, so a single
        // difference could include their matmuls. A frozen block that computed any weight
        // gradient would add at least one in *every* run, so one run with a difference of 0
        // proves it computes none.
        var differences: [Int] = []
        var out: Tensor? = nil
        for _ in 0..<20 {
            f.x.zeroGrad()
            let before = MatMul.weightGradients.load(ordering: .relaxed)
            out = f.run()
            differences.append(MatMul.weightGradients.load(ordering: .relaxed) - before)
            if differences.last == 0 { break }
        }
        #expect(differences.contains(0), "weight-gradient matmuls during frozen backward: \(differences)")
        for (name, w) in f.block.parameters {
            #expect(!w.requiresGrad)
            #expect(w.grad == nil, "\(name) got a gradient while frozen")
        }
        expectClose(out?.scalars ?? [], f.reference.forward(), "forward output")
        expectClose(f.x.grad?.scalars, f.reference.inputGradient(), "dL/dx")
    }

    @Test("the trainable block computes exactly seven weight-gradient matmuls")
    func trainableCountsWeightGradients() {
        // The counterpart of the frozen test, so that its counter is known to count: other
        // tests only add, so the smallest difference over a few runs is this block's own.
        let f = Fixture(trainable: true)
        var smallest = Int.max
        for _ in 0..<5 {
            let before = MatMul.weightGradients.load(ordering: .relaxed)
            _ = f.run()
            smallest = min(smallest, MatMul.weightGradients.load(ordering: .relaxed) - before)
            if smallest == 7 { break }
        }
        #expect(smallest == 7)
    }
}

@Suite("the op profiler")
struct ProfilerTests {
    @Test("it charges each op's time to its name and phase, nested ops to the outer phase")
    func chargesOps() {
        let f = TransformerBlockTests.Fixture(trainable: true)
        Profiler.reset()
        Profiler.start()
        _ = f.run()
        Profiler.stop()
        let entries = Profiler.entries
        Profiler.reset()
        // Tests run in parallel and the profiler is process-wide, so other tests' ops may be
        // recorded too: check lower bounds only.
        func calls(_ name: String, _ phase: Profiler.Phase) -> Int {
            entries.first { $0.name == name && $0.phase == phase }?.calls ?? 0
        }
        #expect(calls("matmul", .forward) >= 7)
        #expect(calls("matmul", .backward) >= 7)
        #expect(calls("rmsNorm", .forward) >= 2 && calls("rmsNorm", .backward) >= 2)
        #expect(calls("causalAttention", .forward) >= 1 && calls("causalAttention", .backward) >= 1)
        // mul's backward multiplies through `*`, whose ops count as backward, not forward.
        #expect(calls("mul", .backward) >= 3)
        #expect(calls("(accumulate)", .backward) >= 1)
        #expect(entries.allSatisfy { $0.selfSeconds >= 0 })
        #expect(!Profiler.isEnabled)
    }
}

/// The block in Double on flat row-major arrays, written from the formulas (see
/// `TransformerBlock`), sharing no code with HoneTensor. Weights are in [out, in] layout.
struct ReferenceBlock {
    let shape: TransformerBlock.Shape
    /// The input [B, T, C], the weights by Hugging Face name, and w of the loss Σ out·w.
    let x: [Double]
    let weights: [String: [Double]]
    let lossWeights: [Double]

    func forward() -> [Double] { Self.forward(shape, x, weights) }

    func loss(_ x: [Double], _ w: [String: [Double]]) -> Double {
        zip(Self.forward(shape, x, w), lossWeights).map { $0 * $1 }.reduce(0, +)
    }

    static let step = 1e-6

    /// dL/dx by central differences.
    func inputGradient() -> [Double] {
        x.indices.map { i in
            var plus = x, minus = x
            plus[i] += Self.step
            minus[i] -= Self.step
            return (loss(plus, weights) - loss(minus, weights)) / (2 * Self.step)
        }
    }

    /// dL/dW for one named weight by central differences.
    func weightGradient(_ name: String) -> [Double] {
        weights[name]!.indices.map { i in
            var plus = weights, minus = weights
            plus[name]![i] += Self.step
            minus[name]![i] -= Self.step
            return (loss(x, plus) - loss(x, minus)) / (2 * Self.step)
        }
    }

    static func forward(_ s: TransformerBlock.Shape, _ x: [Double], _ w: [String: [Double]]) -> [Double] {
        let n = s.batch * s.tokens, c = s.dim, d = s.headDim, kv = s.kvHeads * d
        let n1 = rmsNorm(x, w["input_layernorm"]!, rows: n, eps: Double(s.eps))
        var q = linear(n1, w["q_proj"]!, rows: n, inputs: c, outputs: c)
        var k = linear(n1, w["k_proj"]!, rows: n, inputs: c, outputs: kv)
        let v = linear(n1, w["v_proj"]!, rows: n, inputs: c, outputs: kv)
        rotate(&q, s, heads: s.heads)
        rotate(&k, s, heads: s.kvHeads)
        let a = attention(q, k, v, s)
        let h = add(x, linear(a, w["o_proj"]!, rows: n, inputs: c, outputs: c))
        let n2 = rmsNorm(h, w["post_attention_layernorm"]!, rows: n, eps: Double(s.eps))
        let gate = linear(n2, w["gate_proj"]!, rows: n, inputs: c, outputs: s.hidden)
        let up = linear(n2, w["up_proj"]!, rows: n, inputs: c, outputs: s.hidden)
        let gated = zip(gate, up).map { g, u in g / (1 + exp(-g)) * u }
        return add(h, linear(gated, w["down_proj"]!, rows: n, inputs: s.hidden, outputs: c))
    }

    /// y[r, o] = Σ_i x[r, i] · w[o, i].
    static func linear(_ x: [Double], _ w: [Double], rows: Int, inputs: Int, outputs: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var sum = 0.0
                for i in 0..<inputs { sum += x[r * inputs + i] * w[o * inputs + i] }
                y[r * outputs + o] = sum
            }
        }
        return y
    }

    /// y = x / √(mean(x²) + eps) · w, per row.
    static func rmsNorm(_ x: [Double], _ w: [Double], rows: Int, eps: Double) -> [Double] {
        let c = w.count
        var y = x
        for r in 0..<rows {
            var meanSquare = 0.0
            for i in 0..<c { meanSquare += x[r * c + i] * x[r * c + i] }
            let scale = 1 / (meanSquare / Double(c) + eps).squareRoot()
            for i in 0..<c { y[r * c + i] = x[r * c + i] * scale * w[i] }
        }
        return y
    }

    /// Hugging Face's rotary embedding ("rotate half"): within each head, element i and element
    /// i + D/2 rotate by angle t · theta^(−2i/D), t the token's position.
    static func rotate(_ x: inout [Double], _ s: TransformerBlock.Shape, heads: Int) {
        let d = s.headDim, half = d / 2
        for b in 0..<s.batch {
            for t in 0..<s.tokens {
                for h in 0..<heads {
                    let base = ((b * s.tokens + t) * heads + h) * d
                    for i in 0..<half {
                        let angle = Double(t) * pow(Double(s.theta), -2 * Double(i) / Double(d))
                        let (x1, x2) = (x[base + i], x[base + i + half])
                        x[base + i] = x1 * cos(angle) - x2 * sin(angle)
                        x[base + i + half] = x2 * cos(angle) + x1 * sin(angle)
                    }
                }
            }
        }
    }

    /// Causal softmax(q·kᵀ/√D)·v per batch and query head; query head h reads key-value head
    /// h / (H / Hkv), as Hugging Face's `repeat_kv` arranges. q: [B,T,H,D], k and v: [B,T,Hkv,D].
    static func attention(_ q: [Double], _ k: [Double], _ v: [Double], _ s: TransformerBlock.Shape) -> [Double] {
        let d = s.headDim, group = s.heads / s.kvHeads
        var out = [Double](repeating: 0, count: q.count)
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let g = h / group
                for i in 0..<s.tokens {
                    let qBase = ((b * s.tokens + i) * s.heads + h) * d
                    var scores = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        let kBase = ((b * s.tokens + j) * s.kvHeads + g) * d
                        var dot = 0.0
                        for e in 0..<d { dot += q[qBase + e] * k[kBase + e] }
                        scores[j] = dot / Double(d).squareRoot()
                    }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for j in 0...i {
                        let vBase = ((b * s.tokens + j) * s.kvHeads + g) * d
                        for e in 0..<d { out[qBase + e] += weights[j] / total * v[vBase + e] }
                    }
                }
            }
        }
        return out
    }

    static func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }
}
