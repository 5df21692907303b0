/// A frozen 2-D weight [rows, cols] (hone's linear weights are [out, in], row-major) stored
/// quantised: NF4 with double quantisation, or GGUF's Q8_0/Q4_0 (`QuantizationFormat`).
/// Immutable once made, so it can be shared across threads.
///
/// `x.matmul(quantizedTransposed: w)` computes x·Wᵀ from it, dequantising a tile of rows at a
/// time; `dequantized()` gives the whole Float32 matrix (for tests and export).
public final class QuantizedMatrix: Sendable {
    public let format: QuantizationFormat
    public let rows: Int
    public let cols: Int
    /// The quantised data as its format's files store it. Q8_0/Q4_0: GGUF blocks (float16 scale
    /// then quants), row after row, exactly as a GGUF tensor of this shape holds them. NF4: the
    /// packed 4-bit codes, two per byte, first element in the high nibble (bitsandbytes' `weight`).
    public let blockBytes: [UInt8]
    /// NF4 only: the double-quantised block scales.
    public let nf4Scales: NF4Scales?

    public var shape: [Int] { [rows, cols] }
    public var count: Int { rows * cols }
    /// Bytes of quantised storage: data plus scales (the code tables are shared constants).
    public var byteCount: Int { blockBytes.count + (nf4Scales?.byteCount ?? 0) }
    /// Storage bits per weight element.
    public var bitsPerParameter: Double { count == 0 ? 0 : Double(8 * byteCount) / Double(count) }

    /// Quantises a 2-D float32 weight. Throws when the tensor is not 2-D, holds a NaN or an
    /// infinity, or (Q8_0/Q4_0) its rows are not a whole number of 32-element blocks.
    public init(quantizing weight: Tensor, format: QuantizationFormat) throws {
        guard weight.rank == 2 else {
            throw QuantizationError("\(format.rawValue) quantises 2-D weights; this one has shape \(weight.shape)")
        }
        guard weight.dtype == .float32 else {
            throw QuantizationError("\(format.rawValue) quantises float32 weights; this one is \(weight.dtype)")
        }
        let (rows, cols) = (weight.shape[0], weight.shape[1])
        if format != .nf4, cols % 32 != 0 {
            throw QuantizationError("\(format.rawValue) stores rows in blocks of 32, but rows here have \(cols) elements")
        }
        let source = weight.isContiguous ? weight : weight.contiguousCopy()
        let n = rows * cols
        let finite = withExtendedLifetime(source) { () -> Bool in
            let p = source.pointer
            return (0..<n).allSatisfy { p[$0].isFinite }
        }
        guard finite else {
            throw QuantizationError("\(format.rawValue) cannot quantise a weight holding NaN or infinity")
        }
        self.format = format
        self.rows = rows
        self.cols = cols
        switch format {
        case .nf4:
            let (packed, absmax) = withExtendedLifetime(source) { Self.quantizeNF4(source.pointer, count: n) }
            blockBytes = packed
            nf4Scales = NF4Scales(absmax: absmax)
        case .q8_0, .q4_0:
            blockBytes = withExtendedLifetime(source) { GGMLBlocks.quantize(source.pointer, count: n, format: format) }
            nf4Scales = nil
        }
    }

    /// A Q8_0 or Q4_0 matrix from GGUF block bytes as a GGUF file stores them (no copy of the
    /// values is converted; dequantisation agrees with GGUF's to the bit).
    public init(ggmlBlocks bytes: [UInt8], format: QuantizationFormat, shape: [Int]) throws {
        guard let blockBytes = format.ggmlBlockBytes else {
            throw QuantizationError("ggmlBlocks: \(format.rawValue) is not a GGUF block format")
        }
        guard shape.count == 2, shape[0] >= 0, shape[1] >= 0, shape[1] % 32 == 0 else {
            throw QuantizationError("ggmlBlocks: shape \(shape) is not 2-D with rows of whole 32-element blocks")
        }
        let expected = shape[0] * shape[1] / 32 * blockBytes
        guard bytes.count == expected else {
            throw QuantizationError("ggmlBlocks: \(bytes.count) bytes for shape \(shape); \(format.rawValue) needs \(expected)")
        }
        self.format = format
        self.rows = shape[0]
        self.cols = shape[1]
        self.blockBytes = bytes
        self.nf4Scales = nil
    }

    /// The float32 matrix [rows, cols].
    public func dequantized() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let p = UnsafeSendable(out.pointer)
        let cols = self.cols
        Parallel.forRanges(count: rows, grain: max(1, (1 << 16) / max(cols, 1))) { range in
            self.dequantizeRows(range, into: p.value + range.lowerBound * cols)
        }
        return out
    }

    /// Writes rows `range` as float32 into `out` (range.count × cols elements, row-major), on the
    /// calling thread.
    public func dequantizeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "dequantizeRows: rows \(range) of \(rows)")
        if range.isEmpty || cols == 0 { return }
        switch format {
        case .nf4:
            dequantizeNF4(from: range.lowerBound * cols, to: range.upperBound * cols, into: out)
        case .q8_0, .q4_0:
            let perRow = cols / 32 * format.ggmlBlockBytes!
            blockBytes.withUnsafeBufferPointer { bytes in
                GGMLBlocks.dequantize(bytes.baseAddress! + range.lowerBound * perRow, blocks: range.count * cols / 32,
                                      format: format, into: out)
            }
        }
    }

    /// The scale of every block in storage order: NF4's dequantised absmax per 64 elements;
    /// GGUF's float16 scale per 32 elements.
    public func blockScales() -> [Float] {
        if let nf4Scales { return nf4Scales.dequantized() }
        let size = format.ggmlBlockBytes!
        return stride(from: 0, to: blockBytes.count, by: size).map {
            HalfConversion.float(fromHalf: UInt16(blockBytes[$0]) | UInt16(blockBytes[$0 + 1]) << 8)
        }
    }

    // MARK: - NF4 kernels

    /// Packed codes and per-block absmax of `count` row-major elements.
    private static func quantizeNF4(_ x: UnsafePointer<Float>, count n: Int) -> ([UInt8], [Float]) {
        let blocks = (n + NF4.blockSize - 1) / NF4.blockSize
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        var absmax = [Float](repeating: 0, count: blocks)
        let source = UnsafeSendable(x)
        packed.withUnsafeMutableBufferPointer { packedBuffer in
            absmax.withUnsafeMutableBufferPointer { absmaxBuffer in
                NF4.midpoints.withUnsafeBufferPointer { midpoints in
                    let (q, a, m) = (UnsafeSendable(packedBuffer.baseAddress!), UnsafeSendable(absmaxBuffer.baseAddress!),
                                     UnsafeSendable(midpoints.baseAddress!))
                    Parallel.forRanges(count: blocks, grain: 256) { range in
                        var codes = [UInt8](repeating: 7, count: NF4.blockSize)
                        for b in range {
                            let start = b * NF4.blockSize, end = min(n, start + NF4.blockSize)
                            let x = source.value
                            var top: Float = 0
                            for i in start..<end { top = max(top, abs(x[i])) }
                            a.value[b] = top
                            for i in start..<end {
                                codes[i - start] = top > 0 ? NF4.nearest(x[i] / top, midpoints: m.value) : 7
                            }
                            // Blocks start at even elements, so no byte is shared between blocks.
                            var i = start
                            while i < end {
                                let high = codes[i - start], low = i + 1 < end ? codes[i + 1 - start] : 0
                                q.value[i / 2] = high << 4 | low
                                i += 2
                            }
                        }
                    }
                }
            }
        }
        return (packed, absmax)
    }

    /// Dequantises flat elements [start, end) into `out`.
    private func dequantizeNF4(from start: Int, to end: Int, into out: UnsafeMutablePointer<Float>) {
        let scales = nf4Scales!
        blockBytes.withUnsafeBufferPointer { packed in
        scales.codes.withUnsafeBufferPointer { absmaxCodes in
        scales.scales.withUnsafeBufferPointer { groupScales in
        NF4.dynamicCode.withUnsafeBufferPointer { dynamic in
        NF4.pairs.withUnsafeBufferPointer { pairs in
        NF4.code.withUnsafeBufferPointer { code in
            let offset = scales.offset
            var e = start
            while e < end {
                let block = e / NF4.blockSize
                let blockEnd = min(end, (block + 1) * NF4.blockSize)
                let absmax = dynamic[Int(absmaxCodes[block])] * groupScales[block / NF4.scaleBlockSize] + offset
                let dst = out + (e - start)
                if e % NF4.blockSize == 0 && blockEnd - e == NF4.blockSize {
                    // A whole block: 32 bytes, two values each.
                    let bytes = packed.baseAddress! + e / 2
                    let raw = UnsafeMutableRawPointer(dst)
                    for j in 0..<(NF4.blockSize / 2) {
                        raw.storeBytes(of: pairs[Int(bytes[j])] * absmax, toByteOffset: 8 * j, as: SIMD2<Float>.self)
                    }
                } else {
                    for i in e..<blockEnd {
                        let byte = packed[i / 2]
                        let nibble = i % 2 == 0 ? byte >> 4 : byte & 15
                        dst[i - e] = code[Int(nibble)] * absmax
                    }
                }
                e = blockEnd
            }
        }
        }
        }
        }
        }
        }
    }
}

/// GGUF's Q8_0 and Q4_0 blocks: a little-endian float16 scale d, then 32 int8 quants (value
/// d·q) or 16 bytes of nibbles (value d·(q−8); byte j's low nibble is element j, its high nibble
/// element j+16). Quantisation follows llama.cpp's reference (`quantize_row_q8_0_ref`,
/// `quantize_row_q4_0_ref`): Q8_0 d = absmax/127, q = round(x/d); Q4_0 d = m/−8 for the element m
/// of largest magnitude, q = min(15, trunc(x/d + 8.5)).
enum GGMLBlocks {
    static func quantize(_ x: UnsafePointer<Float>, count n: Int, format: QuantizationFormat) -> [UInt8] {
        let size = format.ggmlBlockBytes!
        let blocks = n / 32
        var bytes = [UInt8](repeating: 0, count: blocks * size)
        let source = UnsafeSendable(x)
        bytes.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeSendable(buffer.baseAddress!)
            Parallel.forRanges(count: blocks, grain: 512) { range in
                for b in range {
                    let v = source.value + 32 * b, y = out.value + size * b
                    if format == .q8_0 { quantizeQ8_0(v, y) } else { quantizeQ4_0(v, y) }
                }
            }
        }
        return bytes
    }

    @inline(__always)
    private static func storeHalf(_ d: Float, _ y: UnsafeMutablePointer<UInt8>) {
        let h = HalfConversion.half(from: d)
        y[0] = UInt8(h & 0xFF)
        y[1] = UInt8(h >> 8)
    }

    private static func quantizeQ8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt8>) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, y)
        for j in 0..<32 {
            // roundf: halves away from zero.
            y[2 + j] = UInt8(bitPattern: Int8(clamping: Int((x[j] * id).rounded(.toNearestOrAwayFromZero))))
        }
    }

    private static func quantizeQ4_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt8>) {
        var amax: Float = 0, m: Float = 0
        for j in 0..<32 where amax < abs(x[j]) {
            amax = abs(x[j])
            m = x[j]
        }
        let d = m / -8
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, y)
        @inline(__always) func q(_ v: Float) -> UInt8 { UInt8(max(0, min(15, Int(v * id + 8.5)))) }
        for j in 0..<16 {
            y[2 + j] = q(x[j]) | q(x[16 + j]) << 4
        }
    }

    /// Dequantises `blocks` consecutive blocks into `out` (32 floats each).
    static func dequantize(_ bytes: UnsafePointer<UInt8>, blocks: Int, format: QuantizationFormat, into out: UnsafeMutablePointer<Float>) {
        let size = format.ggmlBlockBytes!
        for b in 0..<blocks {
            let y = bytes + size * b, o = out + 32 * b
            let d = HalfConversion.float(fromHalf: UInt16(y[0]) | UInt16(y[1]) << 8)
            if format == .q8_0 {
                for j in 0..<32 { o[j] = d * Float(Int8(bitPattern: y[2 + j])) }
            } else {
                for j in 0..<16 {
                    let byte = y[2 + j]
                    o[j] = d * Float(Int(byte & 0x0F) - 8)
                    o[j + 16] = d * Float(Int(byte >> 4) - 8)
                }
            }
        }
    }
}
