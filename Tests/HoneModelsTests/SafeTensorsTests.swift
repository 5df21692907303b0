import Foundation
import HoneModels
import HoneTensor
import Testing

// MARK: - Helpers

/// `../shared/models` beside the package, or nil (with the reason printed) when it is absent.
private func sharedModels(_ relative: String) -> String? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/HoneModelsTests/File.swift → package root
    let path = url.deletingLastPathComponent().appendingPathComponent("shared/models/\(relative)").path
    guard FileManager.default.fileExists(atPath: path) else {
        print("skipping: \(path) is not present")
        return nil
    }
    return path
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "hone-safetensors-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A file made of an 8-byte length (the header's own unless `length` is given), the header text and `data`.
private func craft(_ header: String, data: [UInt8] = [], length: UInt64? = nil, in directory: String, name: String = "bad.safetensors") throws -> String {
    let headerBytes = Array(header.utf8)
    let n = length ?? UInt64(headerBytes.count)
    var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
    bytes += headerBytes + data
    let path = directory + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

private func readError(_ path: String) -> CheckpointError? {
    do {
        _ = try SafeTensorsReader(path: path)
        return nil
    } catch let error as CheckpointError {
        return error
    } catch {
        Issue.record("expected a CheckpointError, got \(error)")
        return nil
    }
}

// MARK: - Malformed files

private struct Malformed: CustomStringConvertible, Sendable {
    let description: String
    let header: String
    let data: Int
    let length: UInt64?
    let tensor: String?
    let messagePart: String

    init(_ description: String, _ header: String, data: Int = 16, length: UInt64? = nil, tensor: String?, _ messagePart: String) {
        self.description = description
        self.header = header
        self.data = data
        self.length = length
        self.tensor = tensor
        self.messagePart = messagePart
    }
}

private let malformedCases: [Malformed] = [
    Malformed("header length beyond the file", #"{}"#, length: 1000, tensor: nil, "runs past the end"),
    Malformed("absurd header length", #"{}"#, length: UInt64.max, tensor: nil, "implausibly large"),
    Malformed("bad JSON", #"{"a":{"dtype":"F32","#, tensor: nil, "not valid JSON"),
    Malformed("header not an object", #"[1,2]"#, tensor: nil, "not a JSON object"),
    Malformed("entry not an object", #"{"w":[1,2]}"#, tensor: "w", "not an object"),
    Malformed("missing dtype", #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, tensor: "w", "no `dtype`"),
    Malformed("unknown dtype F64", #"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#, tensor: "w", "dtype F64 is not supported; hone reads F32, F16, BF16, I32"),
    Malformed("unknown dtype I64", #"{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, tensor: "w", "dtype I64"),
    Malformed("unknown dtype U8", #"{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#, tensor: "w", "dtype U8"),
    Malformed("unknown dtype BOOL", #"{"w":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}"#, tensor: "w", "dtype BOOL"),
    Malformed("negative dimension", #"{"w":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}}"#, tensor: "w", "not a non-negative integer"),
    Malformed("fractional dimension", #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, tensor: "w", "not a non-negative integer"),
    Malformed("overflowing element count", #"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}"#, tensor: "w", "more elements than"),
    Malformed("byte count overflows", #"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}"#, tensor: "w", "more than can be addressed"),
    Malformed("missing offsets", #"{"w":{"dtype":"F32","shape":[4]}}"#, tensor: "w", "no `data_offsets`"),
    Malformed("offsets past the buffer", #"{"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}"#, tensor: "w", "run past the 16-byte data buffer"),
    Malformed("negative offsets", #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, tensor: "w", "negative"),
    Malformed("reversed offsets", #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, tensor: "w", "reversed"),
    Malformed("length mismatch", #"{"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}}"#, tensor: "w", "hold 16 bytes, but shape [2, 2] of F16 needs 8"),
    Malformed("overlap", #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, tensor: "b", "overlap those of `a`"),
    Malformed("bad metadata", #"{"__metadata__":{"k":1}}"#, tensor: nil, "`__metadata__` entry `k`"),
]

@Suite("SafeTensors")
struct SafeTensorsTests {

// MARK: - Shared model files

@Test("stories260K-hf: names and shapes match config.json")
func safeTensorsStoriesNamesAndShapes() throws {
    guard let path = sharedModels("stories260K-hf/model.safetensors") else { return }
    let reader = try SafeTensorsReader(path: path)
    #expect(reader.metadata == ["format": "pt"])
    // hidden 64, intermediate 172, 5 layers, 8 heads / 4 kv heads of size 8, vocab 512.
    var expected: [String: [Int]] = ["model.embed_tokens.weight": [512, 64], "model.norm.weight": [64], "lm_head.weight": [512, 64]]
    for layer in 0..<5 {
        let p = "model.layers.\(layer)."
        expected[p + "self_attn.q_proj.weight"] = [64, 64]
        expected[p + "self_attn.k_proj.weight"] = [32, 64]
        expected[p + "self_attn.v_proj.weight"] = [32, 64]
        expected[p + "self_attn.o_proj.weight"] = [64, 64]
        expected[p + "mlp.gate_proj.weight"] = [172, 64]
        expected[p + "mlp.up_proj.weight"] = [172, 64]
        expected[p + "mlp.down_proj.weight"] = [64, 172]
        expected[p + "input_layernorm.weight"] = [64]
        expected[p + "post_attention_layernorm.weight"] = [64]
    }
    #expect(reader.names == expected.keys.sorted())
    #expect(reader.names == reader.names.sorted())
    for (name, shape) in expected {
        let info = try reader.info(name)
        #expect(info.dtype == .float32, "\(name)")
        #expect(info.shape == shape, "\(name)")
    }
}

@Test("stories260K-hf: the embedding equals the llama2.c checkpoint's first tensor")
func safeTensorsStoriesEmbeddingMatchesLlama2C() throws {
    guard let path = sharedModels("stories260K-hf/model.safetensors"),
          let binPath = sharedModels("stories260K/stories260K.bin") else { return }
    let reader = try SafeTensorsReader(path: path)
    let embedding = try reader.tensor("model.embed_tokens.weight")
    #expect(embedding.shape == [512, 64])
    #expect(embedding.dtype == .float32)
    let bin = try Data(contentsOf: URL(fileURLWithPath: binPath))
    let expected: [Float] = bin.withUnsafeBytes { raw in
        (0..<(512 * 64)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 28 + 4 * $0, as: UInt32.self).littleEndian) }
    }
    #expect(embedding.scalars == expected)
    #expect(try reader.tensor("lm_head.weight").scalars == expected)
}

@Test("gpt2-tiny-random: names and dtypes")
func safeTensorsGPT2Names() throws {
    guard let path = sharedModels("gpt2-tiny-random/model.safetensors"),
          let configPath = sharedModels("gpt2-tiny-random/config.json") else { return }
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
    let embd = config["n_embd"] as! Int, vocab = config["vocab_size"] as! Int, layers = config["n_layer"] as! Int
    let positions = config["n_positions"] as! Int
    let reader = try SafeTensorsReader(path: path)
    #expect(try reader.info("transformer.wte.weight").shape == [vocab, embd])
    #expect(try reader.info("transformer.wpe.weight").shape == [positions, embd])
    for layer in 0..<layers {
        #expect(try reader.info("transformer.h.\(layer).attn.c_attn.weight").shape == [embd, 3 * embd])
        #expect(try reader.info("transformer.h.\(layer).attn.c_attn.bias").shape == [3 * embd])
    }
    for name in reader.names {
        #expect(try reader.info(name).dtype == .float32, "\(name)")
    }
    let wte = try reader.tensor("transformer.wte.weight")
    #expect(wte.scalars.allSatisfy { $0.isFinite })
}

@Test("every safetensors file in ../shared/models opens and all its tensors load")
func safeTensorsAllSharedFiles() throws {
    guard let root = sharedModels("") else { return }
    let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
        .filter { $0.hasSuffix(".safetensors") }
    #expect(files.count >= 4)
    for file in files {
        let reader = try SafeTensorsReader(path: root + "/" + file)
        #expect(!reader.names.isEmpty, "\(file)")
        for name in reader.names {
            let tensor = try reader.tensor(name)
            #expect(tensor.shape == (try reader.info(name)).shape, "\(file): \(name)")
        }
    }
}

@Test("an unknown tensor name suggests the nearest one")
func safeTensorsDidYouMean() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/m.safetensors"
    try SafeTensorsWriter.write([("model.norm.weight", Tensor(shape: [2], values: [1, 2]))], metadata: [:], to: path)
    let reader = try SafeTensorsReader(path: path)
    do {
        _ = try reader.tensor("model.nrom.weight")
        Issue.record("expected an error")
    } catch let error as CheckpointError {
        #expect(error.tensor == "model.nrom.weight")
        #expect(error.message.contains("did you mean `model.norm.weight`?"))
    }
    do {
        _ = try reader.info("something.else.entirely")
        Issue.record("expected an error")
    } catch let error as CheckpointError {
        #expect(!error.message.contains("did you mean"))
    }
}

// MARK: - Writer

@Test("write then read round-trips F32, F16 and BF16", arguments: [DType.float32, .float16, .bfloat16])
func safeTensorsRoundTrip(dtype: DType) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/out.safetensors"
    var rng = RandomGenerator(seed: 7)
    let a = Tensor.randn([3, 5], using: &rng)
    let b = Tensor(shape: [4], values: [0, -1.5, 65504, 1e-3])
    let empty = Tensor.zeros([0, 3])
    let scalar = Tensor.scalar(2.5)
    let tensors: [(String, Tensor)] = [("z.last", a), ("a.first", b), ("empty", empty), ("scalar", scalar)]
    try SafeTensorsWriter.write(tensors, metadata: ["format": "pt", "note": "quote \" and \\ slash"], to: path, dtype: dtype)

    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect(n % 8 == 0)
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
    #expect(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\""))
    #expect(header.range(of: "\"a.first\"")!.lowerBound < header.range(of: "\"z.last\"")!.lowerBound)
    #expect(bytes.count == 8 + n + (15 + 4 + 0 + 1) * dtype.byteSize)

    let reader = try SafeTensorsReader(path: path)
    #expect(reader.names == ["a.first", "empty", "scalar", "z.last"])
    #expect(reader.metadata == ["format": "pt", "note": "quote \" and \\ slash"])
    // Tensors lie contiguously in the order given.
    #expect(reader.entries["z.last"]!.begin == reader.dataStart)
    for (name, tensor) in tensors {
        let info = try reader.info(name)
        #expect(info.dtype == dtype)
        #expect(info.shape == tensor.shape)
        let back = try reader.tensor(name)
        #expect(back.dtype == .float32)
        #expect(back.shape == tensor.shape)
        let expected = tensor.converted(to: dtype).converted(to: .float32).scalars
        #expect(back.scalars == expected, "\(name)")
    }
    if dtype == .float32 { #expect(try reader.tensor("z.last").scalars == a.scalars) }
}

@Test("the writer stores a non-contiguous view in row-major order")
func safeTensorsWriterTransposed() throws {
    let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).transposed()
    let bytes = try SafeTensorsWriter.encode([("t", t)])
    let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let floats = (0..<6).map { i in
        Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[8 + n + 4 * i + $1]) << (8 * UInt32($1)) })
    }
    #expect(floats == [1, 4, 2, 5, 3, 6])
}

@Test("errors about tensor bytes give the absolute file offset")
func safeTensorsErrorOffsets() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,16]}}"#
    let path = try craft(header, data: [UInt8](repeating: 0, count: 16), in: dir)
    let error = readError(path)
    #expect(error?.tensor == "w")
    #expect(error?.offset == 8 + header.utf8.count + 4)
    #expect(error?.description.hasPrefix("\(path), tensor `w`, byte ") == true)
}

@Test("the writer refuses duplicate and reserved names")
func safeTensorsWriterRefusesBadNames() throws {
    let t = Tensor(shape: [1], values: [1])
    #expect(throws: CheckpointError.self) { try SafeTensorsWriter.encode([("x", t), ("x", t)]) }
    #expect(throws: CheckpointError.self) { try SafeTensorsWriter.encode([("__metadata__", t)]) }
}

@Test("I32 tensors are read as float32")
func safeTensorsReadsInt32() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let values: [Int32] = [3, -7, 1 << 20]
    let data = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }
    let path = try craft(#"{"ids":{"dtype":"I32","shape":[3],"data_offsets":[0,12]}}"#, data: data, in: dir)
    let reader = try SafeTensorsReader(path: path)
    #expect(try reader.info("ids").dtype == .int32)
    #expect(try reader.tensor("ids").scalars == [Float(3), -7, 1_048_576])
}

@Test("malformed headers are refused with the tensor named", arguments: malformedCases)
private func safeTensorsMalformed(_ bad: Malformed) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = try craft(bad.header, data: [UInt8](repeating: 0, count: bad.data), length: bad.length, in: dir)
    guard let error = readError(path) else {
        Issue.record("\(bad): the file was accepted")
        return
    }
    #expect(error.file == path)
    #expect(error.tensor == bad.tensor, "\(bad): \(error)")
    #expect(error.message.contains(bad.messagePart), "\(bad): \(error)")
}

@Test("invalid UTF-8 and short files are refused")
func safeTensorsShortAndInvalidUTF8() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for size in 0..<8 {
        let path = dir + "/short\(size).safetensors"
        try Data([UInt8](repeating: 0, count: size)).write(to: URL(fileURLWithPath: path))
        #expect(readError(path)?.message.contains("shorter than the 8-byte header length") == true)
    }
    var bytes: [UInt8] = [4, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0xFE, 0x7D]
    let path = dir + "/utf8.safetensors"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(readError(path)?.message.contains("not valid UTF-8") == true)
    bytes = [2, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D]
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let empty = try SafeTensorsReader(path: path)
    #expect(empty.names.isEmpty)
    #expect(readError(dir + "/missing.safetensors")?.message.contains("cannot open") == true)
}

@Test("a real file truncated at many points is refused, never a crash")
func safeTensorsTruncated() throws {
    guard let source = sharedModels("stories260K-hf/model.safetensors") else { return }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
    var rng = SystemRandomNumberGenerator()
    var cuts = [0, 4, 8, 9, 100, 4951, 4952, 4953, bytes.count - 1]
    cuts += (0..<12).map { _ in Int.random(in: 0..<bytes.count, using: &rng) }
    for cut in cuts {
        let path = dir + "/cut.safetensors"
        try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
        #expect(readError(path) != nil, "truncated at \(cut)")
    }
    // Random bytes flipped in the header: an error or a valid reading, never a crash.
    for _ in 0..<40 {
        var flipped = bytes
        let at = Int.random(in: 0..<4952, using: &rng)
        flipped[at] ^= UInt8.random(in: 1...255, using: &rng)
        let path = dir + "/flip.safetensors"
        try flipped.write(to: URL(fileURLWithPath: path))
        if let reader = try? SafeTensorsReader(path: path) {
            for name in reader.names { _ = try? reader.tensor(name) }
        }
    }
}
}
