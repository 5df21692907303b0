import Foundation
import HoneModels
import HoneTensor
import Testing

/// Small files written by the reference Python implementations (`scripts/make-reader-fixtures`:
/// llama.cpp's `gguf` package, `safetensors`, numpy), read by hone's readers and compared with the
/// values the reference recorded in `Fixtures/fixtures.json`.
@Suite("Reader fixtures made by other implementations")
struct FixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }

    static func sidecar(_ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("fixtures.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(json["files"] as? [String: Any])
        return try #require(files[file] as? [String: Any], "fixtures.json has no entry for \(file)")
    }

    /// Expected (type, shape, values) per tensor of `file`.
    static func expected(_ file: String) throws -> [String: (type: String, shape: [Int], values: [Float])] {
        let tensors = try #require(try sidecar(file)["tensors"] as? [String: [String: Any]])
        return tensors.mapValues { entry in
            (entry["type"] as! String, entry["shape"] as! [Int], (entry["values"] as! [NSNumber]).map { Float($0.doubleValue) })
        }
    }

    /// Compares every tensor of `file` that `read` returns with the sidecar, bit for bit.
    static func compare(_ file: String, names: [String], read: (String) throws -> Tensor) throws -> Int {
        let expected = try expected(file)
        #expect(Set(names) == Set(expected.keys), "\(file)")
        for (name, entry) in expected {
            let tensor = try read(name)
            #expect(tensor.shape == entry.shape, "\(file) \(name)")
            #expect(tensor.scalars.map(\.bitPattern) == entry.values.map(\.bitPattern), "\(file) \(name) (\(entry.type))")
        }
        return expected.values.reduce(0) { $0 + $1.values.count }
    }

    @Test("GGUF v2 from gguf-py: every metadata type and F32 tensors")
    func ggufV2() throws {
        let reader = try GGUFReader(path: Self.path("v2.gguf"))
        let sidecar = try Self.sidecar("v2.gguf")
        #expect(reader.version == 2)
        let metadata = try #require(sidecar["metadata"] as? [String: Any])
        for (key, value) in metadata {
            let stored = try #require(reader.metadata[key], "\(key)")
            switch value {
            case let string as String: #expect(stored.string == string, "\(key)")
            case let strings as [String]: #expect(stored.array?.compactMap(\.string) == strings, "\(key)")
            case let numbers as [NSNumber]: #expect(stored.array?.compactMap(\.int) == numbers.map(\.intValue), "\(key)")
            case let number as NSNumber where key == "fixture.bool": #expect(stored.bool == number.boolValue, "\(key)")
            case let number as NSNumber where key == "fixture.u64": #expect(stored == .uint64(number.uint64Value), "\(key)")
            case let number as NSNumber where key == "fixture.i64": #expect(stored == .int64(number.int64Value), "\(key)")
            case let number as NSNumber: #expect(stored.double == number.doubleValue, "\(key): \(stored)")
            default: Issue.record("unexpected sidecar value for \(key)")
            }
        }
        #expect(reader.metadata["fixture.u8"] == .uint8(250) && reader.metadata["fixture.i16"] == .int16(-32000))
        #expect(reader.metadata["fixture.f64"] == .float64(1e-300) && reader.metadata["fixture.f32"] == .float32(0.25))
        let count = try Self.compare("v2.gguf", names: reader.tensorNames, read: reader.tensor)
        #expect(count == 29)
    }

    @Test("GGUF v3 from gguf-py: F16, Q8_0 and Q4_0 dequantise to gguf-py's values; alignment 64")
    func ggufQuantized() throws {
        let reader = try GGUFReader(path: Self.path("quantized.gguf"))
        #expect(reader.version == 3 && reader.alignment == 64)
        #expect(try reader.info("q8_0").type == GGMLType.q8_0.rawValue && reader.info("q4_0").type == GGMLType.q4_0.rawValue)
        #expect(try reader.info("f16").type == GGMLType.f16.rawValue)
        let count = try Self.compare("quantized.gguf", names: reader.tensorNames, read: reader.tensor)
        #expect(count == 128 + 192 + 192 + 7)
    }

    @Test("a sharded safetensors directory with its index, from the safetensors package")
    func sharded() throws {
        let directory = Self.path("sharded")
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/model.safetensors.index.json"))) as! [String: Any]
        let map = index["weight_map"] as! [String: String]
        var readers: [String: SafeTensorsReader] = [:]
        for file in Set(map.values) { readers[file] = try SafeTensorsReader(path: directory + "/" + file) }
        #expect(readers.values.allSatisfy { $0.metadata == ["format": "pt"] })
        let count = try Self.compare("sharded", names: Array(map.keys)) { name in try readers[map[name]!]!.tensor(name) }
        #expect(count == 24 + 6 + 12)
        #expect((index["metadata"] as! [String: Any])["total_size"] as? Int == count * 4)
    }

    @Test("F16 and BF16 safetensors convert to the reference's float32 values")
    func halfPrecision() throws {
        let f16 = try SafeTensorsReader(path: Self.path("f16.safetensors"))
        #expect(try f16.info("h").dtype == .float16 && f16.info("scalar").shape == [])
        #expect(try Self.compare("f16.safetensors", names: f16.names, read: f16.tensor) == 16)
        let bf16 = try SafeTensorsReader(path: Self.path("bf16.safetensors"))
        #expect(try bf16.info("bf").dtype == .bfloat16)
        #expect(try Self.compare("bf16.safetensors", names: bf16.names, read: bf16.tensor) == 8)
    }

    @Test("the fixtures stay small")
    func size() throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: Self.directory))
        var total = 0
        for case let name as String in enumerator {
            total += (try FileManager.default.attributesOfItem(atPath: Self.path(name))[.size] as? Int) ?? 0
        }
        #expect(total < 200_000)
    }
}
