import Foundation
import Testing
@testable import HoneTensor

/// Fast activation, softmax and loss kernels against their naive twins (`Activations.Reference`,
/// `SoftmaxKernels.Reference`), known values of the ops, and the semantics callers rely on
/// (ignored targets, dropout in training only, embedding scatter-add). Gradients are checked by
/// GradCheckTests through OpRegistry.
@Suite("activations, softmax and losses")
struct ActivationTests {
    typealias Unary = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    typealias Binary = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    static func run(_ x: [Float], _ kernel: Unary) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { kernel(xp.baseAddress!, $0.baseAddress!, x.count) }
        }
        return out
    }

    static func run(_ x: [Float], _ g: [Float], _ kernel: Binary) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeBufferPointer { gp in
                out.withUnsafeMutableBufferPointer { kernel(xp.baseAddress!, gp.baseAddress!, $0.baseAddress!, x.count) }
            }
        }
        return out
    }

    /// The largest |a − b| / max(1, |b|).
    static func worst(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    static func randoms(_ count: Int, scale: Float, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.uniform(-scale, scale) }
    }

    // MARK: fast kernels against their naive twins

    @Test("fast exp is within 1.5e-7 relative error of exp in Double over its whole range")
    func fastExp() {
        // A dense sweep of [−87.3, 88.7] plus random points; the body and the padded tail
        // (count not a multiple of 16) both run.
        let sweep = (0..<200_003).map { Float(-87.3 + 176.0 * Double($0) / 200_002) }
        let x = sweep + Self.randoms(10_001, scale: 20, seed: 1)
        let fast = Self.run(x) { Activations.expForward($0, $1, count: $2) }
        var worst = 0.0
        for (v, f) in zip(x, fast) {
            let exact = Foundation.exp(Double(v))
            worst = max(worst, abs(Double(f) - exact) / exact)
        }
        // Measured: 1.17e-7 (glibc's expf is about 6e-8; one Float ulp is 6e-8 to 1.2e-7).
        #expect(worst < 1.5e-7, "worst relative error \(worst)")
        let edges: [Float] = [0, 1, -1, -.infinity, .infinity, .nan, -90, -200, 89, 1000, -87.3, 88.7]
        let special = Self.run(edges) { Activations.expForward($0, $1, count: $2) }
        #expect(special[0] == 1)
        #expect(abs(special[1] - Float(M_E)) <= 2.5e-7)
        #expect(special[3] == 0 && special[6] == 0 && special[7] == 0)
        #expect(special[4] == .infinity && special[8] == .infinity && special[9] == .infinity)
        #expect(special[5].isNaN)
        #expect(special[10] > 0 && special[11].isFinite)
    }

    @Test("fast GELU and SiLU and their gradients match the naive twins", arguments: [
        ("gelu", 0), ("gelu backward", 1), ("silu", 2), ("silu backward", 3), ("relu", 4), ("relu backward", 5),
    ])
    func activationsMatchReference(_ name: String, _ which: Int) {
        // Ordinary values, the tails where exp saturates, and a count with a partial vector.
        let x = Self.randoms(5_003, scale: 8, seed: 2) + [0, -0.0, 1e-6, -1e-6, 30, -30, 100, -100, 1e4, -1e4]
        let g = Self.randoms(x.count, scale: 2, seed: 3)
        typealias R = Activations.Reference
        let (fast, naive): ([Float], [Float])
        switch which {
        case 0:
            fast = Self.run(x) { Activations.geluForward($0, $1, count: $2) }
            naive = Self.run(x) { R.geluForward($0, $1, count: $2) }
        case 1:
            fast = Self.run(x, g) { Activations.geluBackward($0, $1, $2, count: $3) }
            naive = Self.run(x, g) { R.geluBackward($0, $1, $2, count: $3) }
        case 2:
            fast = Self.run(x) { Activations.siluForward($0, $1, count: $2) }
            naive = Self.run(x) { R.siluForward($0, $1, count: $2) }
        case 3:
            fast = Self.run(x, g) { Activations.siluBackward($0, $1, $2, count: $3) }
            naive = Self.run(x, g) { R.siluBackward($0, $1, $2, count: $3) }
        case 4:
            fast = Self.run(x) { Activations.reluForward($0, $1, count: $2) }
            naive = Self.run(x) { R.reluForward($0, $1, count: $2) }
        default:
            fast = Self.run(x, g) { Activations.reluBackward($0, $1, $2, count: $3) }
            naive = Self.run(x, g) { R.reluBackward($0, $1, $2, count: $3) }
        }
        // Measured worst |fast − naive| / max(1, |naive|): gelu 1.3e-7, gelu backward 2.2e-7,
        // silu 1.6e-7, silu backward 2.2e-7, relu exact.
        let error = Self.worst(fast, naive)
        #expect(error <= 5e-7, "\(name): worst error \(error)")
        #expect(fast.allSatisfy { $0.isFinite }, "\(name): a non-finite value")
    }

    @Test("row kernels match the naive twins for widths around the vector size", arguments: [1, 3, 15, 16, 17, 31, 32, 33, 100, 1000])
    func rowKernelsMatchReference(_ cols: Int) {
        let rows = 5
        let x = Self.randoms(rows * cols, scale: 10, seed: UInt64(cols))
        let g = Self.randoms(rows * cols, scale: 1, seed: UInt64(cols) + 100)
        let softmax = Self.run(x) { x, y, _ in SoftmaxKernels.softmaxForward(x, y, rows: rows, cols: cols) }
        let softmaxNaive = Self.run(x) { x, y, _ in SoftmaxKernels.Reference.softmaxForward(x, y, rows: rows, cols: cols) }
        let logSoftmax = Self.run(x) { x, y, _ in SoftmaxKernels.logSoftmaxForward(x, y, rows: rows, cols: cols) }
        let logSoftmaxNaive = Self.run(x) { x, y, _ in SoftmaxKernels.Reference.logSoftmaxForward(x, y, rows: rows, cols: cols) }
        let dSoftmax = Self.run(softmaxNaive, g) { y, g, dx, _ in SoftmaxKernels.softmaxBackward(y, g, dx, rows: rows, cols: cols) }
        let dSoftmaxNaive = Self.run(softmaxNaive, g) { y, g, dx, _ in SoftmaxKernels.Reference.softmaxBackward(y, g, dx, rows: rows, cols: cols) }
        let dLogSoftmax = Self.run(logSoftmaxNaive, g) { y, g, dx, _ in SoftmaxKernels.logSoftmaxBackward(y, g, dx, rows: rows, cols: cols) }
        let dLogSoftmaxNaive = Self.run(logSoftmaxNaive, g) { y, g, dx, _ in SoftmaxKernels.Reference.logSoftmaxBackward(y, g, dx, rows: rows, cols: cols) }
        // Measured worst |fast − naive| / max(1, |naive|) over these widths: softmax 6e-8,
        // log-softmax 1.2e-7, softmax backward 3e-8, log-softmax backward 3.3e-7.
        #expect(Self.worst(softmax, softmaxNaive) <= 2e-7)
        #expect(Self.worst(logSoftmax, logSoftmaxNaive) <= 5e-7)
        #expect(Self.worst(dSoftmax, dSoftmaxNaive) <= 2e-7)
        #expect(Self.worst(dLogSoftmax, dLogSoftmaxNaive) <= 1e-6)
        for r in 0..<rows {
            let sum = softmax[(r * cols)..<((r + 1) * cols)].reduce(0, +)
            #expect(abs(sum - 1) <= 1e-5)
        }
    }

    @Test("fused cross-entropy matches the naive twin, loss and gradient")
    func crossEntropyMatchesReference() {
        let (rows, cols) = (6, 53)
        let x = Self.randoms(rows * cols, scale: 6, seed: 9)
        let targets = [0, 52, -100, 17, 17, -100]
        var naiveLoss: Float = 0
        let zeros = [Float](repeating: 0, count: rows)
        var (maxima, logSums, fastMaxima, fastLogSums) = (zeros, zeros, zeros, zeros)
        var naiveGrad = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xp in
            targets.withUnsafeBufferPointer { tp in
                naiveLoss = SoftmaxKernels.Reference.crossEntropy(xp.baseAddress!, tp.baseAddress!, rows: rows, cols: cols)
                SoftmaxKernels.Reference.logSumExp(xp.baseAddress!, max: &maxima, logSum: &logSums, rows: rows, cols: cols)
                SoftmaxKernels.logSumExp(xp.baseAddress!, max: &fastMaxima, logSum: &fastLogSums, rows: rows, cols: cols)
                naiveGrad.withUnsafeMutableBufferPointer {
                    SoftmaxKernels.Reference.crossEntropyBackward(xp.baseAddress!, max: maxima, logSum: logSums, tp.baseAddress!,
                                                                  scale: 0.5 / 4, $0.baseAddress!, rows: rows, cols: cols)
                }
            }
        }
        #expect(fastMaxima == maxima)
        #expect(Self.worst(fastLogSums, logSums) <= 2e-7)  // measured 1.2e-7
        let logits = Tensor(shape: [rows, cols], values: x)
        logits.requiresGrad = true
        let loss = Tensor.crossEntropy(logits: logits, targets: targets)
        #expect(loss.shape == [])
        #expect(abs(loss.item() - naiveLoss) <= 1e-6 * max(1, naiveLoss))
        (loss * 0.5).backward()
        #expect(Self.worst(logits.grad!.scalars, naiveGrad) <= 1e-7)  // measured 4e-9
        // The composite it replaces: −mean of the log-softmax at the targets.
        let logSoftmax = logits.detached().logSoftmax().scalars
        let counted = targets.enumerated().filter { $0.element >= 0 }
        let composite = -counted.map { logSoftmax[$0.offset * cols + $0.element] }.reduce(0, +) / Float(counted.count)
        #expect(abs(loss.item() - composite) <= 1e-5)
    }

    // MARK: known values

    @Test("softmax of [1, 2, 3] is [0.0900, 0.2447, 0.6652]")
    func softmaxKnownValues() {
        let y = Tensor(shape: [3], values: [1, 2, 3]).softmax().scalars
        let expected: [Float] = [0.090_030_57, 0.244_728_47, 0.665_240_96]
        for (a, b) in zip(y, expected) { #expect(abs(a - b) <= 1e-7) }
        // Shifting a row changes nothing; −∞ gets probability exactly 0.
        #expect(Tensor(shape: [3], values: [1001, 1002, 1003]).softmax().scalars == y)
        #expect(Tensor(shape: [1, 3], values: [0, -.infinity, 0]).softmax().scalars == [0.5, 0, 0.5])
    }

    @Test("log-softmax stays finite and exact at ±1e4")
    func logSoftmaxStability() {
        let y = Tensor(shape: [1, 3], values: [1e4, -1e4, 0]).logSoftmax().scalars
        #expect(y == [0, -2e4, -1e4])
        let p = Tensor(shape: [1, 3], values: [1e4, -1e4, 0]).softmax().scalars
        #expect(p == [1, 0, 0])
        let z = Tensor(shape: [2], values: [-1e4, -1e4]).logSoftmax().scalars
        #expect(z.allSatisfy { abs($0 + Float(M_LN2)) <= 1e-6 })
    }

    @Test("gelu(1) ≈ 0.841192 and the other activations' known values")
    func activationKnownValues() {
        let x = Tensor(shape: [4], values: [1, -1, 0, 3])
        let gelu = x.gelu().scalars
        #expect(abs(gelu[0] - 0.841_192) <= 1e-6)
        #expect(abs(gelu[1] - -0.158_808) <= 1e-6)
        #expect(gelu[2] == 0)
        #expect(abs(gelu[3] - 2.996_363_7) <= 1e-6)
        let silu = x.silu().scalars
        #expect(abs(silu[0] - 0.731_058_6) <= 1e-6)
        #expect(abs(silu[1] - -0.268_941_4) <= 1e-6)
        #expect(x.relu().scalars == [1, 0, 0, 3])
        #expect(abs(x.exp().scalars[3] - 20.085_537) <= 3e-6)
        let logs = Tensor(shape: [2], values: [1, Float(M_E)]).log().scalars
        #expect(logs[0] == 0 && abs(logs[1] - 1) <= 1e-7)
    }

    @Test("cross-entropy equals a hand computation and skips ignored rows")
    func crossEntropyByHand() {
        // Row 0: ln(e + e² + e³) − 3 = 0.40760596. Row 1: ln 3 = 1.0986123.
        let logits = Tensor(shape: [2, 3], values: [1, 2, 3, 1, 1, 1])
        logits.requiresGrad = true
        let loss = Tensor.crossEntropy(logits: logits, targets: [2, 0])
        #expect(abs(loss.item() - (0.407_605_96 + 1.098_612_3) / 2) <= 1e-6)
        loss.backward()
        // (softmax − onehot) / 2 counted rows.
        let expected: [Float] = [0.090_030_57 / 2, 0.244_728_47 / 2, (0.665_240_96 - 1) / 2, (1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6]
        for (a, b) in zip(logits.grad!.scalars, expected) { #expect(abs(a - b) <= 1e-7) }

        // Ignoring row 1 leaves the mean over row 0 alone, as PyTorch's ignore_index=-100.
        logits.zeroGrad()
        let ignored = Tensor.crossEntropy(logits: logits, targets: [2, -100])
        #expect(abs(ignored.item() - 0.407_605_96) <= 1e-6)
        ignored.backward()
        let grad = logits.grad!.scalars
        #expect(abs(grad[2] - (0.665_240_96 - 1)) <= 1e-7)
        #expect(Array(grad[3...]) == [0, 0, 0])
    }

    @Test("cross-entropy of an all-ignored batch is 0 with a zero gradient")
    func crossEntropyAllIgnored() {
        let logits = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        logits.requiresGrad = true
        let loss = Tensor.crossEntropy(logits: logits, targets: [-100, -100])
        #expect(loss.item() == 0)
        loss.backward()
        #expect(logits.grad!.scalars == [0, 0, 0, 0, 0, 0])
    }

    // MARK: embedding and dropout

    @Test("embedding gathers rows and scatter-adds gradients of repeated indices")
    func embedding() {
        let weight = Tensor(shape: [4, 2], values: [0, 1, 10, 11, 20, 21, 30, 31])
        weight.requiresGrad = true
        let out = Tensor.embedding(weight, indices: [2, 0, 2, 3], shape: [2, 2])
        #expect(out.shape == [2, 2, 2])
        #expect(out.scalars == [20, 21, 0, 1, 20, 21, 30, 31])
        out.backward(gradient: Tensor(shape: [2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(weight.grad!.scalars == [3, 4, 0, 0, 6, 8, 7, 8])
    }

    @Test("embedding with an index outside the weight stops with a message naming it")
    func embeddingOutOfRange() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.embedding(Tensor.zeros([4, 2]), indices: [1, 7], shape: [2])
        }
        #if DEBUG
        // Optimized builds stop at a failed precondition without printing its message.
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("index 7") && message.contains("V = 4"), "stderr: \(message)")
        #endif
    }

    @Test("dropout is the identity without gradient recording or with p = 0")
    func dropoutIdentity() {
        let x = Tensor(shape: [3], values: [1, 2, 3])
        #expect(GradMode.withoutGradients { x.dropout(p: 0.5, seed: 1, stream: 0) } === x)
        #expect(x.dropout(p: 0, seed: 1, stream: 0) === x)
        // In training it is active even on a tensor that needs no gradient (LoRA's input).
        let big = Tensor.ones([1000])
        #expect(big.dropout(p: 0.5, seed: 1, stream: 0).scalars.contains(0))
    }

    @Test("dropout zeroes about p of the elements, scales the rest, and backward uses the same mask")
    func dropoutMask() {
        let n = 1 << 17  // large enough for the kernel to split across threads
        let x = Tensor.ones([n])
        x.requiresGrad = true
        let p: Float = 0.25
        let y = x.dropout(p: p, seed: 42, stream: 7)
        let values = y.scalars
        let dropped = values.filter { $0 == 0 }.count
        #expect(abs(Float(dropped) / Float(n) - p) < 0.01)
        #expect(values.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
        y.sum().backward()
        #expect(x.grad!.scalars == values)
        // The mask is a function of (seed, stream, index): the parallel kernel equals the
        // serial twin, and another stream gives another mask.
        let serial = Self.run([Float](repeating: 1, count: n)) {
            Activations.Reference.dropoutForward($0, $1, count: $2, random: CounterRandom(seed: 42, stream: 7), p: p, scale: 1 / (1 - p))
        }
        #expect(serial == values)
        #expect(x.detached().dropout(p: p, seed: 42, stream: 8).scalars != values)
    }

    // MARK: timing (printed only with HONE_KERNEL_TIMING=1; meaningful in release builds)

    @Test("kernel timings", .enabled(if: ProcessInfo.processInfo.environment["HONE_KERNEL_TIMING"] != nil))
    func timings() {
        func seconds(_ clock: clockid_t) -> Double {
            var ts = timespec()
            clock_gettime(clock, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        var lines: [String] = []
        // In cache and out of cache on one thread, then out of cache on every core (wall time).
        for (count, threads) in [(16_384, 1), (1 << 22, 1), (1 << 22, saved)] {
            Parallel.threads = threads
            let clock = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC
            let x = Self.randoms(count, scale: 6, seed: 5)
            let g = Self.randoms(count, scale: 1, seed: 6)
            var out = [Float](repeating: 0, count: count)
            let repeats = max(3, (1 << 26) / count)
            func time(_ name: String, _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
                var best = Double.infinity
                x.withUnsafeBufferPointer { xp in
                    g.withUnsafeBufferPointer { gp in
                        out.withUnsafeMutableBufferPointer { op in
                            for _ in 0..<5 {
                                let start = seconds(clock)
                                for _ in 0..<repeats { body(xp.baseAddress!, gp.baseAddress!, op.baseAddress!) }
                                best = min(best, (seconds(clock) - start) / Double(repeats * count))
                            }
                        }
                    }
                }
                lines.append("\(name) n=\(count) threads=\(threads): \(String(format: "%.3f", best * 1e9)) ns/element")
            }
            time("exp") { Activations.expForward($0, $2, count: count) }
            time("exp naive (Double)") { x, _, o in Activations.Reference.expForward(x, o, count: count) }
            time("silu") { Activations.siluForward($0, $2, count: count) }
            time("silu backward") { Activations.siluBackward($0, $1, $2, count: count) }
            time("gelu") { Activations.geluForward($0, $2, count: count) }
            time("gelu backward") { Activations.geluBackward($0, $1, $2, count: count) }
            time("gelu naive (Double)") { x, _, o in Activations.Reference.geluForward(x, o, count: count) }
            time("relu") { Activations.reluForward($0, $2, count: count) }
            time("softmax rows of 1024") { SoftmaxKernels.softmaxForward($0, $2, rows: count / 1024, cols: 1024) }
            time("softmax backward rows of 1024") { SoftmaxKernels.softmaxBackward($0, $1, $2, rows: count / 1024, cols: 1024) }
            time("log_softmax rows of 1024") { SoftmaxKernels.logSoftmaxForward($0, $2, rows: count / 1024, cols: 1024) }
            time("softmax naive rows of 1024") { x, _, o in SoftmaxKernels.Reference.softmaxForward(x, o, rows: count / 1024, cols: 1024) }
            time("dropout p=0.1") { Activations.dropoutForward($0, $2, count: count, random: CounterRandom(seed: 1, stream: 2), p: 0.1, scale: 1 / 0.9) }
        }
        print(lines.joined(separator: "\n"))
    }
}
