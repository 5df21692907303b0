/// The element types tensors can hold. hone computes in Float32; the others are storage formats
/// that checkpoints use, converted to Float32 when loaded (`Tensor.converted(to:)`).
public enum DType: String, Sendable, CaseIterable {
    case float32, float16, bfloat16, int32

    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        }
    }
}

/// IEEE 754 half and bfloat16 conversions, written out so they behave the same on every
/// platform (round to nearest even; NaN stays NaN; overflow becomes infinity).
public enum HalfConversion {
    public static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal: value = mantissa × 2^-24.
            let value = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -value : value
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    public static func half(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        if f.isNaN { return sign | 0x7E00 }
        let magnitude = abs(f)
        if magnitude >= 65520 { return sign | 0x7C00 }  // rounds to infinity
        if magnitude < Float(sign: .plus, exponent: -14, significand: 1) {
            // Subnormal half: round magnitude / 2^-24 to the nearest integer, ties to even.
            let scaled = magnitude * Float(sign: .plus, exponent: 24, significand: 1)
            return sign | UInt16(scaled.rounded(.toNearestOrEven))
        }
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var mantissa = bits & 0x7F_FFFF
        var half = UInt32(exponent) << 10 | (mantissa >> 13)
        mantissa &= 0x1FFF
        if mantissa > 0x1000 || (mantissa == 0x1000 && (half & 1) == 1) { half += 1 }
        return sign | UInt16(half)
    }

    public static func float(fromBFloat16 b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    public static func bfloat16(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}

extension Tensor {
    /// A tensor of checkpoint data in `dtype` (float16, bfloat16 and int32 bits as stored),
    /// copied from `bytes`, which must hold `shape`'s element count in that type.
    public static func fromRaw(_ bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        precondition(bytes.count == count * dtype.byteSize, "fromRaw: \(bytes.count) bytes for \(count) \(dtype) elements")
        let storage = TensorStorage(dtype: dtype, count: count)
        if count > 0 { storage.raw.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        return Tensor(storage: storage, shape: shape)
    }

    /// The same values stored as `dtype`. Compute happens in float32, so loaders convert with
    /// `converted(to: .float32)`; float16 and bfloat16 round to nearest even; int32 truncates.
    public func converted(to target: DType) -> Tensor {
        if target == dtype { return self }
        precondition(dtype == .float32 || target == .float32, "converted: \(dtype) to \(target) goes through float32")
        if dtype != .float32 { return convertedToFloat32() }
        let source = contiguous()
        let storage = TensorStorage(dtype: target, count: count)
        let p = source.pointer
        switch target {
        case .float16:
            let out = storage.raw.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = HalfConversion.half(from: p[i]) }
        case .bfloat16:
            let out = storage.raw.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = HalfConversion.bfloat16(from: p[i]) }
        case .int32:
            let out = storage.raw.assumingMemoryBound(to: Int32.self)
            for i in 0..<count { out[i] = Int32(clamping: Int(p[i].isFinite ? p[i].rounded(.towardZero) : 0)) }
        case .float32:
            break
        }
        return withExtendedLifetime(source) { Tensor(storage: storage, shape: shape) }
    }

    /// Float32 values of a float16, bfloat16 or int32 tensor (contiguous storage as loaded).
    func convertedToFloat32() -> Tensor {
        precondition(strides == Tensor.contiguousStrides(for: shape), "converted: a \(dtype) tensor must be contiguous")
        let out = Tensor(uninitializedShape: shape)
        let p = out.pointer
        switch dtype {
        case .float16:
            let source = storage.raw.assumingMemoryBound(to: UInt16.self) + offset
            for i in 0..<count { p[i] = HalfConversion.float(fromHalf: source[i]) }
        case .bfloat16:
            let source = storage.raw.assumingMemoryBound(to: UInt16.self) + offset
            for i in 0..<count { p[i] = HalfConversion.float(fromBFloat16: source[i]) }
        case .int32:
            let source = storage.raw.assumingMemoryBound(to: Int32.self) + offset
            for i in 0..<count { p[i] = Float(source[i]) }
        case .float32:
            break
        }
        return out
    }
}
