import Foundation
import HoneModels
import HoneTensor
import Testing

/// Builds small GGUF files byte by byte.
private struct GGUFBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt16(i)))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    mutating func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        bytes += Array("GGUF".utf8); u32(version); u64(tensors); u64(kvs)
    }
    mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
    }
    mutating func pad(to alignment: Int = 32) { while bytes.count % alignment != 0 { bytes.append(0) } }
}

private func temporaryFile(_ bytes: [UInt8], name: String = "t.gguf") throws -> String {
    let dir = NSTemporaryDirectory() + "hone-gguf-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The CheckpointError that opening `bytes` throws (failing the test when it does not throw one).
private func openError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> CheckpointError? {
    let path = try temporaryFile(bytes)
    do {
        _ = try GGUFReader(path: path)
        Issue.record("expected the file to be refused", sourceLocation: sourceLocation)
        return nil
    } catch let error as CheckpointError {
        #expect(error.file == path, sourceLocation: sourceLocation)
        return error
    }
}

/// A valid one-tensor file: `w` of ggml dims `dims`, type `type`, with `data`.
private func oneTensor(dims: [UInt64], type: UInt32, data: [UInt8], kvs: (inout GGUFBuilder) -> UInt64 = { _ in 0 }) -> [UInt8] {
    var meta = GGUFBuilder()
    let n = kvs(&meta)
    var b = GGUFBuilder()
    b.header(tensors: 1, kvs: n)
    b.bytes += meta.bytes
    b.tensorInfo("w", dims: dims, type: type, offset: 0)
    b.pad()
    b.bytes += data
    return b.bytes
}

private func readFloats(_ path: String, offset: Int, count: Int) throws -> [Float] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { raw in
        (0..<count).map { i in Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)) }
    }
}

@Suite("GGUF")
struct GGUFReaderTests {
    static let gguf = "stories260K/stories260K.gguf"
    static let bin = "stories260K/stories260K.bin"

    @Test("stories260K.gguf: version, metadata and tokenizer")
    func realFileMetadata() throws {
        guard SharedModels.has(Self.gguf) else { return }
        let reader = try GGUFReader(path: SharedModels.path(Self.gguf))
        #expect(reader.version == 3)
        #expect(reader.metadata["general.architecture"]?.string == "llama")
        #expect(reader.metadata["llama.embedding_length"]?.int == 64)
        #expect(reader.metadata["llama.feed_forward_length"]?.int == 172)
        #expect(reader.metadata["llama.block_count"]?.int == 5)
        #expect(reader.metadata["llama.attention.head_count"]?.int == 8)
        #expect(reader.metadata["llama.attention.head_count_kv"]?.int == 4)
        #expect(reader.metadata["llama.rope.dimension_count"]?.int == 8)
        #expect(reader.metadata["llama.context_length"]?.int == 2048)
        let eps = try #require(reader.metadata["llama.attention.layer_norm_rms_epsilon"]?.double)
        #expect(abs(eps - 1e-5) < 1e-9)
        #expect(reader.tokenizerModel == "llama")
        let tokens = try #require(reader.tokens)
        #expect(tokens.count == 512)
        #expect(reader.scores?.count == 512)
        #expect(reader.tokenTypes?.count == 512)
        #expect(reader.bosTokenID == 1)
        #expect(reader.eosTokenID == 2)
        #expect(reader.unknownTokenID == 0)
        #expect(tokens[3] == "<0x00>")
        #expect(tokens[258] == "<0xFF>")
        #expect(reader.tensorNames.count == 48)
        #expect(Set(reader.tensorNames).count == 48)
        #expect(reader.tensorNames.contains("token_embd.weight"))
        #expect(reader.tensorNames.contains("blk.4.ffn_down.weight"))
    }

    @Test("stories260K.gguf tensors are bit-identical to stories260K.bin")
    func realFileTensors() throws {
        guard SharedModels.has(Self.gguf), SharedModels.has(Self.bin) else { return }
        let reader = try GGUFReader(path: SharedModels.path(Self.gguf))
        let binPath = SharedModels.path(Self.bin)

        let info = try reader.info("token_embd.weight")
        #expect(info.type == 0)
        #expect(info.shape == [512, 64])
        let embedding = try reader.tensor("token_embd.weight")
        #expect(embedding.shape == [512, 64])
        #expect(embedding.dtype == .float32)
        let expected = try readFloats(binPath, offset: 28, count: 512 * 64)
        #expect(embedding.scalars.map(\.bitPattern) == expected.map(\.bitPattern))

        let q = try reader.tensor("blk.0.attn_q.weight")
        #expect(q.shape == [64, 64])
        let wqOffset = 28 + 4 * (512 * 64 + 5 * 64)
        let wq = try readFloats(binPath, offset: wqOffset, count: 64 * 64)
        #expect(q.scalars.map(\.bitPattern) == wq.map(\.bitPattern))

        let k = try reader.tensor("blk.0.attn_k.weight")
        #expect(k.shape == [32, 64])
        let down = try reader.info("blk.0.ffn_down.weight")
        #expect(down.shape == [64, 172])

        // Every tensor reads.
        for name in reader.tensorNames { _ = try reader.tensor(name) }

        #expect(throws: CheckpointError.self) { try reader.tensor("token_embd.weigth") }
        do {
            _ = try reader.tensor("token_embd.weigth")
        } catch let error as CheckpointError {
            #expect(error.description.contains("did you mean `token_embd.weight`"))
        }
    }

    @Test("all 48 stories260K.gguf tensors equal the .bin's, bit for bit")
    func realFileAllTensors() throws {
        guard SharedModels.has(Self.gguf), SharedModels.has(Self.bin) else { return }
        let reader = try GGUFReader(path: SharedModels.path(Self.gguf))
        let binPath = SharedModels.path(Self.bin)
        // The .bin's layout: [name suffix (nil = not per-layer), per-layer shape] in file order.
        let (dim, hidden, layers, kvDim, vocab) = (64, 172, 5, 32, 512)
        let sections: [(gguf: String, shape: [Int], perLayer: Bool)] = [
            ("token_embd.weight", [vocab, dim], false),
            ("attn_norm.weight", [dim], true), ("attn_q.weight", [dim, dim], true),
            ("attn_k.weight", [kvDim, dim], true), ("attn_v.weight", [kvDim, dim], true),
            ("attn_output.weight", [dim, dim], true), ("ffn_norm.weight", [dim], true),
            ("ffn_gate.weight", [hidden, dim], true), ("ffn_down.weight", [dim, hidden], true),
            ("ffn_up.weight", [hidden, dim], true), ("output_norm.weight", [dim], false),
        ]
        var offset = 28
        var checked = Set<String>()
        for section in sections {
            let count = section.shape.reduce(1, *)
            for layer in 0..<(section.perLayer ? layers : 1) {
                let name = section.perLayer ? "blk.\(layer).\(section.gguf)" : section.gguf
                let t = try reader.tensor(name)
                #expect(t.shape == section.shape, "\(name)")
                let expected = try readFloats(binPath, offset: offset, count: count)
                #expect(t.scalars.map(\.bitPattern) == expected.map(\.bitPattern), "\(name)")
                checked.insert(name)
                offset += 4 * count
            }
        }
        let output = try reader.tensor("output.weight")
        #expect(output.scalars.map(\.bitPattern) == (try reader.tensor("token_embd.weight")).scalars.map(\.bitPattern))
        checked.insert("output.weight")
        #expect(checked == Set(reader.tensorNames))
    }

    @Test("Q8_0 dequantises a crafted block")
    func q8_0() throws {
        var data: [UInt8] = []
        let d = HalfConversion.half(from: 0.5)
        data += [UInt8(d & 0xFF), UInt8(d >> 8)]
        for i in 0..<32 { data.append(UInt8(bitPattern: Int8(i - 16))) }
        // Second block: scale 2, q = 127, -128, 0…
        let d2 = HalfConversion.half(from: 2)
        data += [UInt8(d2 & 0xFF), UInt8(d2 >> 8)]
        data += [127, 0x80] + [UInt8](repeating: 0, count: 30)
        let path = try temporaryFile(oneTensor(dims: [32, 2], type: 8, data: data))
        let reader = try GGUFReader(path: path)
        let t = try reader.tensor("w")
        #expect(t.shape == [2, 32])
        let v = t.scalars
        for i in 0..<32 { #expect(v[i] == 0.5 * Float(i - 16)) }
        #expect(v[32] == 254)
        #expect(v[33] == -256)
        #expect(v[34...].allSatisfy { $0 == 0 })
    }

    @Test("Q4_0 dequantises a crafted block (low nibbles first)")
    func q4_0() throws {
        var data: [UInt8] = []
        let d = HalfConversion.half(from: 0.25)
        data += [UInt8(d & 0xFF), UInt8(d >> 8)]
        // Byte j: low nibble j, high nibble 15 - j.
        for j in 0..<16 { data.append(UInt8(j) | UInt8(15 - j) << 4) }
        let path = try temporaryFile(oneTensor(dims: [32], type: 2, data: data))
        let t = try GGUFReader(path: path).tensor("w")
        #expect(t.shape == [32])
        let v = t.scalars
        for j in 0..<16 {
            #expect(v[j] == 0.25 * Float(j - 8))
            #expect(v[j + 16] == 0.25 * Float(15 - j - 8))
        }
    }

    @Test("F16 converts, and metadata of every type parses")
    func f16AndAllValueTypes() throws {
        var data: [UInt8] = []
        for x: Float in [1, -2, 0.5, 65504] { let h = HalfConversion.half(from: x); data += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        let bytes = oneTensor(dims: [2, 2], type: 1, data: data) { m in
            m.string("a.u8"); m.u32(0); m.u8(200)
            m.string("a.i8"); m.u32(1); m.u8(0xFF)
            m.string("a.u16"); m.u32(2); m.u16(60000)
            m.string("a.i16"); m.u32(3); m.u16(0xFFFE)
            m.string("a.u32"); m.u32(4); m.u32(4_000_000_000)
            m.string("a.i32"); m.u32(5); m.u32(UInt32(bitPattern: -7))
            m.string("a.f32"); m.u32(6); m.f32(1.5)
            m.string("a.bool"); m.u32(7); m.u8(1)
            m.string("a.str"); m.u32(8); m.string("héllo")
            m.string("a.arr"); m.u32(9); m.u32(5); m.u64(3); m.u32(1); m.u32(2); m.u32(3)
            m.string("a.u64"); m.u32(10); m.u64(1 << 40)
            m.string("a.i64"); m.u32(11); m.u64(UInt64(bitPattern: -9))
            m.string("a.f64"); m.u32(12); m.u64((0.25).bitPattern)
            m.string("a.nested"); m.u32(9); m.u32(9); m.u64(1); m.u32(8); m.u64(1); m.string("x")
            return 14
        }
        let reader = try GGUFReader(path: try temporaryFile(bytes))
        let m = reader.metadata
        #expect(m["a.u8"] == .uint8(200))
        #expect(m["a.i8"] == .int8(-1))
        #expect(m["a.u16"] == .uint16(60000))
        #expect(m["a.i16"] == .int16(-2))
        #expect(m["a.u32"] == .uint32(4_000_000_000))
        #expect(m["a.i32"] == .int32(-7))
        #expect(m["a.f32"] == .float32(1.5))
        #expect(m["a.bool"] == .bool(true))
        #expect(m["a.str"] == .string("héllo"))
        #expect(m["a.arr"] == .array(elementType: 5, values: [.int32(1), .int32(2), .int32(3)]))
        #expect(m["a.u64"] == .uint64(1 << 40))
        #expect(m["a.i64"] == .int64(-9))
        #expect(m["a.f64"] == .float64(0.25))
        #expect(m["a.nested"] == .array(elementType: 9, values: [.array(elementType: 8, values: [.string("x")])]))
        #expect(reader.metadataKeys.first == "a.u8")
        let t = try reader.tensor("w")
        #expect(t.shape == [2, 2])
        #expect(t.scalars == [1, -2, 0.5, 65504])
    }

    @Test("version 2 is read, alignment is honoured")
    func version2AndAlignment() throws {
        var b = GGUFBuilder()
        b.header(version: 2, tensors: 2, kvs: 1)
        b.string("general.alignment"); b.u32(4); b.u32(64)
        b.tensorInfo("a", dims: [3], type: 0, offset: 0)
        b.tensorInfo("b", dims: [2], type: 0, offset: 64)
        b.pad(to: 64)
        for x: Float in [1, 2, 3] { b.f32(x) }
        b.pad(to: 64)
        for x: Float in [4, 5] { b.f32(x) }
        let reader = try GGUFReader(path: try temporaryFile(b.bytes))
        #expect(reader.version == 2)
        #expect(reader.alignment == 64)
        #expect(reader.tensorNames == ["a", "b"])
        #expect(try reader.tensor("a").scalars == [1, 2, 3])
        #expect(try reader.tensor("b").scalars == [4, 5])
    }

    // MARK: - Malformed files

    @Test("foreign files are named")
    func badMagic() throws {
        var safetensors: [UInt8] = [2, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)
        safetensors += [UInt8](repeating: 0, count: 20)
        let e1 = try #require(try openError(safetensors))
        #expect(e1.message.contains("not a GGUF file"))
        #expect(e1.message.contains("safetensors"))
        #expect(e1.offset == 0)
        let pickle: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x41, count: 40)
        #expect(try #require(try openError(pickle)).message.contains("pickle"))
        if SharedModels.has(Self.bin) {
            do {
                _ = try GGUFReader(path: SharedModels.path(Self.bin))
                Issue.record("the .bin should be refused")
            } catch let error as CheckpointError {
                #expect(error.message.contains("llama2.c"))
                print("GGUF refusal example: \(error)")
            }
        }
        if SharedModels.has("stories260K-hf/model.safetensors") {
            do {
                _ = try GGUFReader(path: SharedModels.path("stories260K-hf/model.safetensors"))
                Issue.record("the safetensors file should be refused")
            } catch let error as CheckpointError {
                #expect(error.message.contains("safetensors"))
            }
        }
        let tiny = try #require(try openError(Array("GG".utf8)))
        #expect(tiny.message.contains("shorter"))
    }

    @Test("unsupported versions are refused")
    func badVersion() throws {
        for version: UInt32 in [1, 4, 0x0300_0000] {
            var b = GGUFBuilder()
            b.header(version: version, tensors: 0, kvs: 0)
            let e = try #require(try openError(b.bytes))
            #expect(e.message.contains("version \(version)"))
            #expect(e.offset == 4)
        }
    }

    @Test("counts that cannot fit in the file are refused")
    func hugeCounts() throws {
        var b = GGUFBuilder()
        b.header(tensors: UInt64.max, kvs: 0)
        #expect(try #require(try openError(b.bytes)).message.contains("tensor count"))
        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1 << 40)
        #expect(try #require(try openError(b.bytes)).message.contains("metadata count"))
    }

    @Test("strings and arrays longer than the file are refused")
    func longStringsAndArrays() throws {
        var b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.u64(1 << 62); b.bytes += Array("key".utf8) + [UInt8](repeating: 0, count: 16)
        let e = try #require(try openError(b.bytes))
        #expect(e.message.contains("metadata key"))
        #expect(e.offset == 24)

        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.string("k"); b.u32(9); b.u32(4); b.u64(1_000_000); b.u32(1)
        let e2 = try #require(try openError(b.bytes))
        #expect(e2.message.contains("array `k`"))

        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.string("k"); b.u32(9); b.u32(8); b.u64(2); b.string("a"); b.u64(500)
        #expect(try #require(try openError(b.bytes)).message.contains("`k`"))
    }

    @Test("unknown value types are refused")
    func unknownValueType() throws {
        var b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.string("k"); b.u32(13); b.u32(0)
        let e = try #require(try openError(b.bytes))
        #expect(e.message.contains("unknown value type 13"))
        #expect(e.offset == 24 + 9)
        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.string("k"); b.u32(9); b.u32(99); b.u64(0)
        #expect(try #require(try openError(b.bytes)).message.contains("element type 99"))
    }

    @Test("bad dimension counts and overflowing dims are refused")
    func badDims() throws {
        for dims: [UInt64] in [[], [1, 1, 1, 1, 1]] {
            let e = try #require(try openError(oneTensor(dims: dims, type: 0, data: [0, 0, 0, 0])))
            #expect(e.tensor == "w")
            #expect(e.message.contains("\(dims.count) dimensions"))
        }
        let e = try #require(try openError(oneTensor(dims: [1 << 40, 1 << 40], type: 0, data: [])))
        #expect(e.tensor == "w")
        #expect(e.message.contains("more elements than can be addressed"))
        let e2 = try #require(try openError(oneTensor(dims: [UInt64.max], type: 0, data: [])))
        #expect(e2.tensor == "w")
    }

    @Test("data beyond the file or misaligned is refused")
    func badData() throws {
        let short = try #require(try openError(oneTensor(dims: [16], type: 0, data: [UInt8](repeating: 0, count: 60))))
        #expect(short.tensor == "w")
        #expect(short.message.contains("run past"))

        var b = GGUFBuilder()
        b.header(tensors: 1, kvs: 0)
        b.tensorInfo("w", dims: [1], type: 0, offset: 4)
        b.pad()
        b.bytes += [UInt8](repeating: 0, count: 64)
        let misaligned = try #require(try openError(b.bytes))
        #expect(misaligned.tensor == "w")
        #expect(misaligned.message.contains("alignment"))

        b = GGUFBuilder()
        b.header(tensors: 1, kvs: 0)
        b.tensorInfo("w", dims: [1], type: 0, offset: 1 << 60)
        b.pad()
        #expect(try #require(try openError(b.bytes)).message.contains("run past"))

        // A Q8_0 row that is not a whole number of blocks.
        let partial = try #require(try openError(oneTensor(dims: [16], type: 8, data: [UInt8](repeating: 0, count: 34))))
        #expect(partial.message.contains("blocks"))
    }

    @Test("duplicate tensor names and keys are refused")
    func duplicates() throws {
        var b = GGUFBuilder()
        b.header(tensors: 2, kvs: 0)
        b.tensorInfo("w", dims: [1], type: 0, offset: 0)
        b.tensorInfo("w", dims: [1], type: 0, offset: 32)
        b.pad()
        b.bytes += [UInt8](repeating: 0, count: 64)
        let e = try #require(try openError(b.bytes))
        #expect(e.tensor == "w")
        #expect(e.message.contains("two tensors"))

        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 2)
        b.string("k"); b.u32(4); b.u32(1)
        b.string("k"); b.u32(4); b.u32(2)
        #expect(try #require(try openError(b.bytes)).message.contains("appears twice"))
    }

    @Test("unsupported tensor types are refused by name when read")
    func unsupportedType() throws {
        // Q4_K: 256 elements in 144 bytes.
        let path = try temporaryFile(oneTensor(dims: [256], type: 12, data: [UInt8](repeating: 0, count: 144)))
        let reader = try GGUFReader(path: path)
        #expect(try reader.info("w").type == 12)
        do {
            _ = try reader.tensor("w")
            Issue.record("Q4_K should be refused")
        } catch let error as CheckpointError {
            #expect(error.tensor == "w")
            #expect(error.message.contains("Q4_K"))
        }
        let unknown = try #require(try openError(oneTensor(dims: [1], type: 200, data: [0, 0, 0, 0])))
        #expect(unknown.message.contains("type 200"))
    }

    @Test("100 truncations and byte flips of the real file never crash")
    func fuzzRealFile() throws {
        guard SharedModels.has(Self.gguf) else { return }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedModels.path(Self.gguf))))
        let reader = try GGUFReader(path: SharedModels.path(Self.gguf))
        let headerSize = reader.dataStart
        var rng = SystemRandomNumberGenerator()
        let directory = (try temporaryFile([])) + "-fuzz"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var refused = 0
        for i in 0..<100 {
            let path = directory + "/\(i).gguf"
            var bytes = original
            if i % 2 == 0 {
                // Truncate, mostly inside the header where the parsing happens.
                let limit = i % 4 == 0 ? headerSize + 64 : bytes.count
                bytes = Array(bytes.prefix(Int.random(in: 0..<limit, using: &rng)))
            } else {
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let at = Int.random(in: 0..<headerSize, using: &rng)
                    bytes[at] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let r = try GGUFReader(path: path)
                for name in r.tensorNames { _ = try? r.tensor(name) }
                _ = r.tokens; _ = r.scores; _ = r.tokenTypes
            } catch is CheckpointError {
                refused += 1
            }
        }
        #expect(refused > 0)
    }
}
