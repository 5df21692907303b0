import Foundation
import HoneTensor

/// One GGUF metadata value. Arrays keep their element type so an empty array still says what it holds.
public indirect enum GGUFValue: Sendable, Equatable, CustomStringConvertible {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String)
    case array(elementType: UInt32, values: [GGUFValue])
    case uint64(UInt64), int64(Int64), float64(Double)

    /// The value as an integer, for any integer type that fits in `Int`.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// The value as a Double, for any numeric type.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [GGUFValue]? { if case .array(_, let v) = self { return v } else { return nil } }

    public var description: String {
        switch self {
        case .uint8(let v): return "\(v)"
        case .int8(let v): return "\(v)"
        case .uint16(let v): return "\(v)"
        case .int16(let v): return "\(v)"
        case .uint32(let v): return "\(v)"
        case .int32(let v): return "\(v)"
        case .uint64(let v): return "\(v)"
        case .int64(let v): return "\(v)"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        case .bool(let v): return "\(v)"
        case .string(let v): return "\"\(v)\""
        case .array(_, let v):
            let shown = v.prefix(8).map(\.description).joined(separator: ", ")
            return "[\(shown)\(v.count > 8 ? ", … (\(v.count) values)" : "")]"
        }
    }
}

/// The ggml tensor types, by their GGUF type number. hone reads F32, F16, Q4_0 and Q8_0.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30

    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .f64: return "F64"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        default: return "\(self)".uppercased()
        }
    }

    /// (elements per block, bytes per block) for the types whose size hone knows.
    public var blockLayout: (elements: Int, bytes: Int)? {
        switch self {
        case .f32: return (1, 4)
        case .f16, .bf16: return (1, 2)
        case .q4_0: return (32, 18)
        case .q4_1: return (32, 20)
        case .q5_0: return (32, 22)
        case .q5_1: return (32, 24)
        case .q8_0: return (32, 34)
        case .q8_1: return (32, 36)
        case .q2_K: return (256, 84)
        case .q3_K: return (256, 110)
        case .q4_K: return (256, 144)
        case .q5_K: return (256, 176)
        case .q6_K: return (256, 210)
        case .q8_K: return (256, 292)
        case .i8: return (1, 1)
        case .i16: return (1, 2)
        case .i32: return (1, 4)
        case .i64, .f64: return (1, 8)
        default: return nil
        }
    }

    /// Whether `GGUFReader.tensor(_:)` can turn this type into float32.
    public var isSupported: Bool { [.f32, .f16, .q4_0, .q8_0].contains(self) }
}

/// Reads a GGUF (v2 or v3) file: magic `GGUF`, u32 version, u64 tensor count, u64 metadata count,
/// the metadata key/value pairs, the tensor infos, then — at the first multiple of
/// `general.alignment` (default 32) — the tensor data.
///
/// Everything but the tensor bytes is parsed and checked when the reader is made, so a truncated,
/// lying or foreign file is refused up front with a `CheckpointError` naming the file, the tensor
/// and the byte offset. Tensor bytes stay in a read-only memory map until `tensor(_:)` reads them.
public final class GGUFReader: @unchecked Sendable {
    public struct Entry: Sendable {
        /// The raw ggml type number as stored (see `type` for the known ones).
        public let typeNumber: UInt32
        public var type: GGMLType? { GGMLType(rawValue: typeNumber) }
        /// Row-major shape: the reverse of ggml's dims (whose dims[0] varies fastest).
        public let shape: [Int]
        /// Absolute file offsets of the tensor's bytes.
        public let begin: Int
        public let end: Int
    }

    public static let magic: [UInt8] = Array("GGUF".utf8)
    public static let supportedVersions: ClosedRange<UInt32> = 2...3
    public static let defaultAlignment = 32

    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor names in file order.
    public let tensorNames: [String]
    public let entries: [String: Entry]
    public let alignment: Int
    /// Absolute file offset of the data section.
    public let dataStart: Int

    private let file: MappedFile

    public convenience init(path: String) throws {
        try self.init(file: try MappedFile(path: path), path: path)
    }

    /// Reads the header of `file`'s bytes; `path` names the file in errors.
    init(file: MappedFile, path: String) throws {
        self.path = path
        self.file = file
        let size = file.bytes.count
        guard size >= 24 else {
            let head = Array(file.bytes)
            var message = "the file is \(size) bytes, shorter than the 24-byte GGUF header"
            if size >= 4, Array(head.prefix(4)) != Self.magic {
                message = "not a GGUF file: it does not start with `GGUF`" + Self.guess(head)
            }
            throw CheckpointError(file: path, offset: 0, message)
        }
        var parser = Parser(bytes: file.bytes, path: path)
        let header = try parser.parse()
        self.version = header.version
        self.metadata = header.metadata
        self.metadataKeys = header.metadataKeys
        self.tensorNames = header.names
        self.entries = header.entries
        self.alignment = header.alignment
        self.dataStart = header.dataStart
    }

    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The stored ggml type and the row-major shape of `name`.
    public func info(_ name: String) throws -> (type: UInt32, shape: [Int]) {
        let entry = try entry(name)
        return (entry.typeNumber, entry.shape)
    }

    /// `name`'s values as a contiguous float32 tensor of its row-major shape (F16 converted,
    /// Q8_0 and Q4_0 dequantised; other types refused by name).
    public func tensor(_ name: String) throws -> Tensor {
        let entry = try entry(name)
        guard let type = entry.type, type.isSupported else {
            let typeName = entry.type?.name ?? "type \(entry.typeNumber)"
            throw CheckpointError(file: path, tensor: name, offset: entry.begin,
                                  "ggml type \(typeName) is not supported; hone reads F32, F16, Q8_0 and Q4_0")
        }
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[entry.begin..<entry.end])
        let result: Tensor
        if entry.shape.contains(0) {
            result = Tensor.zeros(entry.shape)
            result.name = name
            return result
        }
        switch type {
        case .f32:
            result = Tensor.fromRaw(bytes, dtype: .float32, shape: entry.shape)
        case .f16:
            result = Tensor.fromRaw(bytes, dtype: .float16, shape: entry.shape).converted(to: .float32)
        case .q8_0:
            result = Tensor(shape: entry.shape, values: Self.dequantizeQ8_0(bytes))
        case .q4_0:
            result = Tensor(shape: entry.shape, values: Self.dequantizeQ4_0(bytes))
        default:
            fatalError("unreachable: \(type) passed isSupported")
        }
        result.name = name
        return result
    }

    /// `name`'s bytes exactly as stored (for Q8_0/Q4_0, the GGUF blocks), with its ggml type.
    public func storedBytes(_ name: String) throws -> (type: GGMLType?, bytes: [UInt8]) {
        let entry = try entry(name)
        return (entry.type, Array(file.bytes[entry.begin..<entry.end]))
    }

    // MARK: - Tokenizer

    /// `tokenizer.ggml.model` (e.g. `llama`, `gpt2`).
    public var tokenizerModel: String? { metadata["tokenizer.ggml.model"]?.string }

    /// `tokenizer.ggml.tokens`, or nil when absent or not an array of strings.
    public var tokens: [String]? {
        guard let values = metadata["tokenizer.ggml.tokens"]?.array else { return nil }
        let strings = values.compactMap(\.string)
        return strings.count == values.count ? strings : nil
    }

    /// `tokenizer.ggml.scores`, or nil when absent or not numeric.
    public var scores: [Float]? {
        guard let values = metadata["tokenizer.ggml.scores"]?.array else { return nil }
        let numbers = values.compactMap { $0.double.map(Float.init) }
        return numbers.count == values.count ? numbers : nil
    }

    /// `tokenizer.ggml.token_type`, or nil when absent or not integers.
    public var tokenTypes: [Int]? {
        guard let values = metadata["tokenizer.ggml.token_type"]?.array else { return nil }
        let numbers = values.compactMap(\.int)
        return numbers.count == values.count ? numbers : nil
    }

    /// `tokenizer.ggml.merges` (BPE tokenizers), or nil.
    public var merges: [String]? {
        guard let values = metadata["tokenizer.ggml.merges"]?.array else { return nil }
        let strings = values.compactMap(\.string)
        return strings.count == values.count ? strings : nil
    }

    public var bosTokenID: Int? { metadata["tokenizer.ggml.bos_token_id"]?.int }
    public var eosTokenID: Int? { metadata["tokenizer.ggml.eos_token_id"]?.int }
    public var unknownTokenID: Int? { metadata["tokenizer.ggml.unknown_token_id"]?.int }
    public var paddingTokenID: Int? { metadata["tokenizer.ggml.padding_token_id"]?.int }

    // MARK: - Dequantisation

    /// Q8_0: blocks of an f16 scale d and 32 int8 q; value = d·q.
    public static func dequantizeQ8_0(_ bytes: UnsafeRawBufferPointer) -> [Float] {
        precondition(bytes.count % 34 == 0, "Q8_0: \(bytes.count) bytes is not a whole number of 34-byte blocks")
        let blocks = bytes.count / 34
        var out = [Float](repeating: 0, count: blocks * 32)
        out.withUnsafeMutableBufferPointer { o in
            for b in 0..<blocks {
                let base = b * 34
                let d = HalfConversion.float(fromHalf: UInt16(bytes[base]) | UInt16(bytes[base + 1]) << 8)
                for i in 0..<32 { o[b * 32 + i] = d * Float(Int8(bitPattern: bytes[base + 2 + i])) }
            }
        }
        return out
    }

    /// Q4_0: blocks of an f16 scale d and 16 bytes of nibbles; value = d·(q−8). Byte j's low nibble
    /// is element j of the block, its high nibble element j+16.
    public static func dequantizeQ4_0(_ bytes: UnsafeRawBufferPointer) -> [Float] {
        precondition(bytes.count % 18 == 0, "Q4_0: \(bytes.count) bytes is not a whole number of 18-byte blocks")
        let blocks = bytes.count / 18
        var out = [Float](repeating: 0, count: blocks * 32)
        out.withUnsafeMutableBufferPointer { o in
            for b in 0..<blocks {
                let base = b * 18
                let d = HalfConversion.float(fromHalf: UInt16(bytes[base]) | UInt16(bytes[base + 1]) << 8)
                for j in 0..<16 {
                    let byte = bytes[base + 2 + j]
                    o[b * 32 + j] = d * Float(Int(byte & 0x0F) - 8)
                    o[b * 32 + j + 16] = d * Float(Int(byte >> 4) - 8)
                }
            }
        }
        return out
    }

    // MARK: - Private

    private func entry(_ name: String) throws -> Entry {
        if let entry = entries[name] { return entry }
        var message = "no tensor named `\(name)` in this file"
        if let near = SafeTensorsReader.nearest(to: name, in: tensorNames) { message += "; did you mean `\(near)`?" }
        throw CheckpointError(file: path, tensor: name, message)
    }

    /// What a file that is not GGUF looks like, from its first bytes (" (it looks like …)" or "").
    static func guess(_ head: [UInt8]) -> String {
        if head.first == 0x80 { return " (it looks like a Python pickle, e.g. a PyTorch .bin/.pt file)" }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return " (it looks like a zip archive, e.g. a PyTorch .pt file)" }
        if head.count >= 9, head[8] == UInt8(ascii: "{") { return " (it looks like a safetensors file)" }
        if head.starts(with: Array("ggml".utf8)) || head.starts(with: Array("lmgg".utf8))
            || head.starts(with: Array("ggjt".utf8)) || head.starts(with: Array("tjgg".utf8))
            || head.starts(with: Array("fmgg".utf8)) || head.starts(with: Array("ggmf".utf8)) {
            return " (it looks like a pre-GGUF ggml/ggjt file, which hone does not read)"
        }
        if head.starts(with: Array("FUGG".utf8)) { return " (it looks like a big-endian GGUF file, which hone does not read)" }
        if head.count >= 28 {
            let ints = (0..<7).map { i in Int32(bitPattern: UInt32(head[4 * i]) | UInt32(head[4 * i + 1]) << 8 | UInt32(head[4 * i + 2]) << 16 | UInt32(head[4 * i + 3]) << 24) }
            if ints.allSatisfy({ $0 != 0 && abs(Int($0)) < 1_000_000 }) { return " (it looks like a llama2.c checkpoint)" }
        }
        return ""
    }

    private struct Header {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var metadataKeys: [String]
        var names: [String]
        var entries: [String: Entry]
        var alignment: Int
        var dataStart: Int
    }

    /// A bounds-checked cursor over the file's bytes.
    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let path: String
        var offset = 0
        /// The tensor being parsed, named in errors.
        var tensor: String?

        init(bytes: UnsafeRawBufferPointer, path: String) {
            self.bytes = bytes
            self.path = path
        }

        var remaining: Int { bytes.count - offset }

        func fail(_ message: String, at position: Int? = nil) -> CheckpointError {
            CheckpointError(file: path, tensor: tensor, offset: position ?? offset, message)
        }

        mutating func need(_ count: Int, _ what: String) throws {
            guard count >= 0, count <= remaining else {
                throw fail("\(what) needs \(count) bytes but only \(remaining) remain in the \(bytes.count)-byte file (it is truncated or corrupt)")
            }
        }

        mutating func u8(_ what: String) throws -> UInt8 {
            try need(1, what)
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func little(_ size: Int, _ what: String) throws -> UInt64 {
            try need(size, what)
            var value: UInt64 = 0
            for i in 0..<size { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            offset += size
            return value
        }

        mutating func u32(_ what: String) throws -> UInt32 { UInt32(try little(4, what)) }
        mutating func u64(_ what: String) throws -> UInt64 { try little(8, what) }

        /// A u64 count that must be at most `limit` (checked against the bytes left so a lying count
        /// cannot make us allocate or loop for long).
        mutating func count(_ what: String, minimumBytesEach: Int) throws -> Int {
            let at = offset
            let raw = try u64(what)
            let limit = minimumBytesEach > 0 ? remaining / minimumBytesEach : remaining
            guard raw <= UInt64(limit) else {
                throw fail("\(what) is \(raw), more than the \(remaining) bytes left in the file can hold", at: at)
            }
            return Int(raw)
        }

        mutating func string(_ what: String) throws -> String {
            let at = offset
            let length = try u64("the length of \(what)")
            guard length <= UInt64(remaining) else {
                throw fail("\(what) claims \(length) bytes but only \(remaining) remain in the file", at: at)
            }
            let n = Int(length)
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
            offset += n
            // llama.cpp does not require UTF-8 here (byte tokens), so repair rather than refuse.
            return String(decoding: slice, as: UTF8.self)
        }

        mutating func value(type: UInt32, key: String, depth: Int = 0) throws -> GGUFValue {
            switch type {
            case 0: return .uint8(try u8("the value of `\(key)`"))
            case 1: return .int8(Int8(bitPattern: try u8("the value of `\(key)`")))
            case 2: return .uint16(UInt16(try little(2, "the value of `\(key)`")))
            case 3: return .int16(Int16(bitPattern: UInt16(try little(2, "the value of `\(key)`"))))
            case 4: return .uint32(try u32("the value of `\(key)`"))
            case 5: return .int32(Int32(bitPattern: try u32("the value of `\(key)`")))
            case 6: return .float32(Float(bitPattern: try u32("the value of `\(key)`")))
            case 7:
                let at = offset
                let b = try u8("the value of `\(key)`")
                guard b <= 1 else { throw fail("`\(key)` is a bool stored as \(b), not 0 or 1", at: at) }
                return .bool(b == 1)
            case 8: return .string(try string("the string value of `\(key)`"))
            case 9:
                guard depth < 4 else { throw fail("`\(key)` nests arrays more than 4 deep") }
                let at = offset
                let elementType = try u32("the element type of array `\(key)`")
                guard elementType <= 12 else {
                    throw fail("array `\(key)` has unknown element type \(elementType) (GGUF value types are 0–12)", at: at)
                }
                let minimum = Self.minimumSize(of: elementType)
                let n = try count("the length of array `\(key)`", minimumBytesEach: minimum)
                var values: [GGUFValue] = []
                values.reserveCapacity(n)
                for _ in 0..<n { values.append(try value(type: elementType, key: key, depth: depth + 1)) }
                return .array(elementType: elementType, values: values)
            case 10: return .uint64(try u64("the value of `\(key)`"))
            case 11: return .int64(Int64(bitPattern: try u64("the value of `\(key)`")))
            case 12: return .float64(Double(bitPattern: try u64("the value of `\(key)`")))
            default:
                throw fail("`\(key)` has unknown value type \(type) (GGUF value types are 0–12)", at: offset - 4)
            }
        }

        static func minimumSize(of type: UInt32) -> Int {
            switch type {
            case 0, 1, 7: return 1
            case 2, 3: return 2
            case 4, 5, 6: return 4
            case 8, 10, 11, 12: return 8
            case 9: return 12
            default: return 1
            }
        }

        mutating func parse() throws -> Header {
            let head = Array(bytes.prefix(32))
            guard Array(head.prefix(4)) == GGUFReader.magic else {
                throw fail("not a GGUF file: it does not start with `GGUF`" + GGUFReader.guess(head), at: 0)
            }
            offset = 4
            let version = try u32("the version")
            guard GGUFReader.supportedVersions.contains(version) else {
                let hint = version == 1 ? " (GGUF v1 used 32-bit counts; re-convert the model)"
                    : (version > 3 && version.byteSwapped <= 3 ? " (it looks byte-swapped: a big-endian GGUF)" : "")
                throw fail("GGUF version \(version) is not supported; hone reads versions 2 and 3\(hint)", at: 4)
            }
            // Each tensor info needs at least 8 (name length) + 4 + 8 + 4 + 8 bytes; each kv 8 + 4 + 1.
            let tensorCount = try count("the tensor count", minimumBytesEach: 0)
            let kvCount = try count("the metadata count", minimumBytesEach: 0)
            guard tensorCount <= remaining / 32 else {
                throw fail("the tensor count \(tensorCount) is more than the \(remaining) bytes left in the file can describe", at: 8)
            }
            guard kvCount <= remaining / 13 else {
                throw fail("the metadata count \(kvCount) is more than the \(remaining) bytes left in the file can hold", at: 16)
            }

            var metadata: [String: GGUFValue] = [:]
            var keys: [String] = []
            for _ in 0..<kvCount {
                let at = offset
                let key = try string("a metadata key")
                guard metadata[key] == nil else { throw fail("the metadata key `\(key)` appears twice", at: at) }
                let type = try u32("the value type of `\(key)`")
                metadata[key] = try value(type: type, key: key)
                keys.append(key)
            }

            var alignment = GGUFReader.defaultAlignment
            if let value = metadata["general.alignment"] {
                guard let a = value.int, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                    throw fail("`general.alignment` is \(value), not a power of two up to 1 MiB", at: 0)
                }
                alignment = a
            }

            var names: [String] = []
            var pending: [(name: String, type: UInt32, shape: [Int], relative: UInt64, infoOffset: Int)] = []
            var seen = Set<String>()
            for _ in 0..<tensorCount {
                tensor = nil
                let at = offset
                let name = try string("a tensor name")
                tensor = name
                guard !seen.contains(name) else { throw fail("two tensors are named `\(name)`", at: at) }
                seen.insert(name)
                let dimsAt = offset
                let nDims = try u32("the dimension count")
                guard (1...4).contains(nDims) else {
                    throw fail("the tensor has \(nDims) dimensions; GGUF tensors have 1 to 4", at: dimsAt)
                }
                var dims: [Int] = []
                var elements = 1
                for _ in 0..<nDims {
                    let dAt = offset
                    let d = try u64("a dimension")
                    guard d <= UInt64(Int.max) else { throw fail("dimension \(d) is too large", at: dAt) }
                    let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                    guard !overflow else { throw fail("the dimensions \(dims + [Int(d)]) have more elements than can be addressed", at: dAt) }
                    elements = product
                    dims.append(Int(d))
                }
                let type = try u32("the tensor type")
                let relAt = offset
                let relative = try u64("the data offset")
                guard relative % UInt64(alignment) == 0 else {
                    throw fail("the data offset \(relative) is not a multiple of the alignment \(alignment)", at: relAt)
                }
                names.append(name)
                pending.append((name, type, Array(dims.reversed()), relative, at))
            }
            tensor = nil

            let headerEnd = offset
            let (padded, overflow) = headerEnd.addingReportingOverflow(alignment - 1)
            guard !overflow else { throw fail("the header is too large") }
            let dataStart = padded / alignment * alignment
            let dataSize = max(0, bytes.count - dataStart)

            var entries: [String: Entry] = [:]
            for item in pending {
                tensor = item.name
                let elements = item.shape.reduce(1, *)
                let typeName = GGMLType(rawValue: item.type)?.name ?? "type \(item.type)"
                guard let layout = GGMLType(rawValue: item.type)?.blockLayout else {
                    throw fail("the tensor has unknown or unsized ggml type \(typeName)", at: item.infoOffset)
                }
                let rowLength = item.shape.last ?? 1
                guard rowLength % layout.elements == 0 else {
                    throw fail("a row of \(rowLength) elements is not a whole number of \(typeName) blocks of \(layout.elements)", at: item.infoOffset)
                }
                let (byteCount, byteOverflow) = (elements / layout.elements).multipliedReportingOverflow(by: layout.bytes)
                guard !byteOverflow, item.relative <= UInt64(dataSize), byteCount <= dataSize - Int(item.relative) else {
                    throw fail("the tensor's \(byteOverflow ? "too many" : String(byteCount)) bytes at data offset \(item.relative) run past the \(dataSize)-byte data section (the file is truncated or the header lies)",
                               at: item.infoOffset)
                }
                let begin = dataStart + Int(item.relative)
                entries[item.name] = Entry(typeNumber: item.type, shape: item.shape, begin: begin, end: begin + byteCount)
            }
            tensor = nil
            // No two tensors may share bytes.
            let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
            for (previous, next) in zip(ordered, ordered.dropFirst()) where next.value.begin < previous.value.end {
                throw CheckpointError(file: path, tensor: next.key, offset: next.value.begin,
                                      "the tensor's bytes overlap those of `\(previous.key)` (which end at byte \(previous.value.end))")
            }
            return Header(version: version, metadata: metadata, metadataKeys: keys, names: names,
                          entries: entries, alignment: alignment, dataStart: dataStart)
        }
    }
}
