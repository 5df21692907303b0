import Foundation
import HoneTensor

/// Reads a `.safetensors` file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// mapping tensor names to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the
/// byte buffer after the header) plus an optional `__metadata__` string map, then the tensor bytes.
///
/// The whole header is validated when the reader is made, so a truncated or lying file is refused
/// up front with a `CheckpointError` naming the file, the tensor and the byte offset. Tensor bytes
/// are read from a read-only memory map and copied once, when `tensor(_:)` asks for them.
public final class SafeTensorsReader: @unchecked Sendable {
    /// One tensor as the header describes it. `begin` and `end` are absolute file offsets.
    public struct Entry: Sendable {
        public let dtype: DType
        public let shape: [Int]
        public let begin: Int
        public let end: Int
    }

    /// The dtypes hone reads, by their safetensors names.
    public static let supportedDTypes: [(name: String, dtype: DType)] = [
        ("F32", .float32), ("F16", .float16), ("BF16", .bfloat16), ("I32", .int32),
    ]

    /// Headers larger than this are refused as implausible (the `safetensors` package uses the same limit).
    public static let maximumHeaderLength = 100 * 1024 * 1024

    public let path: String
    /// The `__metadata__` map, empty when the file has none.
    public let metadata: [String: String]
    /// Tensor names, sorted.
    public let names: [String]
    public let entries: [String: Entry]
    /// Absolute file offset of the first byte after the header.
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
        guard size >= 8 else {
            throw CheckpointError(file: path, offset: 0, "the file is \(size) bytes, shorter than the 8-byte header length of a safetensors file")
        }
        let parsed = try Self.parseHeader(file.bytes, path: path)
        self.metadata = parsed.metadata
        self.entries = parsed.entries
        self.names = parsed.entries.keys.sorted()
        self.dataStart = parsed.dataStart
    }

    /// The stored dtype and shape of `name`.
    public func info(_ name: String) throws -> (dtype: DType, shape: [Int]) {
        let entry = try entry(name)
        return (entry.dtype, entry.shape)
    }

    /// `name`'s values as a contiguous float32 tensor (F16, BF16 and I32 are converted).
    public func tensor(_ name: String) throws -> Tensor {
        let entry = try entry(name)
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[entry.begin..<entry.end])
        let raw = Tensor.fromRaw(bytes, dtype: entry.dtype, shape: entry.shape)
        let result = raw.converted(to: .float32)
        result.name = name
        return result
    }

    public func contains(_ name: String) -> Bool { entries[name] != nil }

    private func entry(_ name: String) throws -> Entry {
        if let entry = entries[name] { return entry }
        var message = "no tensor named `\(name)` in this file"
        if let near = Self.nearest(to: name, in: names) { message += "; did you mean `\(near)`?" }
        throw CheckpointError(file: path, tensor: name, message)
    }

    // MARK: - Header

    private static func parseHeader(_ file: UnsafeRawBufferPointer, path: String)
        throws -> (metadata: [String: String], entries: [String: Entry], dataStart: Int)
    {
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(file[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw CheckpointError(file: path, offset: 0, "the header length \(length) is implausibly large (more than \(maximumHeaderLength) bytes)")
        }
        let headerLength = Int(length)
        guard headerLength <= file.count - 8 else {
            throw CheckpointError(file: path, offset: 0, "the header length \(headerLength) runs past the end of the \(file.count)-byte file")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        guard let text = String(validating: headerBytes, as: UTF8.self) else {
            throw CheckpointError(file: path, offset: 8, "the header is not valid UTF-8")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw CheckpointError(file: path, offset: 8, "the header is not valid JSON")
        }
        guard let object = json as? [String: Any] else {
            throw CheckpointError(file: path, offset: 8, "the header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let bufferSize = file.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError(file: path, offset: 8, "`__metadata__` is not an object of strings")
                }
                for (key, item) in map {
                    guard let string = item as? String else {
                        throw CheckpointError(file: path, offset: 8, "`__metadata__` entry `\(key)` is not a string")
                    }
                    metadata[key] = string
                }
                continue
            }
            entries[name] = try parseEntry(name, value, path: path, dataStart: dataStart, bufferSize: bufferSize)
        }
        // No two tensors may share bytes.
        let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.value.begin < previous.value.end {
            throw CheckpointError(
                file: path, tensor: next.key, offset: next.value.begin,
                "the tensor's bytes overlap those of `\(previous.key)` (which end at byte \(previous.value.end))")
        }
        return (metadata, entries, dataStart)
    }

    private static func parseEntry(_ name: String, _ value: Any, path: String, dataStart: Int, bufferSize: Int) throws -> Entry {
        func fail(_ message: String, offset: Int = 8) -> CheckpointError {
            CheckpointError(file: path, tensor: name, offset: offset, message)
        }
        guard let fields = value as? [String: Any] else { throw fail("the header entry is not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw fail("the header entry has no `dtype` string") }
        guard let dtype = supportedDTypes.first(where: { $0.name == dtypeName })?.dtype else {
            let supported = supportedDTypes.map(\.name).joined(separator: ", ")
            throw fail("dtype \(dtypeName) is not supported; hone reads \(supported)")
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw fail("the header entry has no `shape` array") }
        var shape: [Int] = []
        var elements = 1
        for dimension in shapeValues {
            guard let size = integer(dimension), size >= 0 else {
                throw fail("the shape \(describe(shapeValues)) has a dimension that is not a non-negative integer")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail("the shape \(describe(shapeValues)) has more elements than can be addressed") }
            shape.append(size)
            elements = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = integer(offsets[0]), let end = integer(offsets[1])
        else { throw fail("the header entry has no `data_offsets` pair of integers") }
        guard begin >= 0, end >= 0 else { throw fail("data_offsets [\(begin), \(end)] are negative") }
        guard begin <= end else { throw fail("data_offsets [\(begin), \(end)] are reversed", offset: dataStart + begin) }
        guard end <= bufferSize else {
            throw fail("data_offsets [\(begin), \(end)] run past the \(bufferSize)-byte data buffer (the file is truncated or the header lies)",
                       offset: dataStart + min(begin, bufferSize))
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, end - begin == expected else {
            throw fail("data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but shape \(shape) of \(dtypeName) needs \(overflow ? "more than can be addressed" : String(expected))",
                       offset: dataStart + begin)
        }
        return Entry(dtype: dtype, shape: shape, begin: dataStart + begin, end: dataStart + end)
    }

    /// An exact non-negative or negative integer from a JSON number; nil for fractions, booleans,
    /// strings and values beyond `Int`.
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        #if canImport(Darwin)
        if CFGetTypeID(number) == CFBooleanGetTypeID() { return nil }
        #endif
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) < 9.0e18 else { return nil }
        let int = number.int64Value
        guard Double(int) == double else { return nil }
        return Int(int)
    }

    private static func describe(_ values: [Any]) -> String {
        "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
    }

    // MARK: - Suggestions

    /// The name nearest to `name` by edit distance, when one is near enough to be a likely typo.
    static func nearest(to name: String, in candidates: [String]) -> String? {
        Suggestions.closest(to: name, among: candidates, limit: 1).first
    }
}
