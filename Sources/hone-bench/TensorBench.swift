// `hone-bench tensor`: the speed of HoneTensor against the machine's own sgemm peak, measured in
// the same run (the host's peak drifts by ±20% from hour to hour, so only ratios travel).
import ArgumentParser
import HoneTensor

struct TensorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor",
        abstract: "sgemm peak, kernel GB/s, and a transformer block's forward+backward.",
        discussion: """
            1. sgemm GF/s (NN, NT, TN) at the shapes of the benchmarked blocks; the best is \
            the peak that later figures are divided by.
            2. GB/s of the main non-matmul kernels (bytes: each element read or written once).
            3. Forward+backward of a Llama-style block (RMSNorm, attention with RoPE, SwiGLU \
            MLP) at shapes S and M, weights trainable and frozen. FLOPs count every matmul of \
            forward and backward, with attention's QKᵀ and PV counted for the causal half \
            (T(T+1)/2 query-key pairs). Per-op times come from HoneTensor's profiler, in \
            separate runs from the timed ones.
            """)

    @Option(help: "Threads for OpenBLAS and for hone's kernels (default: the number of cores).")
    var threads: Int?

    @Option(help: "Timed forward+backward runs per block, at least (runs go on for 2 s at least); the median is reported.")
    var runs: Int = 5

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let started = now()
        let decision = BLAS.configure(threads: threads)
        if let threads { Parallel.threads = threads }
        print("OpenBLAS core: \(BLAS.coreName) (\(decision)), BLAS threads: \(BLAS.threads), kernel threads: \(Parallel.threads)")
        print(BLAS.config)
        print("")

        let before = SGEMMPeak.measure(shapes: SGEMMPeak.blockShapes, printing: true)
        print("")
        KernelBench.run()
        print("")
        var results: [BlockBench.Result] = []
        for (label, shape) in BlockBench.shapes {
            for trainable in [true, false] {
                results.append(BlockBench.run(label: label, shape: shape, trainable: trainable, runs: runs))
            }
        }
        // The host's speed drifts; measuring the peak again after the blocks and dividing by the
        // larger of the two keeps a slow moment from flattering the ratios.
        let after = SGEMMPeak.measure(shapes: SGEMMPeak.blockShapes, printing: false)
        let peak = max(before, after)
        print("sgemm peak: \(format(before, 1)) GF/s before the blocks, \(format(after, 1)) after; ratios use \(format(peak, 1))")
        print("")
        BlockBench.summary(results, peak: peak)
        print("")
        for result in results where result.label == "M" {
            BlockBench.opTable(result)
            print("")
        }
        print("largest costs outside sgemm (profiled ms per fwd+bwd):")
        for result in results { print("  \(result.label) \(result.mode): \(BlockBench.topNonMatmul(result))") }
        print("")
        if let m = results.first(where: { $0.label == "M" && $0.trainable }) {
            let share = m.flops / m.totalSeconds / 1e9 / peak
            print("target: M trainable ≥ 60% of the sgemm peak: \(format(100 * share, 1))%, \(share >= 0.6 ? "met" : "missed")")
        }
        let worst = results.max { $0.nonMatmulShare < $1.nonMatmulShare }!
        print("target: non-matmul < 25% of block time at S and M: worst \(format(100 * worst.nonMatmulShare, 1))% "
              + "(\(worst.label) \(worst.mode)), \(worst.nonMatmulShare < 0.25 ? "met" : "missed")")
        print("total bench time \(format(now() - started, 1)) s")
    }
}

/// The best sgemm rate over a set of shapes and the three transpose cases.
enum SGEMMPeak {
    /// The products of the benchmarked blocks, as M x K x N with M the 2048 tokens.
    static let blockShapes: [Shape] = [
        "2048x288x288", "2048x288x768", "2048x768x288",
        "2048x768x768", "2048x768x2048", "2048x2048x768",
    ].compactMap(Shape.init)

    /// Prints a table and returns the best GF/s seen.
    static func measure(shapes: [Shape], printing: Bool, batches: Int = 5, minSeconds: Double = 0.03) -> Double {
        func print(_ line: String) { if printing { Swift.print(line) } }
        print("sgemm, best of \(batches) batches of ≥\(Int(minSeconds * 1e3)) ms (with W [out, in]: forward x·Wᵀ is NT, dX = dY·W NN, dW = Xᵀ·dY TN)")
        let cases: [(String, BLAS.Transpose, BLAS.Transpose)] = [
            ("NN", .normal, .normal), ("NT", .normal, .transposed), ("TN", .transposed, .normal),
        ]
        var header = "shape (MxKxN)".padding(16)
        for (name, _, _) in cases { header += "\(name) GF/s".padding(left: 10) }
        print(header)
        var peak = 0.0
        for shape in shapes {
            var line = shape.description.padding(16)
            for (_, tA, tB) in cases {
                let a = Tensor(shape: [shape.m * shape.k], repeating: 0.25)
                let b = Tensor(shape: [shape.k * shape.n], repeating: -0.5)
                let c = Tensor(uninitializedShape: [shape.m * shape.n])
                let seconds = bestSeconds(batches: batches, minSeconds: minSeconds) {
                    BLAS.sgemm(tA, tB, m: shape.m, n: shape.n, k: shape.k, a: a.pointer, b: b.pointer, c: c.pointer)
                }
                let rate = shape.flops / seconds / 1e9
                peak = max(peak, rate)
                line += format(rate, 1).padding(left: 10)
            }
            print(line)
        }
        return peak
    }
}

/// Best seconds per call over `batches` batches, each repeating `body` for at least `minSeconds`.
func bestSeconds(batches: Int, minSeconds: Double, _ body: () -> Void) -> Double {
    body()
    var start = now()
    body()
    let once = max(now() - start, 1e-7)
    let perBatch = max(1, Int((minSeconds / once).rounded(.up)))
    var best = Double.infinity
    for _ in 0..<batches {
        start = now()
        for _ in 0..<perBatch { body() }
        best = min(best, (now() - start) / Double(perBatch))
    }
    return best
}

/// The median of `runs` timings of `body` (after one untimed warm-up call).
func medianSeconds(runs: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<runs {
        let start = now()
        body()
        times.append(now() - start)
    }
    return median(times)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// GB/s of the main non-matmul kernels, run through their public ops at the sizes the blocks
/// use (shape M), so the figures include each op's allocation and dispatch.
enum KernelBench {
    struct Case {
        let name: String
        let size: String
        /// Bytes the kernel must move at least: each element read or written once.
        let bytes: Double
        let seconds: Double
    }

    static func run() {
        var rng = RandomGenerator(seed: 1)
        let rows = 2048, c = 768, f = 2048, heads = 12, t = 256, vocab = 32000
        let residual = Tensor.randn([rows, c], using: &rng)
        let other = Tensor.randn([rows, c], using: &rng)
        let hidden = Tensor.randn([rows, f], using: &rng)
        let hidden2 = Tensor.randn([rows, f], using: &rng)
        let scores = Tensor.randn([8 * heads * t, t], using: &rng)
        let normWeight = Tensor(shape: [c], repeating: 1)
        let q = Tensor.randn([8, t, heads, c / heads], using: &rng)
        let logits = Tensor.randn([rows, vocab], using: &rng)
        let targets = (0..<rows).map { _ in rng.int(below: vocab) }
        let n = Double(rows * c), nh = Double(rows * f), ns = Double(scores.count), nl = Double(rows * vocab)
        let runs = 9

        func forward(_ body: () -> Tensor) -> Double {
            GradMode.withoutGradients { medianSeconds(runs: runs) { _ = body() } }
        }
        /// The median time of the backward closures alone (profiled, engine work excluded).
        func backward(_ input: Tensor, _ body: (Tensor) -> Tensor) -> Double {
            let leaf = input.detached()
            leaf.requiresGrad = true
            var times: [Double] = []
            for iteration in 0...runs {
                let y = body(leaf)
                let g = y.count == 1 ? Tensor.ones(y.shape) : Tensor(shape: y.shape, repeating: 0.01)
                Profiler.reset()
                Profiler.start()
                y.backward(gradient: g)
                Profiler.stop()
                leaf.zeroGrad()
                let seconds = Profiler.entries.filter { $0.phase == .backward && !$0.name.hasPrefix("(") }
                    .map(\.selfSeconds).reduce(0, +)
                if iteration > 0 { times.append(seconds) }
            }
            Profiler.reset()
            return median(times)
        }

        let cases = [
            Case(name: "add", size: "[2048, 768]", bytes: 12 * n, seconds: forward { residual + other }),
            Case(name: "mul", size: "[2048, 2048]", bytes: 12 * nh, seconds: forward { hidden * hidden2 }),
            Case(name: "silu", size: "[2048, 2048]", bytes: 8 * nh, seconds: forward { hidden.silu() }),
            Case(name: "silu backward", size: "[2048, 2048]", bytes: 12 * nh, seconds: backward(hidden) { $0.silu() }),
            Case(name: "softmax rows", size: "[24576, 256]", bytes: 8 * ns, seconds: forward { scores.softmax() }),
            Case(name: "rmsNorm", size: "[2048, 768]", bytes: 8 * n, seconds: forward { residual.rmsNorm(weight: normWeight, eps: 1e-5) }),
            Case(name: "rmsNorm backward", size: "[2048, 768]", bytes: 12 * n,
                 seconds: backward(residual) { $0.rmsNorm(weight: normWeight, eps: 1e-5) }),
            Case(name: "rope (half rotation)", size: "[8, 256, 12, 64]", bytes: 8 * n,
                 seconds: forward { q.rotaryEmbedding(startPosition: 0, theta: 10000, layout: .halfRotation) }),
            Case(name: "rope backward", size: "[8, 256, 12, 64]", bytes: 8 * n,
                 seconds: backward(q) { $0.rotaryEmbedding(startPosition: 0, theta: 10000, layout: .halfRotation) }),
            Case(name: "cross-entropy", size: "[2048, 32000]", bytes: 4 * nl,
                 seconds: forward { Tensor.crossEntropy(logits: logits, targets: targets) }),
            Case(name: "cross-entropy backward", size: "[2048, 32000]", bytes: 8 * nl,
                 seconds: backward(logits) { Tensor.crossEntropy(logits: $0, targets: targets) }),
        ]
        print("kernels, median of \(runs) calls through the op (a backward row times the op's backward alone, by the profiler)")
        print("GB/s counts each element read or written once, 4 bytes each")
        print("kernel".padding(24) + "shape".padding(20) + "ms".padding(left: 9) + "GB/s".padding(left: 9))
        for k in cases {
            print(k.name.padding(24) + k.size.padding(20) + format(k.seconds * 1e3, 3).padding(left: 9)
                  + format(k.bytes / k.seconds / 1e9, 1).padding(left: 9))
        }
    }
}

/// Forward+backward of `TransformerBlock`, timed without the profiler, then profiled.
enum BlockBench {
    static let shapes: [(String, TransformerBlock.Shape)] = [
        ("S", TransformerBlock.Shape(dim: 288, hidden: 768, heads: 6, kvHeads: 6, batch: 8, tokens: 256)),
        ("M", TransformerBlock.Shape(dim: 768, hidden: 2048, heads: 12, kvHeads: 12, batch: 8, tokens: 256)),
    ]

    struct Result {
        let label: String
        let shape: TransformerBlock.Shape
        let trainable: Bool
        let forwardSeconds: Double
        let backwardSeconds: Double
        let totalSeconds: Double
        let runs: Int
        /// Per-op self time and calls of the profiled run whose fwd+bwd time (`profiledSeconds`)
        /// is the median of the profiled runs.
        let entries: [Profiler.Entry]
        let profiledSeconds: Double
        /// The share of that run's time spent outside sgemm.
        let nonMatmulShare: Double
        /// Seconds per run of attention's own sgemm calls (fused into `causalAttention`, so the
        /// profiler can't see them), from `attentionGEMMSeconds`.
        let attentionGEMMSeconds: Double
        /// Buffers taken from the system and from the pool over the timed runs (after warm-up).
        let newBuffers: Int
        let reusedBuffers: Int

        var flops: Double { shape.trainingFLOPs(trainable: trainable, causal: true) }
        var mode: String { trainable ? "trainable" : "frozen" }
    }

    static func run(label: String, shape: TransformerBlock.Shape, trainable: Bool, runs: Int) -> Result {
        let block = TransformerBlock(shape: shape, seed: 42, trainable: trainable)
        var rng = RandomGenerator(seed: 43)
        let x = Tensor.randn([shape.batch, shape.tokens, shape.dim], using: &rng)
        x.requiresGrad = true
        let gradOutput = Tensor.randn(x.shape, std: 0.01, using: &rng)

        func step() -> (forward: Double, backward: Double) {
            for (_, w) in block.parameters { w.zeroGrad() }
            x.zeroGrad()
            let start = now()
            let out = block(x)
            let middle = now()
            out.backward(gradient: gradOutput)
            return (middle - start, now() - middle)
        }

        _ = step()
        // At least `runs` runs and at least 2 s, so the short shape S gets enough samples for
        // its median to ride out the shared host's hiccups.
        var forwards: [Double] = [], backwards: [Double] = [], totals: [Double] = []
        let (allocationsBefore, reusesBefore) = (MemoryStats.bufferAllocations, MemoryStats.bufferReuses)
        let started = now()
        while totals.count < runs || now() - started < 2 {
            let (f, b) = step()
            forwards.append(f); backwards.append(b); totals.append(f + b)
        }

        let buffers = (new: MemoryStats.bufferAllocations - allocationsBefore, reused: MemoryStats.bufferReuses - reusesBefore)

        // Profiled runs, separate from the timed ones.
        let attentionGEMM = attentionGEMMSeconds(shape)
        var profiles: [[Profiler.Entry]] = [], profiledTotals: [Double] = [], shares: [Double] = []
        for _ in 0..<3 {
            Profiler.reset()
            Profiler.start()
            let (f, b) = step()
            Profiler.stop()
            let entries = Profiler.entries
            let matmul = entries.filter { $0.name == "matmul" }.map(\.selfSeconds).reduce(0, +) + attentionGEMM
            profiles.append(entries)
            profiledTotals.append(f + b)
            shares.append(1 - matmul / (f + b))
        }
        Profiler.reset()
        // The table shows one whole run, the one with the median total, so its rows add up.
        let chosen = profiledTotals.indices.sorted { profiledTotals[$0] < profiledTotals[$1] }[profiledTotals.count / 2]
        return Result(label: label, shape: shape, trainable: trainable,
                      forwardSeconds: median(forwards), backwardSeconds: median(backwards), totalSeconds: median(totals),
                      runs: totals.count, entries: profiles[chosen], profiledSeconds: profiledTotals[chosen], nonMatmulShare: shares[chosen],
                      attentionGEMMSeconds: attentionGEMM, newBuffers: buffers.new, reusedBuffers: buffers.reused)
    }

    /// Seconds of the sgemm calls that `AttentionKernels.causalForward` and `causalBackward`
    /// make for one block (all three input gradients), replayed alone with the same sizes,
    /// leading dimensions and row blocks, in the same order; the fastest of 5 replays, so noise
    /// can only make the share outside sgemm look larger, not smaller.
    static func attentionGEMMSeconds(_ s: TransformerBlock.Shape) -> Double {
        let t = s.tokens, hd = s.headDim, ldq = s.heads * hd, ldk = s.kvHeads * hd, group = s.heads / s.kvHeads
        let block = AttentionKernels.defaultBlockSize
        let q = Tensor(shape: [s.batch * t * ldq], repeating: 0.01), k = Tensor(shape: [s.batch * t * ldk], repeating: 0.01)
        let out = Tensor(shape: q.shape, repeating: 0), dk = Tensor(shape: k.shape, repeating: 0)
        let p = Tensor(shape: [s.batch * s.heads * t * t], repeating: 0.01)
        let ds = Tensor(shape: [block * t], repeating: 0.01)
        let (qp, kp, op, dkp, pp, dsp) = (q.pointer, k.pointer, out.pointer, dk.pointer, p.pointer, ds.pointer)
        let sequential = AttentionKernels.Threading.automatic == .blas
        func forTasks(_ count: Int, _ body: (Range<Int>) -> Void) {
            if sequential { body(0..<count) } else { Parallel.forRanges(count: count, grain: 1, body) }
        }
        return bestSeconds(batches: 5, minSeconds: 0) {
            forTasks(s.batch * s.heads) { tasks in
                for task in tasks {
                    let b = task / s.heads, h = task % s.heads, g = h / group
                    let qh = qp + b * t * ldq + h * hd, kh = kp + b * t * ldk + g * hd
                    for r0 in stride(from: 0, to: t, by: block) {
                        let r1 = min(r0 + block, t)
                        let ph = pp + task * t * t + r0 * t
                        BLAS.sgemm(.normal, .transposed, m: r1 - r0, n: r1, k: hd, a: qh + r0 * ldq, lda: ldq, b: kh, ldb: ldk, c: ph, ldc: t)
                        BLAS.sgemm(.normal, .normal, m: r1 - r0, n: hd, k: r1, a: ph, lda: t, b: kh, ldb: ldk, c: op + (qh - qp) + r0 * ldq, ldc: ldq)
                    }
                }
            }
            forTasks(s.batch * s.kvHeads) { tasks in
                for task in tasks {
                    let b = task / s.kvHeads, g = task % s.kvHeads
                    let kv = b * t * ldk + g * hd
                    for h in (g * group)..<((g + 1) * group) {
                        let qh = qp + b * t * ldq + h * hd
                        let ph = pp + (b * s.heads + h) * t * t
                        for r0 in stride(from: 0, to: t, by: block) {
                            let r1 = min(r0 + block, t), m = r1 - r0
                            BLAS.sgemm(.transposed, .normal, m: r1, n: hd, k: m, a: ph + r0 * t, lda: t, b: qh + r0 * ldq, ldb: ldq,
                                       beta: 1, c: dkp + kv, ldc: ldk)
                            BLAS.sgemm(.normal, .transposed, m: m, n: r1, k: hd, a: qh + r0 * ldq, lda: ldq, b: kp + kv, ldb: ldk, c: dsp, ldc: r1)
                            BLAS.sgemm(.normal, .normal, m: m, n: hd, k: r1, a: dsp, lda: r1, b: kp + kv, ldb: ldk, c: op + (qh - qp) + r0 * ldq, ldc: ldq)
                            BLAS.sgemm(.transposed, .normal, m: r1, n: hd, k: m, a: dsp, lda: r1, b: qh + r0 * ldq, ldb: ldq,
                                       beta: 1, c: dkp + kv, ldc: ldk)
                        }
                    }
                }
            }
        }
    }

    static func summary(_ results: [Result], peak: Double) {
        print("transformer block forward+backward (median of ≥\(results.map(\.runs).min() ?? 0) timed runs; FLOPs: all matmuls, attention causal half)")
        for (label, shape) in shapes { print("  \(label): \(shape)") }
        print("shape".padding(7) + "weights".padding(11) + "fwd ms".padding(left: 9) + "bwd ms".padding(left: 9)
              + "total ms".padding(left: 10) + "GFLOP".padding(left: 8) + "GF/s".padding(left: 8)
              + "of peak".padding(left: 9) + "non-matmul".padding(left: 12))
        for r in results {
            let rate = r.flops / r.totalSeconds / 1e9
            print(r.label.padding(7) + r.mode.padding(11) + format(r.forwardSeconds * 1e3, 1).padding(left: 9)
                  + format(r.backwardSeconds * 1e3, 1).padding(left: 9) + format(r.totalSeconds * 1e3, 1).padding(left: 10)
                  + format(r.flops / 1e9, 1).padding(left: 8) + format(rate, 1).padding(left: 8)
                  + (format(100 * rate / peak, 1) + "%").padding(left: 9)
                  + (format(100 * r.nonMatmulShare, 1) + "%").padding(left: 12))
        }
        print("peak \(format(peak, 1)) GF/s. non-matmul: share of the profiled fwd+bwd time outside sgemm, that is outside")
        print("ops named matmul and outside causalAttention's own sgemm calls (replayed alone: "
              + results.filter(\.trainable).map { "\($0.label) \(format($0.attentionGEMMSeconds * 1e3, 1)) ms" }.joined(separator: ", ") + ")")
        print("buffers over the timed runs (after one warm-up step): "
              + results.map { "\($0.label) \($0.mode) \($0.newBuffers) new / \($0.reusedBuffers) reused in \($0.runs) steps" }.joined(separator: "; "))
    }

    /// Per-op self time of the median profiled run, largest first.
    static func opTable(_ r: Result) {
        let total = r.profiledSeconds
        func row(_ name: String, _ phase: String, _ calls: String, _ seconds: Double) {
            print(name.padding(22) + phase.padding(10) + calls.padding(left: 6) + format(seconds * 1e3, 2).padding(left: 9)
                  + (format(100 * seconds / total, 1) + "%").padding(left: 8))
        }
        print("shape \(r.label), weights \(r.mode): self time per op in the median of 3 profiled runs (\(format(total * 1e3, 1)) ms per fwd+bwd)")
        print("op".padding(22) + "phase".padding(10) + "calls".padding(left: 6) + "ms".padding(left: 9) + "share".padding(left: 8))
        for e in r.entries { row(e.name, e.phase.rawValue, "\(e.calls)", e.selfSeconds) }
        row("  of causalAttention:", "sgemm", "", r.attentionGEMMSeconds)
        row("(outside ops)", "", "", total - r.entries.map(\.selfSeconds).reduce(0, +))
    }

    /// The largest costs outside sgemm, one line.
    static func topNonMatmul(_ r: Result, count: Int = 6) -> String {
        var costs = r.entries.filter { $0.name != "matmul" && $0.name != "causalAttention" }
            .map { ("\($0.name) \($0.phase == .forward ? "fwd" : "bwd")", $0.selfSeconds) }
        let attention = r.entries.filter { $0.name == "causalAttention" }.map(\.selfSeconds).reduce(0, +)
        costs.append(("causalAttention outside sgemm", max(0, attention - r.attentionGEMMSeconds)))
        return costs.sorted { $0.1 > $1.1 }.prefix(count)
            .map { "\($0.0) \(format($0.1 * 1e3, 1)) ms" }.joined(separator: ", ")
    }
}
