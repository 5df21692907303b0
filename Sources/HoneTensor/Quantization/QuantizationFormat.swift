/// How a frozen weight matrix is stored (`QuantizedMatrix`).
///
/// - `nf4`: bitsandbytes' 4-bit NormalFloat with double quantisation, as QLoRA trains on:
///   blocks of 64 consecutive elements of the row-major matrix, each scaled by its absmax; the
///   absmax scales are themselves stored in 8 bits (../shared/ANCHORS.md §3.6). About 4.127 bits
///   per parameter.
/// - `q8_0`, `q4_0`: GGUF's blocks of 32 elements along a row, each with a float16 scale:
///   34 and 18 bytes per 32 elements (8.5 and 4.5 bits per parameter). Rows must be a whole
///   number of blocks.
public enum QuantizationFormat: String, Sendable, CaseIterable {
    case nf4
    case q8_0
    case q4_0

    /// Elements sharing one scale: along the flattened matrix for NF4, along a row for GGUF.
    public var blockSize: Int {
        switch self {
        case .nf4: return NF4.blockSize
        case .q8_0, .q4_0: return 32
        }
    }

    /// Bytes of one GGUF block (float16 scale and quants); nil for NF4, which has no such block.
    public var ggmlBlockBytes: Int? {
        switch self {
        case .nf4: return nil
        case .q8_0: return 34
        case .q4_0: return 18
        }
    }
}

/// Why a weight could not be quantised (the caller keeps it in Float32 and says why).
public struct QuantizationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
