/// Float32 → bfloat16 conversion for the bf16 products: round to nearest even, as PyTorch's
/// autocast and oneDNN's reorders do, so a product sees the same bf16 inputs either way.
enum BFloat16Kernels {
    /// out[i] = bf16(p[i]) for `count` elements, 16 lanes at a time, split across cores when large.
    static func convert(_ p: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        let (source, target) = (UnsafeSendable(p), UnsafeSendable(out))
        Parallel.forRanges(count: count, grain: 1 << 17) { range in
            convertRange(source.value, range, into: target.value)
        }
    }

    @inline(__always)
    static func convertRange(_ p: UnsafePointer<Float>, _ range: Range<Int>, into out: UnsafeMutablePointer<UInt16>) {
        var i = range.lowerBound
        let end = range.upperBound
        let raw = UnsafeRawPointer(p)
        while i + 16 <= end {
            let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<UInt32>.self)
            // NaN keeps its sign and becomes a quiet NaN; everything else rounds to nearest even
            // (infinities and overflow to infinity come out of the same addition).
            let rounded = (bits &+ (0x7FFF &+ ((bits &>> 16) & 1))) &>> 16
            let magnitude = bits & 0x7FFF_FFFF
            let nan = (bits &>> 16) | 0x40
            let chosen = rounded.replacing(with: nan, where: magnitude .> 0x7F80_0000)
            UnsafeMutableRawPointer(out).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: chosen), toByteOffset: i * 2, as: SIMD16<UInt16>.self)
            i += 16
        }
        while i < end {
            out[i] = HalfConversion.bfloat16(from: p[i])
            i += 1
        }
    }
}
