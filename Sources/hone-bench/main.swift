// hone-bench: micro-benchmarks of hone's kernels. Build with `scripts/bench` (release).
import ArgumentParser
import HoneTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct HoneBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hone-bench",
        abstract: "Micro-benchmarks of hone's kernels.",
        subcommands: [SGEMMBench.self, TensorBench.self, GenerateBench.self, TrainBench.self])
}

/// A GEMM shape, written M x K x N: C[M×N] = A[M×K] · B[K×N].
struct Shape: ExpressibleByArgument, CustomStringConvertible {
    let m: Int, k: Int, n: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 3, let m = parts[0], let k = parts[1], let n = parts[2],
              m > 0, k > 0, n > 0 else { return nil }
        (self.m, self.k, self.n) = (m, k, n)
    }

    var description: String { "\(m)x\(k)x\(n)" }
    var flops: Double { 2 * Double(m) * Double(k) * Double(n) }
}

struct SGEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm",
        abstract: "GF/s of BLAS.sgemm for A·B (NN), A·Bᵀ (NT) and Aᵀ·B (TN).",
        discussion: """
            Each figure is the best of --runs timed batches (wall clock); a batch repeats the \
            call until it has taken at least --min-ms milliseconds. NT is the dX = dY·Wᵀ case \
            and TN the dW = Xᵀ·dY case of a linear layer's backward pass.
            """)

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own, normally the number of cores).")
    var threads: Int?

    @Option(parsing: .upToNextOption, help: "Shapes as MxKxN.")
    var shapes: [Shape] = ["2048x768x768", "2048x288x288", "256x288x288"].compactMap(Shape.init)

    @Option(help: "Timed batches per figure; the fastest is reported.")
    var runs: Int = 7

    @Option(name: .customLong("min-ms"), help: "Minimum length of one timed batch, in ms.")
    var minMilliseconds: Double = 50

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if minMilliseconds < 0 { throw ValidationError("--min-ms must not be negative") }
    }

    func run() throws {
        let decision = BLAS.configure(threads: threads)
        print("OpenBLAS core: \(BLAS.coreName) (\(decision)), threads: \(BLAS.threads)")
        print(BLAS.config)
        print("best of \(runs) batches of ≥\(Int(minMilliseconds)) ms, wall clock")
        print("")
        let cases: [(String, BLAS.Transpose, BLAS.Transpose)] = [
            ("NN", .normal, .normal), ("NT", .normal, .transposed), ("TN", .transposed, .normal),
        ]
        var header = "shape (MxKxN)".padding(16)
        for (name, _, _) in cases { header += "\(name) GF/s".padding(left: 10) + "ms".padding(left: 9) }
        print(header)
        for shape in shapes {
            var line = shape.description.padding(16)
            for (_, tA, tB) in cases {
                let seconds = time(shape, tA, tB)
                line += format(shape.flops / seconds / 1e9, 1).padding(left: 10)
                line += format(seconds * 1e3, 3).padding(left: 9)
            }
            print(line)
        }
    }

    /// Best seconds per call of one sgemm, over `runs` batches.
    func time(_ s: Shape, _ tA: BLAS.Transpose, _ tB: BLAS.Transpose) -> Double {
        var a = [Float](repeating: 0, count: s.m * s.k)
        var b = [Float](repeating: 0, count: s.k * s.n)
        var c = [Float](repeating: 0, count: s.m * s.n)
        for i in a.indices { a[i] = Float(i % 17) / 17 - 0.5 }
        for i in b.indices { b[i] = Float(i % 13) / 13 - 0.5 }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let (pa, pb, pc) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    // Batches sized to last at least minMilliseconds; the best batch's time per call.
                    return bestSeconds(batches: runs, minSeconds: minMilliseconds / 1e3) {
                        BLAS.sgemm(tA, tB, m: s.m, n: s.n, k: s.k, a: pa, b: pb, c: pc)
                    }
                }
            }
        }
    }
}

/// Monotonic wall-clock seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func format(_ value: Double, _ decimals: Int) -> String {
    if value < 0 { return "-" + format(-value, decimals) }
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * scale).rounded()
    let whole = Int(scaled / scale)
    guard decimals > 0 else { return "\(whole)" }
    let fraction = String(Int(scaled) - whole * Int(scale))
    return "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
    func padding(left width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}

HoneBench.main()
