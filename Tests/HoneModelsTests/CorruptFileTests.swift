import Foundation
import HoneModels
import HoneTensor
import Testing

/// SplitMix64: a small seeded generator, so every corrupted file can be made again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Corrupted copies of valid files: truncated at seeded random points, and with seeded random
/// bytes overwritten. Each reader must either load the file or throw its own error
/// (`CheckpointError`, `TokenizerError`) — never crash, never throw anything else — and a truncated
/// file must always be refused.
@Suite("Corrupt files are refused, never crash")
struct CorruptFileTests {
    enum Outcome { case loaded, refused }

    /// Runs `load` on `path`; any error other than the readers' own fails the test.
    static func attempt(_ path: String, _ what: String, _ load: (String) throws -> Void) -> Outcome {
        do {
            try load(path)
            return .loaded
        } catch is CheckpointError {
            return .refused
        } catch is TokenizerError {
            return .refused
        } catch {
            Issue.record("\(what): threw \(type(of: error)) (not a CheckpointError/TokenizerError): \(error)")
            return .refused
        }
    }

    /// Truncates `original` at `truncations` seeded points below `mustRefuseBelow` (each must be
    /// refused), then writes `flips` copies with 1–8 seeded bytes overwritten (in `flipRange`,
    /// default the whole file). Returns (flipped copies loaded, flipped copies refused).
    @discardableResult
    static func fuzz(
        _ name: String, _ original: [UInt8], seed: UInt64, truncations: Int, flips: Int,
        mustRefuseBelow: Int? = nil, flipRange: Range<Int>? = nil, fileName: String = "f",
        directory: String? = nil, load: (String) throws -> Void
    ) throws -> (loaded: Int, refused: Int) {
        let folder = try directory ?? writerTemporaryDirectory("corrupt")
        let path = folder + "/" + fileName
        var rng = SeededGenerator(seed: seed)
        // The file as given must load, or the test proves nothing.
        try Data(original).write(to: URL(fileURLWithPath: path))
        #expect(attempt(path, "\(name) (unchanged)", load) == .loaded, "\(name): the valid file does not load")
        let limit = mustRefuseBelow ?? original.count
        var cuts = [0, 1, limit - 1].filter { $0 >= 0 && $0 < limit }
        while cuts.count < truncations { cuts.append(Int.random(in: 0..<limit, using: &rng)) }
        for cut in cuts {
            try Data(original.prefix(cut)).write(to: URL(fileURLWithPath: path))
            #expect(attempt(path, "\(name) cut at \(cut)", load) == .refused, "\(name): truncated at \(cut) of \(original.count) bytes, yet it loaded")
        }
        let range = flipRange ?? 0..<original.count
        var loaded = 0, refused = 0
        for _ in 0..<flips {
            var bytes = original
            var changes: [(Int, UInt8)] = []
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: range, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
                changes.append((at, bytes[at]))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            switch attempt(path, "\(name) with bytes \(changes)", load) {
            case .loaded: loaded += 1
            case .refused: refused += 1
            }
        }
        print("corrupt \(name): \(cuts.count) truncations refused; \(flips) flipped copies: \(loaded) loaded, \(refused) refused")
        return (loaded, refused)
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    // MARK: - safetensors

    static func readSafeTensors(_ path: String) throws {
        let reader = try SafeTensorsReader(path: path)
        for name in reader.names { _ = try reader.tensor(name) }
    }

    @Test("safetensors: a tiny Llama's weights and the F16/BF16 fixtures")
    func safetensors() throws {
        let model = try tinyLlama(layout: .halfRotation, tied: false)
        let file = try SafeTensorsWriter.encode(model.parameters.map { ($0.name, $0.tensor) }, metadata: ["format": "pt"])
        let result = try Self.fuzz("tiny.safetensors", file, seed: 1, truncations: 40, flips: 100, load: Self.readSafeTensors)
        // Flips in the data only change values; most copies still load.
        #expect(result.loaded > 0 && result.refused > 0)
        for (i, name) in ["f16.safetensors", "bf16.safetensors"].enumerated() {
            try Self.fuzz(name, try Self.bytes(FixtureTests.path(name)), seed: 10 + UInt64(i), truncations: 30, flips: 60, load: Self.readSafeTensors)
        }
    }

    @Test("JSON nested a million deep in a safetensors header or config.json is refused, not a stack overflow")
    func deepJSON() throws {
        let directory = try writerTemporaryDirectory("corrupt-deep")
        for opener in ["[", "{\"a\":"] {
            var header = Array(String(repeating: opener, count: 1_000_000).utf8)
            while header.count % 8 != 0 { header.append(0x20) }
            let file = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
            try Data(file).write(to: URL(fileURLWithPath: directory + "/deep.safetensors"))
            #expect(Self.attempt(directory + "/deep.safetensors", "deep safetensors", Self.readSafeTensors) == .refused)
            try Data(header).write(to: URL(fileURLWithPath: directory + "/config.json"))
            #expect(Self.attempt(directory + "/config.json", "deep config.json") { _ in _ = try HuggingFaceDirectory.loadLlama(path: directory) } == .refused)
        }
    }

    // MARK: - GGUF

    static func readGGUF(_ path: String) throws {
        let reader = try GGUFReader(path: path)
        for name in reader.tensorNames { _ = try reader.tensor(name) }
        _ = (reader.tokens, reader.scores, reader.tokenTypes, reader.merges, reader.bosTokenID)
        for key in reader.metadataKeys { _ = reader.metadata[key]!.description }
    }

    /// The end of the last tensor's bytes: cutting anywhere before it must be refused (only the
    /// padding after it may go).
    static func ggufDataEnd(_ path: String) throws -> Int {
        let reader = try GGUFReader(path: path)
        return reader.entries.values.map(\.end).max() ?? reader.dataStart
    }

    @Test("GGUF: a tiny Llama written by hone, the quantized fixture, and the v2 fixture")
    func gguf() throws {
        let directory = try writerTemporaryDirectory("corrupt-gguf")
        let model = try tinyLlama(layout: .interleaved, tied: true)
        let tokens = (0..<40).map { GGUFValue.string($0 < 3 ? ["<unk>", "<s>", "</s>"][$0] : "t\($0)") }
        let metadata: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(elementType: 8, values: tokens)),
            ("tokenizer.ggml.scores", .array(elementType: 6, values: (0..<40).map { .float32(-Float($0)) })),
            ("tokenizer.ggml.token_type", .array(elementType: 5, values: (0..<40).map { .int32($0 < 3 ? 3 : 1) })),
            ("tokenizer.ggml.bos_token_id", .uint32(1)), ("tokenizer.ggml.eos_token_id", .uint32(2)),
        ]
        let source = directory + "/tiny.gguf"
        try GGUFLlama.write(model: model, tokenizerMetadata: metadata, to: source, name: "tiny")
        let tiny = try Self.bytes(source)
        let dataStart = try GGUFReader(path: source).dataStart
        let result = try Self.fuzz("tiny.gguf", tiny, seed: 2, truncations: 40, flips: 150,
                                   mustRefuseBelow: try Self.ggufDataEnd(source), flipRange: 0..<dataStart) { path in
            try Self.readGGUF(path)
            _ = try GGUFLlama.load(path: path)
        }
        #expect(result.refused > 0)
        for (i, name) in ["quantized.gguf", "v2.gguf"].enumerated() {
            let path = FixtureTests.path(name)
            try Self.fuzz(name, try Self.bytes(path), seed: 20 + UInt64(i), truncations: 30, flips: 80,
                          mustRefuseBelow: try Self.ggufDataEnd(path), load: Self.readGGUF)
        }
    }

    // MARK: - llama2.c

    /// A llama2.c version-0 checkpoint of `model` (interleaved q/k), laid out as `export.py` does.
    static func llama2c(_ model: LlamaModel) -> [UInt8] {
        let c = model.configuration
        var out: [UInt8] = []
        func int32(_ v: Int) { withUnsafeBytes(of: Int32(v).littleEndian) { out += $0 } }
        func floats(_ values: [Float]) { for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } } }
        for v in [c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads,
                  c.tieWordEmbeddings ? c.vocabSize : -c.vocabSize, c.maxPositionEmbeddings] { int32(v) }
        floats(model.weights["model.embed_tokens.weight"]!.scalars)
        for part in ["input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                     "post_attention_layernorm", "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"] {
            for layer in 0..<c.numHiddenLayers { floats(model.weights["model.layers.\(layer).\(part).weight"]!.scalars) }
        }
        floats(model.weights["model.norm.weight"]!.scalars)
        floats([Float](repeating: 0.5, count: 2 * c.maxPositionEmbeddings * c.headDim / 2))
        if !c.tieWordEmbeddings { floats(model.weights["lm_head.weight"]!.scalars) }
        return out
    }

    @Test("llama2.c .bin: a tiny checkpoint (tied and untied)")
    func llama2cCheckpoint() throws {
        for (i, tied) in [true, false].enumerated() {
            let model = try tinyLlama(layout: .interleaved, tied: tied)
            let file = Self.llama2c(model)
            let (configuration, weights) = try file.withUnsafeBytes { try Llama2CReader.read(bytes: $0, file: "tiny.bin") }
            #expect(configuration == model.configuration)
            #expect(weights["model.layers.1.mlp.up_proj.weight"]!.scalars == model.weights["model.layers.1.mlp.up_proj.weight"]!.scalars)
            // Flips in the 28-byte header (flips in the data only change weights).
            let result = try Self.fuzz("tiny-\(tied ? "tied" : "untied").bin", file, seed: 3 + UInt64(i), truncations: 40, flips: 100,
                                       flipRange: 0..<28) { path in
                let (configuration, weights) = try Llama2CReader.read(path: path)
                _ = try LlamaModel(configuration: configuration, weights: weights, file: path)
            }
            #expect(result.refused > 0)
        }
    }

    // MARK: - tokenizer.bin

    /// A llama2.c tokenizer: <unk>, BOS, EOS, the 256 byte tokens, then a few pieces.
    static func tokenizerBin() -> [UInt8] {
        var pieces: [[UInt8]] = [Array("<unk>".utf8), Array("\n<s>\n".utf8), Array("\n</s>\n".utf8)]
        pieces += (0..<256).map { Array(String(format: "<0x%02X>", $0).utf8) }
        pieces += [" ", "a", "b", " a", "ab", " ab", "é", "once", " once"].map { Array($0.utf8) }
        var out: [UInt8] = []
        func int32(_ v: Int) { withUnsafeBytes(of: Int32(v).littleEndian) { out += $0 } }
        int32(pieces.map(\.count).max()!)
        for (id, piece) in pieces.enumerated() {
            withUnsafeBytes(of: Float(-Double(id) / 10).bitPattern.littleEndian) { out += $0 }
            int32(piece.count)
            out += piece
        }
        return out
    }

    static func readTokenizer(vocabularySize: Int?) -> (String) throws -> Void {
        { path in
            let tokenizer = try Llama2CTokenizer(path: path, vocabularySize: vocabularySize)
            let ids = tokenizer.encode("once a bé\u{1F600}", bos: true)
            _ = tokenizer.decode(ids + [-1, 1 << 40, tokenizer.vocabularySize])
        }
    }

    @Test("tokenizer.bin: a small vocabulary, and tok512.bin when the shared models are present")
    func tokenizer() throws {
        let file = Self.tokenizerBin()
        let count = 3 + 256 + 9
        try Self.fuzz("tokenizer.bin (size given)", file, seed: 5, truncations: 40, flips: 100, load: Self.readTokenizer(vocabularySize: count))
        try Self.fuzz("tokenizer.bin (read to the end)", file, seed: 6, truncations: 0, flips: 100, load: Self.readTokenizer(vocabularySize: nil))
        if SharedModels.has("stories260K/tok512.bin") {
            try Self.fuzz("tok512.bin", try Self.bytes(SharedModels.path("stories260K/tok512.bin")), seed: 7, truncations: 40, flips: 100,
                          load: Self.readTokenizer(vocabularySize: 512))
        }
    }

    // MARK: - Hugging Face config.json

    @Test("Hugging Face directory: corrupted config.json")
    func huggingFaceConfig() throws {
        let model = try tinyLlama(layout: .halfRotation, tied: true)
        let directory = try writerTemporaryDirectory("corrupt-hf") + "/model"
        try HuggingFaceWriter.write(model: model, tokenizerFiles: [], to: directory)
        let config = try Self.bytes(directory + "/config.json")
        let closing = config.lastIndex(of: UInt8(ascii: "}"))!
        let result = try Self.fuzz("config.json", config, seed: 8, truncations: 40, flips: 150, mustRefuseBelow: closing + 1,
                                   fileName: "config.json", directory: directory) { path in
            _ = try HuggingFaceDirectory.loadLlama(path: (path as NSString).deletingLastPathComponent)
        }
        #expect(result.refused > 0)
    }
}
