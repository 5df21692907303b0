// Writes GGUF v3 files that `GGUFReader`, llama.cpp and the `gguf` Python package read:
// magic `GGUF`, u32 version 3, u64 tensor count, u64 metadata count, the metadata key/value
// pairs, the tensor infos (name, u32 dimension count, u64 dims innermost first, u32 ggml type,
// u64 data offset relative to the data section), zero padding to `general.alignment` (32 unless
// set), then each tensor's bytes, each padded to the alignment. Everything is little-endian.
import Foundation
import HoneTensor

/// Collects metadata and float32 tensors, then writes them as one GGUF v3 file, atomically.
///
///     var writer = GGUFWriter(f16Matrices: true)
///     writer.add("general.architecture", .string("llama"))
///     writer.add(tensor: "token_embd.weight", embedding)      // stored as F16: a 2-D matrix
///     writer.add(tensor: "output_norm.weight", norm)          // stored as F32: 1-D
///     try writer.write(to: "model.gguf")
///
/// Tensors are given in hone's row-major shape ([out, in]); the file lists ggml's dims, which are
/// the reverse (ne[0] = the row length), exactly as `GGUFReader` undoes them.
public struct GGUFWriter {
    /// The ggml types the writer stores.
    public static let writableTypes: [GGMLType] = [.f32, .f16]

    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [(name: String, tensor: Tensor, type: GGMLType)] = []
    /// Data alignment in bytes; a value other than 32 is recorded as `general.alignment`.
    public let alignment: Int
    /// Whether `add(tensor:_:)` without a type stores 2-D matrices as F16 (1-D tensors such as
    /// norms stay F32), as llama.cpp's converter does for `--outtype f16`.
    public let f16Matrices: Bool

    public init(f16Matrices: Bool = false, alignment: Int = GGUFReader.defaultAlignment) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "GGUFWriter: alignment \(alignment) is not a power of two")
        self.f16Matrices = f16Matrices
        self.alignment = alignment
    }

    /// The type `add(tensor:_:)` chooses for a tensor of `shape`: F16 for matrices when
    /// `f16Matrices`, otherwise F32.
    public static func storageType(for shape: [Int], f16Matrices: Bool) -> GGMLType {
        f16Matrices && shape.count == 2 ? .f16 : .f32
    }

    /// Adds (or replaces) metadata `key`.
    public mutating func add(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append((key, value))
        }
    }

    /// Adds a tensor under `name`, stored as `type` (F32 or F16; default: `storageType`).
    public mutating func add(tensor name: String, _ tensor: Tensor, type: GGMLType? = nil) {
        let chosen = type ?? Self.storageType(for: tensor.shape, f16Matrices: f16Matrices)
        precondition(Self.writableTypes.contains(chosen), "GGUFWriter: cannot store \(chosen.name); it writes F32 and F16")
        tensors.append((name, tensor, chosen))
    }

    /// Writes the file to `path` atomically (a temporary sibling, flushed and renamed), tensor by
    /// tensor, so the tensors' bytes are never all held in memory a second time.
    public func write(to path: String) throws {
        let (header, layout) = try encodeHeader(path: path)
        try AtomicFile.stream(to: path) { sink in
            try sink.write(header)
            for (item, size) in zip(tensors, layout) {
                let bytes = Self.bytes(of: item.tensor, as: item.type)
                precondition(bytes.count == size)
                try sink.write(bytes)
                let padding = Self.padded(size, alignment) - size
                if padding > 0 { try sink.write([UInt8](repeating: 0, count: padding)) }
            }
        }
    }

    /// The whole file in memory (for tests and small files).
    public func encode() throws -> [UInt8] {
        let (header, layout) = try encodeHeader(path: "<memory>")
        var out = header
        for (item, size) in zip(tensors, layout) {
            out += Self.bytes(of: item.tensor, as: item.type)
            out += [UInt8](repeating: 0, count: Self.padded(size, alignment) - size)
        }
        return out
    }

    // MARK: - Encoding

    /// The header (through the padding before the data section) and each tensor's byte size.
    func encodeHeader(path: String) throws -> ([UInt8], [Int]) {
        var kvs = metadata
        if let i = kvs.firstIndex(where: { $0.key == "general.alignment" }) {
            guard kvs[i].value.int == alignment else {
                throw CheckpointError(file: path, "`general.alignment` is \(kvs[i].value) but the writer aligns to \(alignment)")
            }
        } else if alignment != GGUFReader.defaultAlignment {
            kvs.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        var seenKeys = Set<String>()
        for (key, value) in kvs {
            guard seenKeys.insert(key).inserted else { throw CheckpointError(file: path, "the metadata key `\(key)` appears twice") }
            try Self.check(value, key: key, path: path)
        }
        var out = Encoder()
        out.bytes += GGUFReader.magic
        out.u32(3)
        out.u64(UInt64(tensors.count))
        out.u64(UInt64(kvs.count))
        for (key, value) in kvs {
            out.string(key)
            out.u32(Self.typeNumber(of: value))
            out.value(value)
        }
        var seenNames = Set<String>()
        var sizes: [Int] = []
        var offset = 0
        for item in tensors {
            guard seenNames.insert(item.name).inserted else {
                throw CheckpointError(file: path, tensor: item.name, "two tensors have this name")
            }
            let shape = item.tensor.shape
            guard (1...4).contains(shape.count) else {
                throw CheckpointError(file: path, tensor: item.name, "has \(shape.count) dimensions; GGUF tensors have 1 to 4")
            }
            out.string(item.name)
            out.u32(UInt32(shape.count))
            for d in shape.reversed() { out.u64(UInt64(d)) }
            out.u32(item.type.rawValue)
            out.u64(UInt64(offset))
            let size = item.tensor.count * item.type.blockLayout!.bytes
            sizes.append(size)
            offset += Self.padded(size, alignment)
        }
        out.bytes += [UInt8](repeating: 0, count: Self.padded(out.bytes.count, alignment) - out.bytes.count)
        return (out.bytes, sizes)
    }

    static func padded(_ n: Int, _ alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// The GGUF value type number of `value` (0–12).
    public static func typeNumber(of value: GGUFValue) -> UInt32 {
        switch value {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    /// Refuses arrays whose elements are not all of the declared element type.
    static func check(_ value: GGUFValue, key: String, path: String) throws {
        guard case .array(let elementType, let values) = value else { return }
        guard elementType <= 12 else { throw CheckpointError(file: path, "array `\(key)` has unknown element type \(elementType)") }
        for element in values {
            guard typeNumber(of: element) == elementType else {
                throw CheckpointError(file: path, "array `\(key)` declares element type \(elementType) but holds \(element) of type \(typeNumber(of: element))")
            }
            try check(element, key: key, path: path)
        }
    }

    /// The little-endian bytes of `tensor`'s values (row-major) stored as `type`.
    static func bytes(of tensor: Tensor, as type: GGMLType) -> [UInt8] {
        switch type {
        case .f32: return SafeTensorsWriter.bytes(of: tensor, as: .float32)
        case .f16: return SafeTensorsWriter.bytes(of: tensor, as: .float16)
        default: preconditionFailure("GGUFWriter: cannot store \(type.name)")
        }
    }

    struct Encoder {
        var bytes: [UInt8] = []

        mutating func little<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        }
        mutating func u32(_ v: UInt32) { little(v) }
        mutating func u64(_ v: UInt64) { little(v) }
        mutating func string(_ s: String) {
            let utf8 = Array(s.utf8)
            u64(UInt64(utf8.count))
            bytes += utf8
        }

        mutating func value(_ value: GGUFValue) {
            switch value {
            case .uint8(let v): little(v)
            case .int8(let v): little(v)
            case .uint16(let v): little(v)
            case .int16(let v): little(v)
            case .uint32(let v): little(v)
            case .int32(let v): little(v)
            case .float32(let v): little(v.bitPattern)
            case .bool(let v): bytes.append(v ? 1 : 0)
            case .string(let v): string(v)
            case .array(let elementType, let values):
                u32(elementType)
                u64(UInt64(values.count))
                for element in values { self.value(element) }
            case .uint64(let v): little(v)
            case .int64(let v): little(v)
            case .float64(let v): little(v.bitPattern)
            }
        }
    }
}
