import Foundation
import HoneTensor

/// Writes `.safetensors` files that the `safetensors` package and `SafeTensorsReader` read: the
/// header JSON has sorted keys and is padded with spaces to a multiple of 8 bytes, the tensors'
/// bytes follow contiguously in the order given, and the file is written atomically.
public enum SafeTensorsWriter {
    /// The safetensors name of a dtype.
    public static func name(of dtype: DType) -> String {
        switch dtype {
        case .float32: return "F32"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .int32: return "I32"
        }
    }

    /// Writes `tensors` (in this order) as `dtype`, with `metadata` as `__metadata__` when it is
    /// not empty. Tensor names must be unique and must not be `__metadata__`.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String, dtype: DType = .float32) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata, path: path, dtype: dtype), to: path)
    }

    /// The bytes of the file `write` would write.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], path: String = "<memory>", dtype: DType = .float32) throws -> [UInt8] {
        var seen = Set<String>()
        var payloads: [(name: String, shape: [Int], bytes: [UInt8])] = []
        for (name, tensor) in tensors {
            guard name != "__metadata__" else { throw CheckpointError(file: path, tensor: name, "`__metadata__` is reserved and cannot name a tensor") }
            guard seen.insert(name).inserted else { throw CheckpointError(file: path, tensor: name, "two tensors have this name") }
            payloads.append((name, tensor.shape, bytes(of: tensor, as: dtype)))
        }
        var fields: [(String, String)] = []
        var offset = 0
        for payload in payloads {
            let end = offset + payload.bytes.count
            let shape = payload.shape.map(String.init).joined(separator: ",")
            fields.append((payload.name, "{\"data_offsets\":[\(offset),\(end)],\"dtype\":\"\(name(of: dtype))\",\"shape\":[\(shape)]}"))
            offset = end
        }
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(quoted($0.value))" }
            fields.append(("__metadata__", "{" + items.joined(separator: ",") + "}"))
        }
        fields.sort { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        var header = Array(("{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out += header
        for payload in payloads { out += payload.bytes }
        return out
    }

    /// The row-major bytes of `tensor`'s values stored as `dtype`.
    static func bytes(of tensor: Tensor, as dtype: DType) -> [UInt8] {
        let source = tensor.dtype == .float32 ? tensor.contiguous() : tensor.contiguous().converted(to: .float32)
        let stored = source.converted(to: dtype).contiguous()
        return withExtendedLifetime(stored) {
            let start = stored.storage.raw + stored.offset * dtype.byteSize
            return Array(UnsafeRawBufferPointer(start: start, count: stored.count * dtype.byteSize))
        }
    }

    /// A JSON string literal.
    static func quoted(_ string: String) -> String {
        var out = ""
        JSONText.appendString(string, to: &out)
        return out
    }
}
