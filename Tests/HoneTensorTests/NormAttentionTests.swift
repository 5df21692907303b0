import Foundation
import Testing
@testable import HoneTensor

/// The largest |a − b| over two equally long arrays.
private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maxDifference: \(a.count) vs \(b.count) elements")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

private func random(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: std, using: &rng)
}

private func parameter(_ t: Tensor) -> Tensor {
    t.requiresGrad = true
    return t
}

@Suite("RMSNorm and LayerNorm")
struct NormTests {
    @Test("rmsNorm of a small row matches the value worked by hand")
    func rmsNormByHand() {
        // mean(x²) = (1 + 4 + 9 + 16)/4 = 7.5, so every x is divided by √7.5 = 2.738613.
        let x = Tensor(shape: [1, 4], values: [1, 2, 3, 4])
        let w = Tensor(shape: [4], values: [1, 2, 1, 0.5])
        let y = x.rmsNorm(weight: w, eps: 0).scalars
        let expected: [Float] = [0.3651484, 1.4605935, 1.0954451, 0.7302967]
        #expect(maxDifference(y, expected) < 1e-6, "\(y)")
    }

    @Test("layerNorm matches a naive Double computation, biased variance")
    func layerNormAgainstDouble() {
        let (rows, width) = (5, 37)
        let x = random([rows, width], seed: 1, std: 3)
        let w = random([width], seed: 2), b = random([width], seed: 3)
        let eps: Float = 1e-5
        let y = x.layerNorm(weight: w, bias: b, eps: eps).scalars
        let xs = x.scalars, ws = w.scalars, bs = b.scalars
        var expected: [Float] = []
        for r in 0..<rows {
            let row = xs[(r * width)..<((r + 1) * width)].map(Double.init)
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for i in 0..<width {
                expected.append(Float((row[i] - mean) / (variance + Double(eps)).squareRoot() * Double(ws[i]) + Double(bs[i])))
            }
        }
        #expect(maxDifference(y, expected) < 2e-5)
        // A known row: mean 2.5, variance 1.25.
        let known = Tensor(shape: [1, 4], values: [1, 2, 3, 4]).layerNorm(weight: .ones([4]), bias: .zeros([4]), eps: 0).scalars
        #expect(maxDifference(known, [-1.3416408, -0.4472136, 0.4472136, 1.3416408]) < 1e-6)
    }

    @Test("fast norm kernels agree with their naive twins, forward and backward",
          arguments: [(3, 8), (7, 37), (700, 128), (64, 768)])
    func normKernelsAgainstReference(rows: Int, width: Int) {
        let x = random([rows, width], seed: 4, std: 2), dy = random([rows, width], seed: 5)
        let w = random([width], seed: 6), b = random([width], seed: 7)
        func buffers(_ n: Int, _ count: Int) -> [Tensor] { (0..<n).map { _ in Tensor(uninitializedShape: [count]) } }

        // RMSNorm.
        let fast = buffers(4, rows * width) + buffers(2, rows) + buffers(2, width)
        let out = buffers(4, rows * width), stats = buffers(4, rows), params = buffers(4, width)
        // The kernels take raw pointers, and Swift may release a tensor right after its last
        // `.pointer`, while a kernel still reads it (the LayerNorm statistics are last passed to
        // the reference backward); its memory then goes back to the pool for another test to
        // overwrite. Keep every tensor alive to the end.
        defer { withExtendedLifetime((x, dy, w, b, fast, out, stats, params)) {} }
        NormKernels.rmsNormForward(x: x.pointer, weight: w.pointer, eps: 1e-5, out: fast[0].pointer, rstd: fast[4].pointer, rows: rows, width: width)
        NormKernels.Reference.rmsNormForward(x: x.pointer, weight: w.pointer, eps: 1e-5, out: fast[1].pointer, rstd: fast[5].pointer, rows: rows, width: width)
        #expect(maxDifference(fast[0].scalars, fast[1].scalars) < 1e-5)
        #expect(maxDifference(fast[4].scalars, fast[5].scalars) < 1e-6)
        NormKernels.rmsNormBackward(gradOutput: dy.pointer, x: x.pointer, weight: w.pointer, rstd: fast[5].pointer,
                                    gradInput: fast[2].pointer, gradWeight: fast[6].pointer, rows: rows, width: width)
        NormKernels.Reference.rmsNormBackward(gradOutput: dy.pointer, x: x.pointer, weight: w.pointer, rstd: fast[5].pointer,
                                              gradInput: fast[3].pointer, gradWeight: fast[7].pointer, rows: rows, width: width)
        #expect(maxDifference(fast[2].scalars, fast[3].scalars) < 1e-5)
        #expect(maxDifference(fast[6].scalars, fast[7].scalars) < 1e-5 * Float(rows).squareRoot() * 4)

        // LayerNorm.
        NormKernels.layerNormForward(x: x.pointer, weight: w.pointer, bias: b.pointer, eps: 1e-5, out: out[0].pointer,
                                     mean: stats[0].pointer, rstd: stats[1].pointer, rows: rows, width: width)
        NormKernels.Reference.layerNormForward(x: x.pointer, weight: w.pointer, bias: b.pointer, eps: 1e-5, out: out[1].pointer,
                                               mean: stats[2].pointer, rstd: stats[3].pointer, rows: rows, width: width)
        #expect(maxDifference(out[0].scalars, out[1].scalars) < 1e-5)
        #expect(maxDifference(stats[0].scalars, stats[2].scalars) < 1e-6)
        #expect(maxDifference(stats[1].scalars, stats[3].scalars) < 1e-6)
        NormKernels.layerNormBackward(gradOutput: dy.pointer, x: x.pointer, weight: w.pointer, mean: stats[2].pointer, rstd: stats[3].pointer,
                                      gradInput: out[2].pointer, gradWeight: params[0].pointer, gradBias: params[1].pointer, rows: rows, width: width)
        NormKernels.Reference.layerNormBackward(gradOutput: dy.pointer, x: x.pointer, weight: w.pointer, mean: stats[2].pointer, rstd: stats[3].pointer,
                                                gradInput: out[3].pointer, gradWeight: params[2].pointer, gradBias: params[3].pointer, rows: rows, width: width)
        #expect(maxDifference(out[2].scalars, out[3].scalars) < 1e-5)
        #expect(maxDifference(params[0].scalars, params[2].scalars) < 1e-5 * Float(rows).squareRoot() * 4)
        #expect(maxDifference(params[1].scalars, params[3].scalars) < 1e-5 * Float(rows).squareRoot() * 4)
    }

    @Test("a frozen norm weight gets no gradient and the input gradient is unchanged")
    func frozenWeight() {
        let x1 = parameter(random([6, 24], seed: 8)), x2 = parameter(random([6, 24], seed: 8))
        let w1 = parameter(random([24], seed: 9)), w2 = random([24], seed: 9)
        x1.rmsNorm(weight: w1, eps: 1e-6).sum().backward()
        x2.rmsNorm(weight: w2, eps: 1e-6).sum().backward()
        #expect(w1.grad != nil)
        #expect(w2.grad == nil)
        #expect(x1.grad!.scalars == x2.grad!.scalars)

        let b = random([24], seed: 10)
        let x3 = parameter(random([6, 24], seed: 8))
        x3.layerNorm(weight: w2, bias: b, eps: 1e-5).sum().backward()
        #expect(x3.grad != nil && w2.grad == nil && b.grad == nil)
    }
}

@Suite("rotary position embeddings")
struct RotaryTests {
    /// Hugging Face → GGUF order within each head: g[2i] = h[i], g[2i+1] = h[i + D/2]
    /// (llama.cpp's `permute` of q_proj/k_proj in convert_hf_to_gguf.py).
    static func hfToGGUF(_ x: Tensor) -> Tensor {
        let d = x.shape[3]
        return x.reshaped([x.shape[0], x.shape[1], x.shape[2], 2, d / 2]).transposed(3, 4).contiguous().reshaped(x.shape)
    }

    @Test("interleaved on GGUF-ordered heads equals halfRotation on Hugging Face-ordered heads")
    func layoutsAgreeUnderPermutation() {
        let x = random([2, 5, 3, 48], seed: 11)
        let half = x.rotaryEmbedding(startPosition: 7, theta: 10_000, layout: .halfRotation)
        let interleaved = Self.hfToGGUF(x).rotaryEmbedding(startPosition: 7, theta: 10_000, layout: .interleaved)
        #expect(maxDifference(Self.hfToGGUF(half).scalars, interleaved.scalars) < 1e-6)
    }

    @Test("rotation preserves the norm of every head", arguments: [RotaryLayout.interleaved, .halfRotation])
    func preservesNorms(layout: RotaryLayout) {
        let x = random([2, 9, 4, 64], seed: 12)
        let y = x.rotaryEmbedding(startPosition: 1000, theta: 500_000, layout: layout)
        let xs = x.scalars, ys = y.scalars
        for head in 0..<(x.count / 64) {
            let a = xs[(head * 64)..<((head + 1) * 64)].reduce(0) { $0 + Double($1) * Double($1) }
            let b = ys[(head * 64)..<((head + 1) * 64)].reduce(0) { $0 + Double($1) * Double($1) }
            #expect(abs(a - b) < 1e-4 * a)
        }
        #expect(maxDifference(xs, ys) > 0.1)
    }

    @Test("position 0 is the identity and backward undoes the rotation")
    func identityAndInverse() {
        let x = random([1, 1, 2, 8], seed: 13)
        #expect(x.rotaryEmbedding(startPosition: 0, theta: 10_000, layout: .interleaved).scalars == x.scalars)
        let input = parameter(random([2, 4, 3, 16], seed: 14))
        let y = input.rotaryEmbedding(startPosition: 3, theta: 10_000, layout: .halfRotation)
        // With dL/dy = y, dL/dx = R⁻¹·y = x.
        y.backward(gradient: y.detached())
        #expect(maxDifference(input.grad!.scalars, input.scalars) < 1e-5)
    }

    @Test("the fast kernel agrees with the naive twin in both layouts and directions",
          arguments: [RotaryLayout.interleaved, .halfRotation], [false, true])
    func againstReference(layout: RotaryLayout, inverse: Bool) {
        let (b, t, h, d, start) = (2, 6, 3, 40, 250)
        let x = random([b, t, h, d], seed: 15)
        let fast = Tensor(uninitializedShape: x.shape), naive = Tensor(uninitializedShape: x.shape)
        let table = RoPEKernels.table(startPosition: start, count: t, dim: d, theta: 10_000)
        RoPEKernels.rotate(x.pointer, fast.pointer, batch: b, time: t, heads: h, dim: d, cos: table.cos, sin: table.sin,
                           layout: layout, inverse: inverse)
        RoPEKernels.Reference.rotate(x.pointer, naive.pointer, batch: b, time: t, heads: h, dim: d, startPosition: start,
                                     theta: 10_000, layout: layout, inverse: inverse)
        // The float32 angle (Hugging Face's) differs from the Double one by up to ~position·2⁻²⁴.
        #expect(maxDifference(fast.scalars, naive.scalars) < 1e-4)
    }

    @Test("inverse frequencies and angles follow Hugging Face's float32 steps")
    func huggingFaceFrequencies() {
        #expect(RoPEKernels.inverseFrequencies(dim: 4, theta: 10_000) == [1, 0.01])
        let inverse = RoPEKernels.inverseFrequencies(dim: 64, theta: 10_000)
        let table = RoPEKernels.table(startPosition: 4000, count: 1, dim: 64, theta: 10_000)
        // The angle is rounded to float32 before cos, as torch's float32 matmul rounds it.
        #expect(table.cos[1] == Float(Foundation.cos(Double(Float(4000) * inverse[1]))))
    }
}

@Suite("causal attention")
struct AttentionTests {
    typealias Dimensions = AttentionKernels.Dimensions

    static func inputs(_ d: Dimensions, seed: UInt64) -> (Tensor, Tensor, Tensor) {
        (random([d.batch, d.time, d.queryHeads, d.headDim], seed: seed),
         random([d.batch, d.time, d.keyValueHeads, d.headDim], seed: seed + 1),
         random([d.batch, d.time, d.keyValueHeads, d.headDim], seed: seed + 2))
    }

    static let threadings: [AttentionKernels.Threading] = [.heads, .blas]

    @Test("the kernels agree with the naive Double twin, forward and backward",
          arguments: [(2, 13, 4, 2, 8, 4), (1, 40, 3, 3, 48, 64), (2, 70, 2, 1, 20, 16)], threadings)
    func againstReference(shape: (Int, Int, Int, Int, Int, Int), threading: AttentionKernels.Threading) {
        let d = Dimensions(batch: shape.0, time: shape.1, queryHeads: shape.2, keyValueHeads: shape.3, headDim: shape.4)
        let block = shape.5
        let (q, k, v) = Self.inputs(d, seed: 20)
        let dout = random(q.shape, seed: 23)
        let out = Tensor(uninitializedShape: q.shape), expected = Tensor(uninitializedShape: q.shape)
        let probs = Tensor(uninitializedShape: [d.batch, d.queryHeads, d.time, d.time])
        AttentionKernels.causalForward(query: q.pointer, key: k.pointer, value: v.pointer, output: out.pointer,
                                       probabilities: probs.pointer, d, blockSize: block, threading: threading)
        AttentionKernels.Reference.causalForward(query: q.pointer, key: k.pointer, value: v.pointer, output: expected.pointer, d)
        #expect(maxDifference(out.scalars, expected.scalars) < 2e-5)

        let grads = [q, k, v, q, k, v].map { Tensor(uninitializedShape: $0.shape) }
        AttentionKernels.causalBackward(gradOutput: dout.pointer, query: q.pointer, key: k.pointer, value: v.pointer,
                                        probabilities: probs.pointer, gradQuery: grads[0].pointer, gradKey: grads[1].pointer,
                                        gradValue: grads[2].pointer, d, blockSize: block, threading: threading)
        AttentionKernels.Reference.causalBackward(gradOutput: dout.pointer, query: q.pointer, key: k.pointer, value: v.pointer,
                                                  gradQuery: grads[3].pointer, gradKey: grads[4].pointer, gradValue: grads[5].pointer, d)
        for i in 0..<3 {
            #expect(maxDifference(grads[i].scalars, grads[i + 3].scalars) < 1e-4, "gradient \(i)")
        }
    }

    @Test("a sliding window, a custom scale and soft-capped scores agree with the naive twin, forward and backward, and cached",
          arguments: [AttentionKernels.Settings(window: 5), .init(scale: 0.3, softCap: 2), .init(scale: 0.25, window: 3, softCap: 1.5)])
    func settingsAgainstReference(settings: AttentionKernels.Settings) {
        let d = Dimensions(batch: 2, time: 19, queryHeads: 4, keyValueHeads: 2, headDim: 12)
        let (q, k, v) = Self.inputs(d, seed: 60)
        let dout = random(q.shape, seed: 63)
        let out = Tensor(uninitializedShape: q.shape), expected = Tensor(uninitializedShape: q.shape)
        let probs = Tensor(uninitializedShape: [d.batch, d.queryHeads, d.time, d.time])
        AttentionKernels.causalForward(query: q.pointer, key: k.pointer, value: v.pointer, output: out.pointer,
                                       probabilities: probs.pointer, d, settings: settings, blockSize: 7, threading: .heads)
        AttentionKernels.Reference.causalForward(query: q.pointer, key: k.pointer, value: v.pointer, output: expected.pointer, d, settings: settings)
        #expect(maxDifference(out.scalars, expected.scalars) < 2e-5)
        let grads = [q, k, v, q, k, v].map { Tensor(uninitializedShape: $0.shape) }
        AttentionKernels.causalBackward(gradOutput: dout.pointer, query: q.pointer, key: k.pointer, value: v.pointer,
                                        probabilities: probs.pointer, gradQuery: grads[0].pointer, gradKey: grads[1].pointer,
                                        gradValue: grads[2].pointer, d, settings: settings, blockSize: 7, threading: .heads)
        AttentionKernels.Reference.causalBackward(gradOutput: dout.pointer, query: q.pointer, key: k.pointer, value: v.pointer,
                                                  gradQuery: grads[3].pointer, gradKey: grads[4].pointer, gradValue: grads[5].pointer,
                                                  d, settings: settings)
        for i in 0..<3 { #expect(maxDifference(grads[i].scalars, grads[i + 3].scalars) < 1e-4, "gradient \(i)") }
        // The last 4 positions as queries over a cache holding all 19 (capacity 19) give the same rows.
        let tail = 4, start = d.time - tail
        let qTail = q.sliced(axis: 1, start..<d.time).contiguous()
        let cached = Tensor(uninitializedShape: qTail.shape)
        AttentionKernels.cachedForward(query: qTail.pointer, keys: k.pointer, values: v.pointer, output: cached.pointer,
                                       batch: d.batch, queryTime: tail, start: start, capacity: d.time, queryHeads: d.queryHeads,
                                       keyValueHeads: d.keyValueHeads, headDim: d.headDim, settings: settings, threading: .heads)
        #expect(maxDifference(cached.scalars, out.sliced(axis: 1, start..<d.time).contiguous().scalars) < 1e-5)
    }

    @Test("one kv head shared by all query heads equals repeating it for each")
    func groupedQueryEquivalence() {
        let (b, t, hq, d) = (2, 11, 4, 16)
        let q1 = parameter(random([b, t, hq, d], seed: 30)), q2 = parameter(random([b, t, hq, d], seed: 30))
        let k1 = parameter(random([b, t, 1, d], seed: 31)), v1 = parameter(random([b, t, 1, d], seed: 32))
        // The repeated copies are leaves of their own, so their gradients are per head.
        let k2 = parameter(Tensor.concat(Array(repeating: k1.detached(), count: hq), axis: 2))
        let v2 = parameter(Tensor.concat(Array(repeating: v1.detached(), count: hq), axis: 2))
        let y1 = Attention.causal(query: q1, key: k1, value: v1)
        let y2 = Attention.causal(query: q2, key: k2, value: v2)
        #expect(maxDifference(y1.scalars, y2.scalars) < 1e-6)
        let g = random(y1.shape, seed: 33)
        y1.backward(gradient: g)
        y2.backward(gradient: g)
        #expect(maxDifference(q1.grad!.scalars, q2.grad!.scalars) < 1e-6)
        #expect(maxDifference(k1.grad!.scalars, k2.grad!.sum(axes: [2], keepDims: true).scalars) < 1e-5)
        #expect(maxDifference(v1.grad!.scalars, v2.grad!.sum(axes: [2], keepDims: true).scalars) < 1e-5)
    }

    @Test("the output at t ignores inputs after t, and so does its gradient")
    func causality() {
        let d = Dimensions(batch: 2, time: 20, queryHeads: 2, keyValueHeads: 1, headDim: 8)
        let cut = 9
        let (q, k, v) = Self.inputs(d, seed: 40)
        let (q2, k2, v2) = Self.inputs(d, seed: 50)
        // Same inputs up to and including `cut`, different after it.
        func mixed(_ a: Tensor, _ b: Tensor) -> Tensor {
            Tensor.concat([a.sliced(axis: 1, 0..<(cut + 1)), b.sliced(axis: 1, (cut + 1)..<d.time)], axis: 1)
        }
        for block in [4, 64] {
            let y1 = CausalAttentionOp(blockSize: block).apply([q, k, v])
            let y2 = CausalAttentionOp(blockSize: block).apply([mixed(q, q2), mixed(k, k2), mixed(v, v2)])
            #expect(y1.sliced(axis: 1, 0..<(cut + 1)).scalars == y2.sliced(axis: 1, 0..<(cut + 1)).scalars)
            #expect(y1.sliced(axis: 1, (cut + 1)..<d.time).scalars != y2.sliced(axis: 1, (cut + 1)..<d.time).scalars)
        }
        // A loss on outputs up to `cut` sends no gradient to inputs after it.
        let (qp, kp, vp) = (parameter(q.detached()), parameter(k.detached()), parameter(v.detached()))
        let y = CausalAttentionOp(blockSize: 4).apply([qp, kp, vp])
        y.sliced(axis: 1, 0..<(cut + 1)).sum().backward()
        for t in [qp, kp, vp] {
            #expect(t.grad!.sliced(axis: 1, (cut + 1)..<d.time).scalars.allSatisfy { $0 == 0 })
            #expect(t.grad!.sliced(axis: 1, 0..<(cut + 1)).scalars.contains { $0 != 0 })
        }
    }

    @Test("without recording, attention gives the same output and keeps no probabilities")
    func inference() {
        let d = Dimensions(batch: 1, time: 70, queryHeads: 2, keyValueHeads: 2, headDim: 12)
        let (q, k, v) = Self.inputs(d, seed: 60)
        q.requiresGrad = true
        let recorded = Attention.causal(query: q, key: k, value: v)
        let plain = GradMode.withoutGradients { Attention.causal(query: q, key: k, value: v) }
        #expect(recorded.scalars == plain.scalars)
        #expect(recorded.requiresGrad && !plain.requiresGrad)
    }
}
