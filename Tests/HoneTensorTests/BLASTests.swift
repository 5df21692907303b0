import Foundation
import Synchronization
import Testing
import COpenBLAS
import HoneTensor

/// Reference: C = op(A)·op(B), row-major, computed in Double with a plain triple loop.
private func naiveGEMM(_ tA: BLAS.Transpose, _ tB: BLAS.Transpose, m: Int, n: Int, k: Int,
                       a: [Float], b: [Float]) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = tA == .normal ? a[i * k + p] : a[p * m + i]
                let y = tB == .normal ? b[p * n + j] : b[j * k + p]
                sum += Double(x) * Double(y)
            }
            c[i * n + j] = Float(sum)
        }
    }
    return c
}

/// Deterministic values in [-1, 1).
private func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 23) - 1
    }
}

// Serialized: OpenBLAS already uses both cores for the larger shapes.
@Suite(.serialized) struct BLASTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 48, 80), (130, 70, 257),
    ]
    static let transposes: [(BLAS.Transpose, BLAS.Transpose)] = [
        (.normal, .normal), (.normal, .transposed), (.transposed, .normal), (.transposed, .transposed),
    ]

    @Test("sgemm matches a naive triple loop", arguments: 0..<4)
    func sgemmMatchesNaive(transposeIndex: Int) {
        let (tA, tB) = Self.transposes[transposeIndex]
        for (index, shape) in Self.shapes.enumerated() {
            let (m, n, k) = shape
            let a = values(m * k, seed: UInt64(2 * index + 1))
            let b = values(k * n, seed: UInt64(2 * index + 2))
            var c = [Float](repeating: .nan, count: m * n)  // beta = 0 must ignore old contents
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        BLAS.sgemm(tA, tB, m: m, n: n, k: k,
                                   a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!)
                    }
                }
            }
            let expected = naiveGEMM(tA, tB, m: m, n: n, k: k, a: a, b: b)
            // Each term is below 1 in magnitude; float32 accumulation error grows about with √k.
            let tolerance = Float(k).squareRoot() * 4e-6 + 1e-6
            let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance, "m=\(m) n=\(n) k=\(k) \(tA)/\(tB): max error \(worst)")
        }
    }

    @Test("sgemm honours alpha, beta and leading dimensions")
    func sgemmAlphaBetaStrides() {
        // A is the left 2×3 block of a 2×4 buffer (lda 4); C is the left 2×2 block of 2×5.
        let a: [Float] = [1, 2, 3, 99,
                          4, 5, 6, 99]
        let b: [Float] = [1, 0,
                          0, 1,
                          1, 1]
        var c: [Float] = [10, 20, -1, -1, -1,
                          30, 40, -1, -1, -1]
        c.withUnsafeMutableBufferPointer { c in
            BLAS.sgemm(m: 2, n: 2, k: 3, alpha: 2, a: a, lda: 4, b: b, beta: 0.5,
                       c: c.baseAddress!, ldc: 5)
        }
        // A·B = [[4, 5], [10, 11]]; 2·A·B + 0.5·C.
        #expect(c == [13, 20, -1, -1, -1,
                      35, 42, -1, -1, -1])
    }

    @Test("configure is idempotent and reports the core in use")
    func configureIsIdempotent() {
        let decision = BLAS.configure()
        BLAS.configure()
        #expect(BLAS.coreSelection == decision)
        #expect(BLAS.config.contains(BLAS.coreName))
    }

    @Test("configure leaves a non-Prescott core on a CPU with AVX2+FMA",
          .enabled(if: BLAS.cpuFlags.isSuperset(of: ["avx2", "fma"]), "the CPU lacks AVX2+FMA"),
          .enabled(if: getenvString("OPENBLAS_CORETYPE") == nil,
                   "OPENBLAS_CORETYPE is set by the user, and configure leaves it alone"))
    func configureChoosesFastKernels() {
        let decision = BLAS.configure()
        #expect(BLAS.coreName.lowercased() != "prescott", "\(decision)")
    }

    // OpenBLAS picks a fast core by itself on many CPUs, so the test above may not reach the
    // switch. Here a fresh process forces the Prescott kernels first (as OpenBLAS 0.3.21 does
    // on CPUs newer than it), then checks that configure() switches away from them.
    @Test("configure switches away from Prescott on a CPU with AVX2+FMA",
          .enabled(if: BLAS.cpuFlags.isSuperset(of: ["avx2", "fma"]), "the CPU lacks AVX2+FMA"),
          .enabled(if: getenvString("OPENBLAS_CORETYPE") == nil,
                   "OPENBLAS_CORETYPE is set by the user, and configure leaves it alone"))
    func configureSwitchesFromPrescott() async {
        await #expect(processExitsWith: .success) {
            gotoblas_dynamic_quit()
            setenv("OPENBLAS_CORETYPE", "Prescott", 1)
            gotoblas_dynamic_init()
            unsetenv("OPENBLAS_CORETYPE")
            guard String(cString: openblas_get_corename()) == "Prescott" else { exit(2) }
            let decision = BLAS.configure()
            guard decision.hasPrefix("switched Prescott"), BLAS.coreName != "Prescott" else { exit(3) }
            // The switched kernels compute correctly.
            let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2×3
            var c = [Float](repeating: 0, count: 4)
            c.withUnsafeMutableBufferPointer {
                BLAS.sgemm(.normal, .transposed, m: 2, n: 2, k: 3, a: a, b: a, c: $0.baseAddress!)
            }
            exit(c == [14, 32, 32, 77] ? 0 : 4)
        }
    }

    /// Products of the shapes a training step makes (a matrix-vector one included): forward
    /// values and the weight's gradient.
    static func products(_ inputs: [(Tensor, Tensor)]) -> [[Float]] {
        inputs.flatMap { x, w -> [[Float]] in
            w.zeroGrad()
            let y = x.matmul(w)
            y.sum().backward()
            return [y.scalars, w.grad!.scalars]
        }
    }

    // The leak that moved the full fine-tuning trajectory (TrajectoryTests) when other tests
    // ran beside it: attention runs its per-head products inside `BLAS.withThreads(1)`, which
    // changes OpenBLAS's process-wide thread count, and a product another thread made meanwhile
    // ran on one thread, with that split's rounding. Products now wait for such a change to end.
    @Test("a product's numbers do not change while another thread runs BLAS.withThreads(1)")
    func productsIgnoreOtherThreadsThreadCounts() {
        var rng = RandomGenerator(seed: 17)
        let inputs = [([1, 4096], [4096, 512]), ([96, 768], [768, 768]), ([256, 288], [288, 1000])].map { xs, ws in
            let w = Tensor.randn(ws, using: &rng)
            w.requiresGrad = true
            return (Tensor.randn(xs, using: &rng), w)
        }
        let threads = BLAS.threads
        let reference = Self.products(inputs)
        let oneThread = BLAS.withThreads(1) { Self.products(inputs) }
        print("products on one thread \(oneThread == reference ? "equal" : "differ from") those on \(threads)")
        final class Stop: Sendable { let now = Atomic(false), done = Atomic(false) }
        let stop = Stop()
        let toggler = Thread {
            while !stop.now.load(ordering: .relaxed) { BLAS.withThreads(1) { usleep(1000) }; usleep(50) }
            stop.done.store(true, ordering: .releasing)
        }
        toggler.start()
        var disturbed: [[[Float]]] = []
        for _ in 0..<60 { disturbed.append(Self.products(inputs)) }
        stop.now.store(true, ordering: .relaxed)
        while !stop.done.load(ordering: .acquiring) { usleep(100) }
        // Another test may change the thread count for good meanwhile (`set threads=`).
        guard BLAS.threads == threads else { return }
        #expect(disturbed.allSatisfy { $0 == reference }, "a product came out with other numbers while thread counts changed")
    }

    @Test("configure sets the thread count")
    func configureThreads() {
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let before = BLAS.threads
        BLAS.configure(threads: 1)
        #expect(BLAS.threads == 1)
        BLAS.configure(threads: before)
        #expect(BLAS.threads == before)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func getenvString(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
