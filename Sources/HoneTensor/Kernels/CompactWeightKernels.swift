/// Products of a few rows of FP32 activations with a weight read straight from compact storage
/// (bf16, or GGUF's Q8_0 blocks): out[r, j] = Σ_p x[r, p] · W[j, p] for W [n, k].
///
/// Batch-1 decoding is memory-bound: each token reads every weight once and does two FLOPs
/// with it, so the bytes a weight takes set the speed, whatever the ISA. Reading bf16 halves
/// them and Q8_0 (34 bytes per 32 weights) nearly quarters them. The weights widen to FP32 in
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
    public static func bfloat16(
        rows: Int, n: Int, k: Int, x: UnsafePointer<Float>, ldx: Int,
        w: UnsafePointer<UInt16>, ldw: Int, out: UnsafeMutablePointer<Float>, ldo: Int
    ) {
        precondition(rows >= 0 && rows <= maximumRows && n >= 0 && k >= 0, "CompactWeightKernels.bfloat16: rows \(rows), n \(n), k \(k)")
        if rows == 0 || n == 0 { return }
        let (xs, ws, os) = (UnsafeSendable(x), UnsafeSendable(w), UnsafeSendable(out))
        Parallel.forRanges(count: n, grain: grain(k: k, bytesPerWeight: 2)) { range in
            for j in range {
                let row = UnsafeRawPointer(ws.value + j * ldw)
                for r in 0..<rows {
                    let xr = UnsafeRawPointer(xs.value + r * ldx)
                    var acc = SIMD16<Float>(), acc2 = SIMD16<Float>()
                    var p = 0
                    while p + 32 <= k {
                        let w0 = row.loadUnaligned(fromByteOffset: p * 2, as: SIMD16<UInt16>.self)
                        let w1 = row.loadUnaligned(fromByteOffset: p * 2 + 32, as: SIMD16<UInt16>.self)
                        let f0 = unsafeBitCast(SIMD16<UInt32>(truncatingIfNeeded: w0) &<< 16, to: SIMD16<Float>.self)
                        let f1 = unsafeBitCast(SIMD16<UInt32>(truncatingIfNeeded: w1) &<< 16, to: SIMD16<Float>.self)
                        acc.addProduct(f0, xr.loadUnaligned(fromByteOffset: p * 4, as: SIMD16<Float>.self))
                        acc2.addProduct(f1, xr.loadUnaligned(fromByteOffset: p * 4 + 64, as: SIMD16<Float>.self))
                        p += 32
                    }
                    var sum = (acc + acc2).sum()
                    let wp = ws.value + j * ldw, xp = xs.value + r * ldx
                    while p < k {
                        sum += HalfConversion.float(fromBFloat16: wp[p]) * xp[p]
                        p += 1
                    }
                    os.value[r * ldo + j] = sum
                }
            }
        }
    }

    /// out[r·ldo + j] = Σ_p x[r·k + p] · W[j, p] for W in GGUF's Q8_0 blocks, row by row
    /// (`k / 32` blocks of 34 bytes a row: an f16 scale d, then 32 int8 q; W = d·q).
    ///
    /// The bytes are read as eight 32-bit words a block and taken apart with shifts, which stay
    /// in vector registers (Swift's int8-to-float vector conversions are out-of-line calls). Byte
    /// b of word j is q[4j + b], so x is first reordered to match, once per call.
    public static func q8_0(rows: Int, n: Int, k: Int, x: UnsafePointer<Float>, blocks: UnsafePointer<UInt8>,
                            out: UnsafeMutablePointer<Float>, ldo: Int) {
        precondition(rows >= 0 && rows <= maximumRows && n >= 0 && k % 32 == 0, "CompactWeightKernels.q8_0: rows \(rows), n \(n), k \(k)")
        if rows == 0 || n == 0 { return }
        let perRow = k / 32 * 34
        let reordered = TensorStorage(dtype: .float32, count: rows * k)
        let xr = reordered.floats
        for r in 0..<rows {
            for block in 0..<(k / 32) {
                for b in 0..<4 { for j in 0..<8 { xr[r * k + block * 32 + b * 8 + j] = x[r * k + block * 32 + 4 * j + b] } }
            }
        }
        let (xs, bs, os) = (UnsafeSendable(UnsafePointer(xr)), UnsafeSendable(blocks), UnsafeSendable(out))
        withExtendedLifetime(reordered) {
            Parallel.forRanges(count: n, grain: grain(k: k, bytesPerWeight: 34.0 / 32)) { range in
                for j in range {
                    let row = UnsafeRawPointer(bs.value + j * perRow)
                    for r in 0..<rows {
                        let xrow = UnsafeRawPointer(xs.value + r * k)
                        var acc = SIMD8<Float>()
                        for block in 0..<(k / 32) {
                            let base = block * 34
                            let d = halfToFloat(row.loadUnaligned(fromByteOffset: base, as: UInt16.self).littleEndian)
                            // q + 128 in each byte: then each byte, put into the mantissa of 2²³,
                            // is the float 2²³ + 128 + q.
                            let words = row.loadUnaligned(fromByteOffset: base + 2, as: SIMD8<UInt32>.self) ^ 0x8080_8080
                            let xb = xrow + block * 128
                            var part = SIMD8<Float>()
                            for b in 0..<4 {
                                let biased = ((words &>> UInt32(8 * b)) & 0xFF) | 0x4B00_0000
                                let q = unsafeBitCast(biased, to: SIMD8<Float>.self) - 8_388_736
                                part.addProduct(q, xb.loadUnaligned(fromByteOffset: b * 32, as: SIMD8<Float>.self))
                            }
                            acc.addProduct(part, SIMD8<Float>(repeating: d))
                        }
                        os.value[r * ldo + j] = acc.sum()
                    }
                }
            }
        }
    }

    /// f16 → f32 for a block scale: the bits moved into place for normal numbers, the general
    /// conversion for zero, subnormals, infinities and NaN.
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let exponent = h & 0x7C00
        guard exponent != 0, exponent != 0x7C00 else { return HalfConversion.float(fromHalf: h) }
        return Float(bitPattern: UInt32(h & 0x8000) << 16 | (UInt32(h & 0x7FFF) << 13 &+ 0x3800_0000))
    }
}
