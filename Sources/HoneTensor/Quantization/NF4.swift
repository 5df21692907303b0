/// bitsandbytes' NF4 format with double quantisation (../shared/ANCHORS.md §3.6).
///
/// Quantise: the matrix is flattened row-major and cut into blocks of 64; each block's
/// `absmax = max|x|`, and each element becomes the index of the code value nearest `x/absmax`
/// (compared against the midpoints between code values, ties to the lower index). Two codes share
/// a byte, the first element in the high nibble. A trailing partial block has its own absmax.
///
/// Double quantisation: `offset = mean(absmax)`; `absmax − offset` is quantised blockwise (256
/// per block) with the signed 8-bit dynamic code, keeping one float32 scale per 256 blocks.
/// Dequantise: `code[q] · (dynamic[c] · scale + offset)`.
public enum NF4 {
    public static let blockSize = 64
    /// Scales (absmax values) per block of the 8-bit double quantisation.
    public static let scaleBlockSize = 256

    /// The 16 NF4 values, index 0…15, as `get_4bit_type("nf4")` gives them.
    public static let code: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ]

    /// The 15 midpoints between consecutive code values: a value above `midpoints[k]` is nearer
    /// code k+1 than code k.
    static let midpoints: [Float] = (0..<15).map { (code[$0] + code[$0 + 1]) / 2 }

    /// For every byte, the pair of values it holds: (code[high nibble], code[low nibble]).
    static let pairs: [SIMD2<Float>] = (0..<256).map { SIMD2(code[$0 >> 4], code[$0 & 15]) }

    /// bitsandbytes' signed dynamic-tree code (`create_dynamic_map(signed=True)`), 256 values in
    /// ascending order: for each decade 10⁻⁶…10⁰, the midpoints of `linspace(0.1, 1, 2^i + 1)`
    /// scaled by the decade, both signs, plus 0 and 1. Computed in Float32 as torch does;
    /// checkpoints carry the table they used (`nested_quant_map`), so an ulp does not matter.
    public static let dynamicCode: [Float] = {
        var values: [Float] = [0, 1]
        for i in 0..<7 {
            let items = (1 << i) + 1
            let step = (1 - Float(0.1)) / Float(items - 1)
            // torch.linspace fills the first half from the start and the rest from the end.
            let bounds: [Float] = (0..<items).map { j in
                j < items / 2 ? 0.1 + step * Float(j) : 1 - step * Float(items - 1 - j)
            }
            let decade = Float(pow10(i - 6))
            for j in 0..<(items - 1) {
                let mean = (bounds[j] + bounds[j + 1]) / 2
                values.append(decade * mean)
                values.append(-decade * mean)
            }
        }
        precondition(values.count == 256, "NF4.dynamicCode: \(values.count) values")
        return values.sorted()
    }()

    private static func pow10(_ e: Int) -> Double {
        var v = 1.0
        for _ in 0..<abs(e) { v *= 10 }
        return e < 0 ? 1 / v : v
    }

    /// The index of the code value nearest `x` (ties to the lower index); `x` in [−1, 1].
    @inline(__always)
    static func nearest(_ x: Float, midpoints m: UnsafePointer<Float>) -> UInt8 {
        var q: UInt8 = 0
        for k in 0..<15 where x > m[k] { q += 1 }
        return q
    }

    /// The index of the dynamic-code value nearest `x` (ties to the lower index).
    static func nearestDynamic(_ x: Float, code: UnsafeBufferPointer<Float>) -> UInt8 {
        // First index whose value is >= x.
        var low = 0, high = code.count
        while low < high {
            let mid = (low + high) / 2
            if code[mid] < x { low = mid + 1 } else { high = mid }
        }
        if low == code.count { return UInt8(code.count - 1) }
        if low == 0 { return 0 }
        return x - code[low - 1] <= code[low] - x ? UInt8(low - 1) : UInt8(low)
    }
}

/// NF4's block scales after double quantisation: one byte per 64-element block, one float32
/// per 256 blocks, and their common offset (bitsandbytes' `absmax`, `state2.absmax`, `offset`).
public struct NF4Scales: Sendable, Equatable {
    /// Per 64-element block: an index into `NF4.dynamicCode`.
    public let codes: [UInt8]
    /// Per 256 blocks: the absmax of `absmax − offset` over those blocks.
    public let scales: [Float]
    public let offset: Float

    /// Double-quantises per-block absmax values.
    init(absmax: [Float]) {
        let n = absmax.count
        offset = n == 0 ? 0 : Float(absmax.reduce(0.0) { $0 + Double($1) } / Double(n))
        let groups = (n + NF4.scaleBlockSize - 1) / NF4.scaleBlockSize
        var codes = [UInt8](repeating: 0, count: n)
        var scales = [Float](repeating: 0, count: groups)
        let offset = self.offset
        NF4.dynamicCode.withUnsafeBufferPointer { code in
            for g in 0..<groups {
                let range = (g * NF4.scaleBlockSize)..<min(n, (g + 1) * NF4.scaleBlockSize)
                var m: Float = 0
                for b in range { m = max(m, abs(absmax[b] - offset)) }
                scales[g] = m
                for b in range {
                    codes[b] = NF4.nearestDynamic(m > 0 ? (absmax[b] - offset) / m : 0, code: code)
                }
            }
        }
        self.codes = codes
        self.scales = scales
    }

    public init(codes: [UInt8], scales: [Float], offset: Float) {
        precondition(scales.count == (codes.count + NF4.scaleBlockSize - 1) / NF4.scaleBlockSize,
                     "NF4Scales: \(scales.count) scales for \(codes.count) codes")
        self.codes = codes
        self.scales = scales
        self.offset = offset
    }

    /// Bytes stored: the codes, the float32 scales and the offset.
    public var byteCount: Int { codes.count + 4 * scales.count + 4 }

    /// The absmax of every 64-element block, as dequantisation uses it.
    public func dequantized() -> [Float] {
        NF4.dynamicCode.withUnsafeBufferPointer { code in
            codes.indices.map { b in code[Int(codes[b])] * scales[b / NF4.scaleBlockSize] + offset }
        }
    }
}
