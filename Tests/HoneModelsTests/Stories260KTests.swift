import Foundation
import HoneModels
import HoneTensor
import Testing

/// stories260K in llama2.c format (`stories260K.bin` + `tok512.bin`) against `reference.json`,
/// an independent float64 forward pass; and the llama2.c readers on malformed files.
@Suite("stories260K from llama2.c files", .enabled(if: SharedModels.has("stories260K/reference.json"), SharedModels.missingReason("stories260K")))
struct Stories260KTests {
    struct Case {
        var prompt: String
        var promptIDs: [Int]
        var lastLogits: [Double]
        var greedy: [Int]
    }

    static func reference() throws -> (cases: [Case], unconditional: [Int]) {
        let json = try SharedModels.json("stories260K/reference.json")
        let cases = (json["cases"] as! [[String: Any]]).map {
            Case(prompt: $0["prompt"] as! String, promptIDs: $0["prompt_token_ids"] as! [Int],
                 lastLogits: ($0["last_logits"] as! [NSNumber]).map(\.doubleValue),
                 greedy: $0["greedy_new_token_ids"] as! [Int])
        }
        let unconditional = (json["unconditional_from_bos"] as! [String: Any])["token_ids"] as! [Int]
        return (cases, unconditional)
    }

    static func model() throws -> LlamaModel {
        let path = SharedModels.path("stories260K/stories260K.bin")
        let (configuration, weights) = try Llama2CReader.read(path: path)
        return try LlamaModel(configuration: configuration, weights: weights, file: path)
    }

    static func tokenizer() throws -> Llama2CTokenizer {
        try Llama2CTokenizer(path: SharedModels.path("stories260K/tok512.bin"), vocabularySize: 512)
    }

    @Test("the header gives the published configuration and 260,032 parameters")
    func configuration() throws {
        let model = try Self.model()
        let c = model.configuration
        let sizes: [Int] = [c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads, c.vocabSize, c.maxPositionEmbeddings]
        #expect(sizes == [64, 172, 5, 8, 4, 512, 512])
        #expect(c.tieWordEmbeddings && c.rotaryLayout == .interleaved)
        #expect(model.parameterCount == 260_032)
    }

    @Test("tok512.bin encodes the prompts to the reference ids and decodes them back")
    func tokenization() throws {
        let tokenizer = try Self.tokenizer()
        for c in try Self.reference().cases {
            #expect(tokenizer.encode(c.prompt, bos: true) == c.promptIDs, "\(c.prompt)")
            #expect(tokenizer.decode(c.promptIDs) == c.prompt)
        }
        #expect(tokenizer.encode("", bos: true) == [1])
        // Characters outside the vocabulary fall back to byte tokens and decode back.
        let text = "naïve 日本 🙂"
        #expect(tokenizer.decode(tokenizer.encode(text, bos: true)) == text)
    }

    @Test("last-position logits agree with the float64 reference within 1e-4")
    func logits() throws {
        let model = try Self.model()
        var worst = 0.0
        for c in try Self.reference().cases {
            let logits = GradMode.withoutGradients { model.forward(tokens: c.promptIDs) }
            #expect(logits.shape == [c.promptIDs.count, 512])
            let last = logits.sliced(axis: 0, (c.promptIDs.count - 1)..<c.promptIDs.count).scalars
            let error = zip(last, c.lastLogits).map { abs(Double($0) - $1) }.max()!
            worst = max(worst, error)
            #expect(error <= 1e-4, "\(c.prompt): max abs logit error \(error)")
        }
        print("stories260K (llama2.c .bin): max abs last-position logit error vs reference.json = \(worst)")
    }

    @Test("greedy continuations equal the reference, token for token")
    func greedy() throws {
        let model = try Self.model()
        for c in try Self.reference().cases {
            #expect(greedyTokens(model, c.promptIDs, 20) == c.greedy, "\(c.prompt)")
        }
    }

    @Test("the first 64 tokens of the unconditional sample from BOS match")
    func unconditional() throws {
        let model = try Self.model()
        let expected = Array(try Self.reference().unconditional.prefix(64))
        #expect(greedyTokens(model, [1], 64) == expected)
    }
}

/// The llama2.c readers on malformed files: each is an error naming the file and the tensor or
/// token at fault, never a crash.
@Suite("llama2.c readers refuse malformed files")
struct Llama2CMalformedTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "hone-llama2c-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// A small valid checkpoint: dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab `vocab`, seq 4.
    static func checkpoint(header: [Int32] = [8, 12, 2, 2, 1, 16, 4], extra: Int = 0) -> [UInt8] {
        let (c, f, l, kv, v, s) = (8, 12, 2, 4, 16, 4)
        let floats = v * c + l * (c + c * c + 2 * kv * c + c * c + c + 3 * f * c) + c + 2 * s * 2
        var bytes = header.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        for i in 0..<floats { bytes += withUnsafeBytes(of: Float(i % 7) * 0.01, Array.init) }
        return bytes + [UInt8](repeating: 0, count: extra)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func checkpointError(_ bytes: [UInt8], _ name: String) throws -> CheckpointError? {
        let path = try write(bytes, name)
        do {
            _ = try Llama2CReader.read(path: path)
            return nil
        } catch let error as CheckpointError {
            #expect(error.file == path)
            return error
        }
    }

    @Test("a small valid checkpoint loads and runs")
    func valid() throws {
        let path = try write(Self.checkpoint(), "ok.bin")
        let (configuration, weights) = try Llama2CReader.read(path: path)
        let model = try LlamaModel(configuration: configuration, weights: weights, file: path)
        #expect(model.forward(tokens: [1, 2, 3]).shape == [3, 16])
    }

    @Test("truncated anywhere: an error naming the tensor the file ends in")
    func truncated() throws {
        let full = Self.checkpoint()
        for (cut, tensor) in [(0, "header"), (20, "header"), (100, "token_embedding_table"), (28 + 16 * 8 * 4 + 10, "rms_att_weight"), (full.count - 1, "freq_cis_imag")] {
            let error = try checkpointError(Array(full.prefix(cut)), "cut\(cut).bin")
            #expect(error?.tensor == tensor, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test("a zero, negative, inconsistent or huge dimension in the header is refused")
    func badHeader() throws {
        let cases: [([Int32], String)] = [
            ([0, 12, 2, 2, 1, 16, 4], "dim is 0"),
            ([8, -3, 2, 2, 1, 16, 4], "hidden_dim is -3"),
            ([8, 12, 2, 2, 1, 0, 4], "vocab_size is 0"),
            ([8, 12, 2, 3, 1, 16, 4], "does not divide hidden_size"),
            ([8, 12, 2, 2, 3, 16, 4], "does not divide num_attention_heads"),
            ([1 << 30, Int32.max, Int32.max, 2, 1, 16, 4], "hidden_size is 1073741824, expected a positive number up to"),
            ([8, 12, 2, 2, 1, 16, Int32.max], "max_position_embeddings is 2147483647"),
            ([8, 12, 2, 2, 1, Int32.max, 4], "vocab_size is 2147483647"),
            ([8, 12, 2, 2, 1, Int32.min, 4], "vocab_size is 2147483648"),
        ]
        for (index, (header, fragment)) in cases.enumerated() {
            var bytes = Self.checkpoint()
            bytes.replaceSubrange(0..<28, with: header.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) })
            let error = try checkpointError(bytes, "header\(index).bin")
            #expect(error?.description.contains(fragment) == true, "\(header): \(String(describing: error))")
        }
    }

    @Test("extra bytes after the last tensor are refused")
    func extraBytes() throws {
        let error = try checkpointError(Self.checkpoint(extra: 5), "extra.bin")
        #expect(error?.description.contains("5 more than") == true, "\(String(describing: error))")
    }

    /// A tok512.bin-style file of `count` tokens: the 259 specials and bytes, then letters.
    static func tokenizerFile(count: Int = 300) -> [UInt8] {
        func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        var bytes = int32(7)
        for id in 0..<count {
            let piece: [UInt8] = id == 0 ? Array("<unk>".utf8) : id == 1 ? Array("\n<s>\n".utf8) : id == 2 ? Array("\n</s>\n".utf8)
                : id < 259 ? Array(String(format: "<0x%02X>", id - 3).utf8) : [UInt8(ascii: "a") + UInt8((id - 259) % 26)]
            bytes += withUnsafeBytes(of: Float(-id), Array.init) + int32(Int32(piece.count)) + piece
        }
        return bytes
    }

    @Test("a truncated or lying tok512.bin names the token at fault")
    func truncatedTokenizer() throws {
        let full = Self.tokenizerFile()
        let ok = try write(full, "tok.bin")
        #expect(try Llama2CTokenizer(path: ok, vocabularySize: 300).vocabularySize == 300)
        for (bytes, name, size, token) in [
            (Array(full.prefix(full.count - 1)), "tokcut.bin", 300, 299),
            (full, "tokshort.bin", 301, 300),
            (Array(full.prefix(2)), "tok2.bin", 300, nil),
        ] as [([UInt8], String, Int?, Int?)] {
            let path = try write(bytes, name)
            do {
                _ = try Llama2CTokenizer(path: path, vocabularySize: size)
                Issue.record("\(name) was accepted")
            } catch let error as TokenizerError {
                #expect(error.file == path && error.tokenID == token, "\(error)")
            }
        }
        var lying = full
        lying.replaceSubrange(8..<12, with: withUnsafeBytes(of: Int32(1 << 30).littleEndian, Array.init))
        do {
            _ = try Llama2CTokenizer(path: try write(lying, "toklie.bin"))
            Issue.record("a token length of 2^30 was accepted")
        } catch let error as TokenizerError {
            #expect(error.tokenID == 0, "\(error)")
        }
    }

    @Test("random truncations and byte flips: every file loads or is refused, never a crash")
    func corrupted() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let checkpoint = Self.checkpoint(), tokenizer = Self.tokenizerFile()
        for trial in 0..<200 {
            var bytes = checkpoint
            if trial % 2 == 0 {
                bytes = Array(bytes.prefix(next(bytes.count)))
            } else {
                for _ in 0...next(3) { bytes[next(28)] ^= UInt8(1 << next(8)) }  // the header
            }
            let path = try write(bytes, "fuzz.bin")
            do {
                let (configuration, weights) = try Llama2CReader.read(path: path)
                _ = try LlamaModel(configuration: configuration, weights: weights, file: path)
            } catch let error as CheckpointError {
                #expect(error.file == path)
            }
            var tok = tokenizer
            if trial % 2 == 0 {
                tok = Array(tok.prefix(next(tok.count)))
            } else {
                for _ in 0...next(4) { tok[next(tok.count)] ^= UInt8(1 << next(8)) }
            }
            let tokPath = try write(tok, "fuzz-tok.bin")
            do {
                let loaded = try Llama2CTokenizer(path: tokPath)
                _ = loaded.decode(loaded.encode("a tale of 2 cats", bos: true))
            } catch let error as TokenizerError {
                #expect(error.file == tokPath)
            }
        }
    }
}
