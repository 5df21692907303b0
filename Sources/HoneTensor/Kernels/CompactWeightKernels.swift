/// Products of a few rows of FP32 activations with a weight read straight from compact storage
/// (bf16, or GGUF's Q8_0 blocks): out[r, j] = Σ_p x[r, p] · W[j, p] for W [n, k].
///
/// Batch-1 decoding reads every weight once per token and does two FLOPs with it, so where
/// memory limits it the bytes a weight takes set the speed: bf16 halves them and Q8_0 (34
/// bytes per 32 weights) nearly quarters them. That held on a Zen 4 EPYC (bf16 1.6×, Q8_0
/// 1.5× FP32 at hone-bench's M); on an Emerald Rapids VM these kernels are limited by their
/// widening arithmetic and thread hand-off and lose to OpenBLAS's sgemv (bf16 0.86×, Q8_0
/// about 0.95×), which is still to be fixed. The weights widen to FP32 in
/// registers and the sums are FP32, so the activations lose nothing. Only for a few rows (see
/// `maximumRows`): with more, the product is compute-bound and sgemm or oneDNN win.
///
/// Each output element is one fixed-order sum, so the numbers do not depend on the thread count.
public enum CompactWeightKernels {
    /// The most activation rows these kernels take; more go to the general products.
    public static let maximumRows = 4

    /// Output elements per parallel part: enough weight bytes (~64 KB) to be worth a thread.
    static func grain(k: Int, bytesPerWeight: Double) -> Int {
        max(8, Int(65_536 / max(1, Double(k) * bytesPerWeight)))
    }

    /// out[r·ldo + j] = Σ_p x[r·ldx + p] · bf16(w[j·ldw + p]), for r < rows, j < n, p < k.
    ///
    /// Sixteen bf16 weights are read as eight 32-bit words: `word << 16` is the even elements
    /// as FP32 and `word & 0xFFFF0000` the odd ones, two bit operations and no shuffle (the
    /// widening conversions use the one shuffle port, which then limits the speed). x is split
    /// into the matching even/odd order once per call.
    public static func bfloat16(
        rows: Int, n: Int, k: Int, x: UnsafePointer<Float>, ldx: Int,
        w: UnsafePointer<UInt16>, ldw: Int, out: UnsafeMutablePointer<Float>, ldo: Int
    ) {
        precondition(rows >= 0 && rows <= maximumRows && n >= 0 && k >= 0, "CompactWeightKernels.bfloat16: rows \(rows), n \(n), k \(k)")
        if rows == 0 || n == 0 { return }
        let groups = k / 16
        let split = TensorStorage(dtype: .float32, count: max(1, rows * groups * 16))
        let xs16 = split.floats
        for r in 0..<rows {
            for g in 0..<groups {
                for i in 0..<8 {
                    xs16[(r * groups + g) * 16 + i] = x[r * ldx + 16 * g + 2 * i]
                    xs16[(r * groups + g) * 16 + 8 + i] = x[r * ldx + 16 * g + 2 * i + 1]
                }
            }
        }
        let (xs, ss, ws, os) = (UnsafeSendable(x), UnsafeSendable(UnsafePointer(xs16)), UnsafeSendable(w), UnsafeSendable(out))
        withExtendedLifetime(split) {
            Parallel.forRanges(count: n, grain: grain(k: k, bytesPerWeight: 2)) { range in
                for j in range {
                    let row = UnsafeRawPointer(ws.value + j * ldw)
                    for r in 0..<rows {
                        let xr = UnsafeRawPointer(ss.value + r * groups * 16)
                        // Four sums, two groups at a time: one chain of multiply-adds would
                        // wait on each one's latency.
                        var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                        @inline(__always) func add(_ g: Int, _ even: inout SIMD8<Float>, _ odd: inout SIMD8<Float>) {
                            let words = row.loadUnaligned(fromByteOffset: g * 32, as: SIMD8<UInt32>.self)
                            even.addProduct(unsafeBitCast(words &<< 16, to: SIMD8<Float>.self),
                                            xr.loadUnaligned(fromByteOffset: g * 64, as: SIMD8<Float>.self))
                            odd.addProduct(unsafeBitCast(words & 0xFFFF_0000, to: SIMD8<Float>.self),
                                           xr.loadUnaligned(fromByteOffset: g * 64 + 32, as: SIMD8<Float>.self))
                        }
                        var g = 0
                        while g + 2 <= groups {
                            add(g, &sums.0, &sums.1)
                            add(g + 1, &sums.2, &sums.3)
                            g += 2
                        }
                        if g < groups { add(g, &sums.0, &sums.1) }
                        var sum = ((sums.0 + sums.1) + (sums.2 + sums.3)).sum()
                        let wp = ws.value + j * ldw, xp = xs.value + r * ldx
                        for p in (groups * 16)..<k { sum += HalfConversion.float(fromBFloat16: wp[p]) * xp[p] }
                        os.value[r * ldo + j] = sum
                    }
                }
            }
        }
    }

    /// out[r·ldo + j] = Σ_p x[r·k + p] · W[j, p] for W in GGUF's Q8_0 blocks, row by row
    /// (`k / 32` blocks of 34 bytes a row: an f16 scale d, then 32 int8 q; W = d·q).
    ///
    /// Eight int8 weights at a time widen to FP32 with one sign extension and one conversion
    /// (`vpmovsxbd`, `vcvtdq2ps`: SIMD8 conversions compile inline, wider ones do not); each
    /// block's 32 products sum in two accumulators, then scale by d into the row's sum. The
    /// weights are widened once per block for all the activation rows.
    public static func q8_0(rows: Int, n: Int, k: Int, x: UnsafePointer<Float>, blocks: UnsafePointer<UInt8>,
                            out: UnsafeMutablePointer<Float>, ldo: Int) {
        precondition(rows >= 0 && rows <= maximumRows && n >= 0 && k % 32 == 0, "CompactWeightKernels.q8_0: rows \(rows), n \(n), k \(k)")
        if rows == 0 || n == 0 { return }
        let perRow = k / 32 * 34
        let (xs, bs, os) = (UnsafeSendable(x), UnsafeSendable(blocks), UnsafeSendable(out))
        if rows == 1 {
            // Batch-1 decoding: four weight rows at a time, so four independent sums hide the
            // latency of each block's multiply-adds, and each block of x is loaded once for them.
            let groups = (n + 3) / 4
            Parallel.forRanges(count: groups, grain: max(1, grain(k: k, bytesPerWeight: 34.0 / 32) / 4)) { range in
                for group in range {
                    let first = group * 4, count = min(4, n - first)
                    // A last group of fewer than four repeats its last row (computed, not stored).
                    @inline(__always) func rowPointer(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(bs.value + (first + min(i, count - 1)) * perRow) }
                    let (r0, r1, r2, r3) = (rowPointer(0), rowPointer(1), rowPointer(2), rowPointer(3))
                    var (s0, s1, s2, s3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                    for block in 0..<(k / 32) {
                        let xb = UnsafeRawPointer(xs.value + block * 32)
                        let x0 = xb.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
                        let x1 = xb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        let x2 = xb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                        let x3 = xb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                        let base = block * 34
                        @inline(__always) func blockSum(_ row: UnsafeRawPointer) -> SIMD8<Float> {
                            var even = widenedQuants(row, base, 0) * x0, odd = widenedQuants(row, base, 1) * x1
                            even.addProduct(widenedQuants(row, base, 2), x2)
                            odd.addProduct(widenedQuants(row, base, 3), x3)
                            return (even + odd) * SIMD8<Float>(repeating: scale(row, base))
                        }
                        s0 += blockSum(r0)
                        s1 += blockSum(r1)
                        s2 += blockSum(r2)
                        s3 += blockSum(r3)
                    }
                    os.value[first] = s0.sum()
                    if count > 1 { os.value[first + 1] = s1.sum() }
                    if count > 2 { os.value[first + 2] = s2.sum() }
                    if count > 3 { os.value[first + 3] = s3.sum() }
                }
            }
            return
        }
        Parallel.forRanges(count: n, grain: grain(k: k, bytesPerWeight: 34.0 / 32)) { range in
            for j in range {
                let row = UnsafeRawPointer(bs.value + j * perRow)
                var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                for block in 0..<(k / 32) {
                    let base = block * 34
                    let d = SIMD8<Float>(repeating: scale(row, base))
                    let (w0, w1, w2, w3) = (widenedQuants(row, base, 0), widenedQuants(row, base, 1),
                                            widenedQuants(row, base, 2), widenedQuants(row, base, 3))
                    @inline(__always) func blockSum(_ r: Int) -> SIMD8<Float> {
                        let xb = UnsafeRawPointer(xs.value + r * k + block * 32)
                        var even = w0 * xb.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
                        var odd = w1 * xb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        even.addProduct(w2, xb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                        odd.addProduct(w3, xb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
                        return even + odd
                    }
                    sums.0 += blockSum(0) * d
                    if rows > 1 { sums.1 += blockSum(1) * d }
                    if rows > 2 { sums.2 += blockSum(2) * d }
                    if rows > 3 { sums.3 += blockSum(3) * d }
                }
                os.value[j] = sums.0.sum()
                if rows > 1 { os.value[ldo + j] = sums.1.sum() }
                if rows > 2 { os.value[2 * ldo + j] = sums.2.sum() }
                if rows > 3 { os.value[3 * ldo + j] = sums.3.sum() }
            }
        }
    }

    /// The eight int8 quants `8·part …` of the Q8_0 block at `offset` (after its 2-byte scale),
    /// as FP32.
    @inline(__always)
    static func widenedQuants(_ row: UnsafeRawPointer, _ offset: Int, _ part: Int) -> SIMD8<Float> {
        SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: offset + 2 + 8 * part, as: SIMD8<Int8>.self)))
    }

    /// A block's f16 scale d as FP32 (one `vcvtph2ps` with F16C).
    @inline(__always)
    static func scale(_ row: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian))
    }
}
