import Foundation
import HoneModels
import HoneTensor
import Testing

/// A fresh temporary directory for one test.
func writerTemporaryDirectory(_ tag: String) throws -> String {
    let directory = NSTemporaryDirectory() + "hone-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory
}

private func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

private func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// A small random Llama (2 layers, GQA) in `layout`, tied or not.
func tinyLlama(layout: RotaryLayout, tied: Bool, seed: UInt64 = 7) throws -> LlamaModel {
    let configuration = LlamaConfiguration(
        hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
        vocabSize: 40, maxPositionEmbeddings: 32, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: tied,
        rotaryLayout: layout)
    var state = seed
    func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 2500
    }
    var weights: [String: Tensor] = [:]
    for (name, shape) in configuration.parameterShapes {
        let count = shape.reduce(1, *)
        let values = name.hasSuffix("norm.weight") ? (0..<count).map { _ in 1 + next() / 4 } : (0..<count).map { _ in next() }
        weights[name] = Tensor(shape: shape, values: values)
    }
    return try LlamaModel(configuration: configuration, weights: weights)
}

@Suite("GGUF writer")
struct GGUFWriterTests {
    @Test("metadata of every value type and F32/F16 tensors read back; dims are reversed; alignment honoured")
    func roundTrip() throws {
        var writer = GGUFWriter(f16Matrices: true, alignment: 64)
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(1.5e-5)),
            ("bool", .bool(true)), ("string", .string("héllo ▁world")), ("u64", .uint64(UInt64.max)),
            ("i64", .int64(Int64.min)), ("f64", .float64(-0.1)),
            ("strings", .array(elementType: 8, values: [.string("a"), .string(""), .string("<0x0A>")])),
            ("empty", .array(elementType: 6, values: [])),
            ("nested", .array(elementType: 9, values: [.array(elementType: 5, values: [.int32(1), .int32(-2)])])),
        ]
        for (key, value) in values { writer.add(key, value) }
        let matrix = Tensor(shape: [3, 5], values: (0..<15).map { Float($0) * 0.1 - 0.7 })
        let vector = Tensor(shape: [7], values: (0..<7).map { Float($0) / 3 })
        let cube = Tensor(shape: [2, 3, 4], values: (0..<24).map { Float($0) * 1e-3 })
        writer.add(tensor: "matrix", matrix)
        writer.add(tensor: "vector", vector)
        writer.add(tensor: "cube", cube)
        writer.add(tensor: "forced", matrix, type: .f32)
        let directory = try writerTemporaryDirectory("gguf-writer")
        let path = directory + "/t.gguf"
        try writer.write(to: path)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == writer.encode())

        let reader = try GGUFReader(path: path)
        #expect(reader.version == 3)
        #expect(reader.alignment == 64 && reader.dataStart % 64 == 0)
        #expect(reader.metadata["general.alignment"] == .uint32(64))
        for (key, value) in values { #expect(reader.metadata[key] == value, "\(key)") }
        #expect(reader.metadataKeys == values.map(\.0) + ["general.alignment"])
        #expect(reader.tensorNames == ["matrix", "vector", "cube", "forced"])
        #expect(try reader.info("matrix").type == GGMLType.f16.rawValue && reader.info("matrix").shape == [3, 5])
        #expect(try reader.info("vector").type == GGMLType.f32.rawValue)
        #expect(try reader.info("cube").type == GGMLType.f32.rawValue && reader.info("cube").shape == [2, 3, 4])
        #expect(try reader.info("forced").type == GGMLType.f32.rawValue)
        let halved = matrix.scalars.map { HalfConversion.float(fromHalf: HalfConversion.half(from: $0)) }
        #expect(try reader.tensor("matrix").scalars == halved)
        #expect(try bits(reader.tensor("vector")) == bits(vector))
        #expect(try bits(reader.tensor("cube")) == bits(cube))
        #expect(try bits(reader.tensor("forced")) == bits(matrix))
        // ne[0] is the row length: the stored dims of `matrix` are [5, 3].
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let nameAt = try #require(bytes.indices.first { bytes[$0...].starts(with: Array("matrix".utf8)) && bytes[$0 - 8] == 6 })
        let dims = bytes.withUnsafeBytes { raw in
            (0..<2).map { raw.loadUnaligned(fromByteOffset: nameAt + 6 + 4 + 8 * $0, as: UInt64.self) }
        }
        #expect(dims == [5, 3])
    }

    @Test("duplicate names and mistyped arrays are refused before any file is made")
    func refusals() throws {
        let directory = try writerTemporaryDirectory("gguf-writer-refuse")
        var writer = GGUFWriter()
        writer.add(tensor: "w", Tensor(shape: [2], values: [1, 2]))
        writer.add(tensor: "w", Tensor(shape: [2], values: [1, 2]))
        #expect(throws: CheckpointError.self) { try writer.write(to: directory + "/dup.gguf") }
        var mistyped = GGUFWriter()
        mistyped.add("a", .array(elementType: 8, values: [.string("x"), .int32(1)]))
        #expect(throws: CheckpointError.self) { try mistyped.write(to: directory + "/mistyped.gguf") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("writes are atomic: an existing file is replaced whole; a failed write leaves the old file and no temporary")
    func atomic() throws {
        let directory = try writerTemporaryDirectory("gguf-atomic")
        let path = directory + "/m.gguf"
        var big = GGUFWriter()
        big.add(tensor: "w", Tensor(shape: [1000], values: [Float](repeating: 1, count: 1000)))
        try big.write(to: path)
        var small = GGUFWriter()
        small.add(tensor: "v", Tensor(shape: [3], values: [1, 2, 3]))
        try small.write(to: path)
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == (try small.encode()))
        #expect(try GGUFReader(path: path).tensorNames == ["v"])

        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try AtomicFile.stream(to: path) { sink in
                try sink.write([UInt8](repeating: 7, count: 4096))
                throw Interrupted()
            }
        }
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == written)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["m.gguf"])
        // A write into a directory that does not exist fails without leaving anything.
        #expect(throws: (any Error).self) { try small.write(to: directory + "/missing/m.gguf") }
    }
}

@Suite("GGUF Llama", .enabled(if: SharedModels.has("stories260K/stories260K.gguf") && SharedModels.has("stories260K-hf/model.safetensors")))
struct GGUFLlamaTests {
    static let gguf = SharedModels.path("stories260K/stories260K.gguf")
    static let hf = SharedModels.path("stories260K-hf")

    /// The tokenizer.* metadata of the published GGUF, in file order.
    static func tokenizerMetadata() throws -> [(key: String, value: GGUFValue)] {
        let reader = try GGUFReader(path: gguf)
        return reader.metadataKeys.filter { $0.hasPrefix("tokenizer.") }.map { ($0, reader.metadata[$0]!) }
    }

    @Test("stories260K.gguf reads to the published configuration, tied, q/k turned to Hugging Face's layout, with reference logits and greedy tokens")
    func read() throws {
        let model = try GGUFLlama.load(path: Self.gguf)
        let c = model.configuration
        let sizes: [Int] = [c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads, c.vocabSize, c.maxPositionEmbeddings]
        #expect(sizes == [64, 172, 5, 8, 4, 512, 2048])
        #expect(c.tieWordEmbeddings && c.rotaryLayout == RotaryLayout.halfRotation)
        #expect(c.ropeTheta == Float(10000) && c.rmsNormEps == Float(1e-5))
        #expect(model.parameterCount == 260_032)
        var worst = 0.0
        for item in try Stories260KTests.reference().cases {
            let logits = GradMode.withoutGradients { model.forward(tokens: item.promptIDs) }
            let last = logits.sliced(axis: 0, (item.promptIDs.count - 1)..<item.promptIDs.count).scalars
            worst = max(worst, zip(last, item.lastLogits).map { abs(Double($0) - $1) }.max()!)
            #expect(greedyTokens(model, item.promptIDs, 20) == item.greedy, "\(item.prompt)")
        }
        #expect(worst <= 1e-4)
        // llama2.c's own sample: 256 greedy tokens from BOS alone.
        #expect(greedyTokens(model, [1], 256) == (try Stories260KTests.reference().unconditional))
        print("stories260K.gguf via GGUFLlama: max abs last-position logit error vs reference.json = \(worst)")
    }

    @Test("the GGUF hone writes from stories260K-hf holds the published stories260K.gguf's tensors, value for value")
    func matchesPublished() throws {
        let model = try HuggingFaceDirectory.loadLlama(path: Self.hf)
        let directory = try writerTemporaryDirectory("gguf-llama")
        let path = ProcessInfo.processInfo.environment["HONE_GGUF_CHECK_OUT"] ?? directory + "/stories260K.gguf"
        try GGUFLlama.write(model: model, tokenizerMetadata: try Self.tokenizerMetadata(), to: path, name: "stories260K")
        let ours = try GGUFReader(path: path), theirs = try GGUFReader(path: Self.gguf)
        #expect(ours.tensorNames == theirs.tensorNames)
        var compared = 0
        for name in theirs.tensorNames {
            #expect(try ours.info(name).shape == theirs.info(name).shape, "\(name)")
            #expect(try ours.info(name).type == GGMLType.f32.rawValue)
            #expect(try bits(ours.tensor(name)) == bits(theirs.tensor(name)), "\(name)")
            compared += 1
        }
        #expect(compared == 48)
        for key in theirs.metadataKeys where !["llama.context_length", "general.name"].contains(key) {
            #expect(ours.metadata[key] == theirs.metadata[key], "\(key)")
        }
        #expect(ours.metadata["llama.context_length"]?.int == 512)
        #expect(ours.metadata["general.name"]?.string == "stories260K")
        #expect(ours.metadata["llama.rope.freq_base"] == .float32(10000))
        print("GGUF written from stories260K-hf: \(compared) tensors bit-identical to stories260K.gguf (\(path))")
    }

    @Test("a GGUF written by hone loads back with identical tensors and identical logits")
    func roundTrip() throws {
        let original = try GGUFLlama.load(path: Self.gguf)
        let directory = try writerTemporaryDirectory("gguf-roundtrip")
        let path = directory + "/again.gguf"
        try GGUFLlama.write(model: original, tokenizerMetadata: try Self.tokenizerMetadata(), to: path, name: nil)
        let again = try GGUFLlama.load(path: path)
        #expect(again.configuration == original.configuration)
        for (name, tensor) in original.parameters { #expect(bits(again.weights[name]!) == bits(tensor), "\(name)") }
        let tokens = [1, 403, 407, 261, 378, 40, 300]
        let a = GradMode.withoutGradients { original.forward(tokens: tokens) }
        let b = GradMode.withoutGradients { again.forward(tokens: tokens) }
        #expect(bits(a) == bits(b))
        // The Hugging Face model (half rotation) and its GGUF (interleaved) compute the same logits.
        let hf = try HuggingFaceDirectory.loadLlama(path: Self.hf)
        let hfPath = directory + "/hf.gguf"
        try GGUFLlama.write(model: hf, tokenizerMetadata: [], to: hfPath, name: nil)
        let fromHF = try GGUFLlama.load(path: hfPath)
        let difference = maxAbsDifference(GradMode.withoutGradients { hf.forward(tokens: tokens) }.scalars,
                                          GradMode.withoutGradients { fromHF.forward(tokens: tokens) }.scalars)
        #expect(difference <= 1e-4)
        print("GGUF round trip: logits bit-identical; HF (half rotation) vs its GGUF (interleaved): max abs logit difference \(difference)")
    }

    @Test("with f16, matrices are F16 and norms F32; logits stay close")
    func f16() throws {
        let model = try GGUFLlama.load(path: Self.gguf)
        let directory = try writerTemporaryDirectory("gguf-f16")
        let path = directory + "/f16.gguf"
        try GGUFLlama.write(model: model, tokenizerMetadata: try Self.tokenizerMetadata(), to: path, f16: true, name: "f16")
        let reader = try GGUFReader(path: path)
        #expect(reader.metadata["general.file_type"] == .uint32(1))
        for name in reader.tensorNames {
            let info = try reader.info(name)
            #expect(info.type == (info.shape.count == 2 ? GGMLType.f16 : GGMLType.f32).rawValue, "\(name)")
        }
        let loaded = try GGUFLlama.load(path: path)
        let tokens = [1, 403, 407, 261, 378]
        let difference = maxAbsDifference(GradMode.withoutGradients { model.forward(tokens: tokens) }.scalars,
                                          GradMode.withoutGradients { loaded.forward(tokens: tokens) }.scalars)
        #expect(difference < 2e-2)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        print("F16 GGUF: \(size) bytes (F32: 1185376-ish), max abs logit difference vs F32 \(difference)")
    }

    @Test("untied output, other architectures, rope scaling and partial rotary are handled by name")
    func configurations() throws {
        let directory = try writerTemporaryDirectory("gguf-configs")
        let untied = try tinyLlama(layout: .halfRotation, tied: false)
        let path = directory + "/untied.gguf"
        try GGUFLlama.write(model: untied, tokenizerMetadata: [], to: path, name: "tiny")
        let loaded = try GGUFLlama.load(path: path)
        #expect(!loaded.configuration.tieWordEmbeddings && loaded.weights["lm_head.weight"] != nil)
        #expect(loaded.configuration.rotaryLayout == .halfRotation)
        let tokens = [1, 5, 9, 30, 2]
        let difference = maxAbsDifference(GradMode.withoutGradients { untied.forward(tokens: tokens) }.scalars,
                                          GradMode.withoutGradients { loaded.forward(tokens: tokens) }.scalars)
        #expect(difference <= 1e-4)

        // Rewrite the metadata of a valid file and see it refused.
        func refused(_ change: (inout GGUFWriter) -> Void) throws -> String {
            let reader = try GGUFReader(path: path)
            var writer = GGUFWriter()
            for key in reader.metadataKeys { writer.add(key, reader.metadata[key]!) }
            change(&writer)
            for name in reader.tensorNames { writer.add(tensor: name, try reader.tensor(name)) }
            let changed = directory + "/changed.gguf"
            try writer.write(to: changed)
            do {
                _ = try GGUFLlama.load(path: changed)
                Issue.record("expected a refusal")
                return ""
            } catch let error as CheckpointError {
                return error.message
            }
        }
        #expect(try refused { $0.add("general.architecture", .string("gpt2")) }.contains("supported: llama"))
        #expect(try refused { $0.add("llama.rope.scaling.type", .string("linear")) }.contains("rope.scaling.type"))
        #expect(try refused { $0.add("llama.rope.dimension_count", .uint32(2)) }.contains("rope.dimension_count"))
        #expect(try refused { $0.add("llama.attention.layer_norm_rms_epsilon", .float32(-1)) }.contains("layer_norm_rms_epsilon"))
        #expect(try refused { $0.add("llama.vocab_size", .uint32(41)) }.contains("vocab_size"))
        #expect(try refused { $0.add(tensor: "rope_freqs.weight", Tensor(shape: [2], values: [1, 1])) }.contains("rope"))
        // rope.scaling.type none is accepted.
        let reader = try GGUFReader(path: path)
        var writer = GGUFWriter()
        for key in reader.metadataKeys { writer.add(key, reader.metadata[key]!) }
        writer.add("llama.rope.scaling.type", .string("none"))
        for name in reader.tensorNames { writer.add(tensor: name, try reader.tensor(name)) }
        try writer.write(to: directory + "/none.gguf")
        _ = try GGUFLlama.load(path: directory + "/none.gguf")
    }

    @Test("names map both ways, biases included")
    func names() {
        #expect(GGUFLlama.ggufName(huggingFace: "model.layers.12.self_attn.q_proj.bias") == "blk.12.attn_q.bias")
        #expect(GGUFLlama.huggingFaceName(gguf: "blk.3.ffn_down.weight") == "model.layers.3.mlp.down_proj.weight")
        #expect(GGUFLlama.huggingFaceName(gguf: "output.weight") == "lm_head.weight")
        #expect(GGUFLlama.huggingFaceName(gguf: "blk.03.attn_q.weight") == nil)
        #expect(GGUFLlama.huggingFaceName(gguf: "blk.1.attn_q.scale") == nil)
        for (hf, _) in (try! tinyLlama(layout: .halfRotation, tied: false)).parameters {
            #expect(GGUFLlama.huggingFaceName(gguf: GGUFLlama.ggufName(huggingFace: hf)!) == hf)
        }
    }
}

@Suite("Hugging Face writer")
struct HuggingFaceWriterTests {
    static let tokenizerFiles: [(name: String, bytes: [UInt8])] = [("tokenizer.json", Array("{}".utf8)), ("tokenizer.model", [1, 2, 3])]

    @Test("stories260K from GGUF (interleaved) writes a directory that loads back with HF's q/k and identical logits",
          .enabled(if: SharedModels.has("stories260K/stories260K.gguf") && SharedModels.has("stories260K-hf/model.safetensors")))
    func stories() throws {
        let model = try GGUFLlama.load(path: GGUFLlamaTests.gguf)
        let directory = try writerTemporaryDirectory("hf-writer") + "/stories260K"
        try HuggingFaceWriter.write(model: model, tokenizerFiles: Self.tokenizerFiles, to: directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer.model"])
        let loaded = try HuggingFaceDirectory.loadLlama(path: directory)
        #expect(loaded.configuration.tieWordEmbeddings && loaded.configuration.rotaryLayout == .halfRotation)
        #expect(loaded.configuration.maxPositionEmbeddings == 2048)
        let reader = try SafeTensorsReader(path: directory + "/model.safetensors")
        #expect(!reader.contains("lm_head.weight") && reader.names.count == 47)
        #expect(reader.metadata == ["format": "pt"])
        let published = try SafeTensorsReader(path: GGUFLlamaTests.hf + "/model.safetensors")
        for name in reader.names { #expect(try bits(reader.tensor(name)) == bits(published.tensor(name)), "\(name)") }
        let tokens = [1, 317, 391, 266, 267]
        let a = GradMode.withoutGradients { model.forward(tokens: tokens) }.scalars
        let b = GradMode.withoutGradients { loaded.forward(tokens: tokens) }.scalars
        let difference = maxAbsDifference(a, b)
        #expect(difference <= 1e-4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/tokenizer.model")) == Data([1, 2, 3]))
        print("HF directory from stories260K.gguf: 47 tensors bit-identical to stories260K-hf, max abs logit difference \(difference)")
    }

    @Test("a half-rotation model round-trips bit for bit; F16/BF16 dtypes; shards with an index above the threshold")
    func roundTripAndShards() throws {
        let model = try tinyLlama(layout: .halfRotation, tied: false)
        let root = try writerTemporaryDirectory("hf-shards")
        let tokens = [1, 5, 9, 30, 2, 11]
        let logits = GradMode.withoutGradients { model.forward(tokens: tokens) }

        try HuggingFaceWriter.write(model: model, tokenizerFiles: [], to: root + "/single")
        let single = try HuggingFaceDirectory.loadLlama(path: root + "/single")
        for (name, tensor) in model.parameters { #expect(bits(single.weights[name]!) == bits(tensor), "\(name)") }
        #expect(bits(GradMode.withoutGradients { single.forward(tokens: tokens) }) == bits(logits))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/single/config.json"))) as! [String: Any]
        #expect(config["rms_norm_eps"] as? Double == 1e-5 && config["tie_word_embeddings"] as? Bool == false)

        // A 2 KB threshold splits the ~13 KB of weights into shards.
        try HuggingFaceWriter.write(model: model, tokenizerFiles: [], to: root + "/sharded", maxShardBytes: 2048)
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/sharded").filter { $0.hasPrefix("model-") }.sorted()
        #expect(files.count > 3 && !FileManager.default.fileExists(atPath: root + "/sharded/model.safetensors"))
        #expect(files.first == String(format: "model-00001-of-%05d.safetensors", files.count))
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/sharded/model.safetensors.index.json"))) as! [String: Any]
        let map = index["weight_map"] as! [String: String]
        #expect(map.count == model.parameters.count && Set(map.values) == Set(files))
        #expect((index["metadata"] as! [String: Any])["total_size"] as? Int == model.parameterCount * 4)
        for file in files {
            let size = try FileManager.default.attributesOfItem(atPath: root + "/sharded/" + file)[.size] as! Int
            let reader = try SafeTensorsReader(path: root + "/sharded/" + file)
            #expect(reader.names.count == 1 || size - reader.dataStart <= 2048, "\(file)")
        }
        let sharded = try HuggingFaceDirectory.loadLlama(path: root + "/sharded")
        #expect(bits(GradMode.withoutGradients { sharded.forward(tokens: tokens) }) == bits(logits))
        print("HF writer: tiny Llama in \(files.count) shards of ≤ 2048 bytes reloads with bit-identical logits")

        for dtype in [DType.float16, .bfloat16] {
            try HuggingFaceWriter.write(model: model, tokenizerFiles: [], to: root + "/\(dtype)", dtype: dtype)
            let reader = try SafeTensorsReader(path: root + "/\(dtype)/model.safetensors")
            #expect(try reader.info("model.norm.weight").dtype == dtype)
            let loaded = try HuggingFaceDirectory.loadLlama(path: root + "/\(dtype)")
            let difference = maxAbsDifference(GradMode.withoutGradients { loaded.forward(tokens: tokens) }.scalars, logits.scalars)
            #expect(difference < 0.1, "\(dtype): \(difference)")
        }
    }

    @Test("a directory holding files that are not a model's is never replaced")
    func foreignDirectoryRefused() throws {
        let root = try writerTemporaryDirectory("hf-foreign")
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: root + "/notes.txt"))
        let model = try tinyLlama(layout: .interleaved, tied: true)
        let error = #expect(throws: CheckpointError.self) {
            try HuggingFaceWriter.write(model: model, tokenizerFiles: Self.tokenizerFiles, to: root)
        }
        #expect(error?.description.contains("notes.txt") == true)
        #expect(try String(contentsOfFile: root + "/notes.txt", encoding: .utf8) == "my notes")
    }

    @Test("the directory is replaced whole; a failed write leaves the old directory and no staging directory")
    func atomicDirectory() throws {
        let root = try writerTemporaryDirectory("hf-atomic")
        let target = root + "/model"
        let model = try tinyLlama(layout: .interleaved, tied: true)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        // A shard left by an earlier, larger save is part of a model and goes.
        let stale = target + "/model-00003-of-00003.safetensors"
        try Data("stale".utf8).write(to: URL(fileURLWithPath: stale))
        try HuggingFaceWriter.write(model: model, tokenizerFiles: Self.tokenizerFiles, to: target)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["model"])
        let before = try FileManager.default.contentsOfDirectory(atPath: target).sorted()

        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try HuggingFaceWriter.replaceDirectory(target) { staging in
                try Data("half".utf8).write(to: URL(fileURLWithPath: staging + "/config.json"))
                throw Interrupted()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).sorted() == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["model"])
        // A tokenizer file that would overwrite a model file is refused before anything is written.
        #expect(throws: CheckpointError.self) {
            try HuggingFaceWriter.write(model: model, tokenizerFiles: [("config.json", [])], to: root + "/other")
        }
        // A plain file is not replaced by a directory.
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/file"))
        #expect(throws: CheckpointError.self) { try HuggingFaceWriter.write(model: model, tokenizerFiles: [], to: root + "/file") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["file", "model"])
        // The interleaved tiny model reloads (half rotation) with the same logits.
        let loaded = try HuggingFaceDirectory.loadLlama(path: target)
        let tokens = [3, 1, 4, 1, 5]
        let difference = maxAbsDifference(GradMode.withoutGradients { model.forward(tokens: tokens) }.scalars,
                                          GradMode.withoutGradients { loaded.forward(tokens: tokens) }.scalars)
        #expect(difference <= 1e-4)
    }
}

/// A stand-in for a non-Llama architecture: only what the writer reads.
private final class StubModel: LanguageModel {
    var linearHook: (any LinearLayerHook)?
    var gradientCheckpointing = false
    var linearModules: [LinearModule] { [] }
    func replaceWeight(_ name: String, with tensor: Tensor) throws {}
    var quantizedWeights: [String: QuantizedMatrix] { [:] }
    func quantizeWeight(_ name: String, format: QuantizationFormat) throws {}
    var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }
    var weights: [String: Tensor] { Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor) }) }
    var architecture: ModelArchitecture { .gpt2 }
    func parameterKind(of name: String) -> ParameterKind? { nil }
    var defaultLoRATargets: [String] { [] }
    var familyName: String { "stub" }
    var vocabularySize: Int { 4 }
    var contextLength: Int { 8 }
    var hiddenSize: Int { 2 }
    var layerCount: Int { 1 }
    var attentionHeads: Int { 1 }
    var keyValueHeads: Int { 1 }
    var headDim: Int { 2 }
    let parameters: [(name: String, tensor: Tensor)] = [
        ("wte.weight", Tensor(shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])),
        ("ln_f.bias", Tensor(shape: [2], values: [0.5, -0.5])),
    ]
    func forward(tokens: [Int], batch: Int, cache: KVCache?, lastPositionOnly: Bool) -> Tensor { Tensor.zeros([batch, tokens.count / batch, 4]) }
    func hiddenStates(tokens: [Int], batch: Int) -> Tensor { Tensor.zeros([batch, tokens.count / batch, 2]) }
    func logits(hidden: Tensor) -> Tensor { Tensor.zeros(Array(hidden.shape.dropLast()) + [vocabularySize]) }
    func huggingFaceConfiguration() -> [String: Any] { ["model_type": "gpt2", "n_embd": 2, "bos_token_id": 0, "eos_token_id": 3] }
}

@Suite("Hugging Face writer, any architecture")
struct HuggingFaceWriterGenericTests {
    @Test("a LanguageModel is written with its own config.json and its parameters unchanged")
    func generic() throws {
        let directory = try writerTemporaryDirectory("hf-generic") + "/stub"
        let model: any LanguageModel = StubModel()
        try HuggingFaceWriter.write(model: model, tokenizerFiles: [("vocab.json", Array("{}".utf8))], to: directory, dtype: .float16)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))) as! [String: Any]
        #expect(config["model_type"] as? String == "gpt2")
        let generation = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/generation_config.json"))) as! [String: Any]
        #expect(generation["bos_token_id"] as? Int == 0 && generation["eos_token_id"] as? Int == 3)
        let reader = try SafeTensorsReader(path: directory + "/model.safetensors")
        #expect(reader.names == ["ln_f.bias", "wte.weight"])
        #expect(try reader.info("wte.weight").dtype == .float16)
        #expect(try reader.tensor("wte.weight").scalars == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(FileManager.default.fileExists(atPath: directory + "/vocab.json"))
    }
}
