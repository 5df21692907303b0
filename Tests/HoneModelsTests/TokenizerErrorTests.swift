import Foundation
@testable import HoneModels
import Testing

/// Malformed and inconsistent tokenizer files give a `TokenizerError` that names the file (and
/// the line, key or token), never a crash.
@Suite("tokenizers: malformed files are refused with positions", .enabled(if: SharedModels.has("stories260K-hf/tokenizer.json") && SharedModels.has("tiny-gpt2-lmbuddy/vocab.json"), SharedModels.missingReason("stories260K-hf, tiny-gpt2-lmbuddy")))
struct TokenizerErrorTests {
    static let hfFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
    static let gpt2Files = ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"]

    /// The error loading `directory` gives, or nil when it loads.
    static func error(_ directory: String) -> TokenizerError? {
        do {
            _ = try TokenizerLoader.load(directory: directory)
            return nil
        } catch let error as TokenizerError {
            return error
        } catch {
            Issue.record("not a TokenizerError: \(error)")
            return nil
        }
    }

    /// stories260K-hf's tokenizer.json with `edit` applied to its parsed JSON.
    static func editedJSON(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var json = try SharedModels.json("stories260K-hf/tokenizer.json")
        edit(&json)
        return [UInt8](try JSONSerialization.data(withJSONObject: json))
    }

    static func stories(_ json: [UInt8], _ label: String = #function) throws -> String {
        try TokenizerFixtures.copy("stories260K-hf", hfFiles, replacing: ["tokenizer.json": json], label)
    }

    @Test("truncated tokenizer.json at many lengths: always a TokenizerError naming the file")
    func truncatedJSON() throws {
        let full = try TokenizerFixtures.bytes("stories260K-hf/tokenizer.json")
        for length in stride(from: 0, to: full.count, by: 397) {
            let error = try #require(Self.error(try Self.stories(Array(full.prefix(length)))), "length \(length) loaded")
            #expect(error.file.hasSuffix("tokenizer.json"))
            #expect(error.message.contains("JSON"), "\(error)")
        }
    }

    @Test("byte flips in tokenizer.json load or are refused, never crash")
    func flippedBytes() throws {
        let full = try TokenizerFixtures.bytes("stories260K-hf/tokenizer.json")
        var random = RandomText(seed: 9)
        for _ in 0..<40 {
            var bytes = full
            for _ in 0..<3 { bytes[random.int(bytes.count)] = UInt8(random.int(256)) }
            _ = Self.error(try Self.stories(bytes))
        }
    }

    @Test("wrong types and inconsistent entries in tokenizer.json name the key or token")
    func wrongTypes() throws {
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("vocab as array", { j in var m = j["model"] as! [String: Any]; m["vocab"] = [1, 2]; j["model"] = m }, "`model.vocab` is a array"),
            ("merge as number", { j in var m = j["model"] as! [String: Any]; m["merges"] = [["▁", "t"], 5]; j["model"] = m }, "`model.merges[1]`"),
            ("merge with one word", { j in var m = j["model"] as! [String: Any]; m["merges"] = ["▁t"]; j["model"] = m }, "`model.merges[0]` is `▁t`"),
            ("merge of unknown piece", { j in var m = j["model"] as! [String: Any]; m["merges"] = [["▁", "t"], ["x", "yz"]]; j["model"] = m }, "`model.merges[1]`"),
            ("gap in ids", { j in var m = j["model"] as! [String: Any]; var v = m["vocab"] as! [String: Any]; v["e"] = 9999; m["vocab"] = v; j["model"] = m }, "has no piece"),
            ("duplicate id", { j in var m = j["model"] as! [String: Any]; var v = m["vocab"] as! [String: Any]; v["e"] = 5; m["vocab"] = v; j["model"] = m }, "gives id 5 to both"),
            ("added token id as string", { j in j["added_tokens"] = [["id": "1", "content": "<s>"]] }, "`added_tokens[0].id`"),
            ("added token disagrees", { j in j["added_tokens"] = [["id": 5, "content": "<pad>", "special": true]] }, "has `<0x02>` at id 5"),
            ("model not BPE", { j in var m = j["model"] as! [String: Any]; m["type"] = "Unigram"; j["model"] = m }, "Unigram"),
            ("unknown normalizer", { j in j["normalizer"] = ["type": "NFKC"] }, "NFKC"),
            ("top level array", { j in j = ["x": 1] }, "`model` is missing"),
        ]
        for (name, edit, expected) in cases {
            let error = try #require(Self.error(try Self.stories(try Self.editedJSON(edit), name)), "\(name) loaded")
            #expect(error.description.contains(expected), "\(name): \(error)")
            #expect(error.file.hasSuffix("tokenizer.json"), "\(name)")
        }
        let array = try #require(Self.error(try Self.stories(Array("[1, 2]".utf8))))
        #expect(array.message.contains("expected an object"))
    }

    @Test("tokenizer_config.json: wrong types and unknown special tokens name the file")
    func badConfig() throws {
        let cases: [(String, String)] = [
            (#"{"add_bos_token": "yes"}"#, "`add_bos_token` is a string, expected true or false"),
            (#"{"bos_token": "<start>"}"#, "the BOS token `<start>` is not in the vocabulary"),
            (#"{"eos_token": 7}"#, "`eos_token` is a number"),
            (#"{"added_tokens_decoder": {"x": {"content": "<s>"}}}"#, "the key `x`"),
            (#"{"bos_token": {"lstrip": false}}"#, "`bos_token.content` is missing"),
        ]
        for (config, expected) in cases {
            let dir = try TokenizerFixtures.copy("stories260K-hf", ["tokenizer.json"], replacing: ["tokenizer_config.json": Array(config.utf8)])
            let error = try #require(Self.error(dir), "\(config) loaded")
            #expect(error.description.contains(expected), "\(error)")
            #expect(error.file.hasSuffix("tokenizer_config.json"), "\(error)")
        }
    }

    @Test("merges.txt: a line with one word, an unknown piece, give the line number")
    func badMerges() throws {
        let merges = "#version: 0.2\nĠ l\nĠl o\nlonely\ne r\n"
        let dir = try TokenizerFixtures.copy("tiny-gpt2-lmbuddy", Self.gpt2Files, replacing: ["merges.txt": Array(merges.utf8)])
        let error = try #require(Self.error(dir))
        #expect(error.file.hasSuffix("merges.txt") && error.line == 4, "\(error)")
        #expect(error.description.contains("merges.txt:4"), "\(error)")

        let unknown = "#version: 0.2\nĠ l\nq z\n"
        let dir2 = try TokenizerFixtures.copy("tiny-gpt2-lmbuddy", Self.gpt2Files, replacing: ["merges.txt": Array(unknown.utf8)])
        let error2 = try #require(Self.error(dir2))
        #expect(error2.line == 3 && error2.message.contains("`q`"), "\(error2)")

        let noResult = "Ġ n\nn e\n"  // "ne" is not in the vocabulary
        let dir3 = try TokenizerFixtures.copy("tiny-gpt2-lmbuddy", Self.gpt2Files, replacing: ["merges.txt": Array(noResult.utf8)])
        let error3 = try #require(Self.error(dir3))
        #expect(error3.line == 2 && error3.message.contains("`ne`"), "\(error3)")
    }

    @Test("vocab.json: truncated, wrong types, gaps")
    func badVocab() throws {
        for (vocab, expected) in [(#"{"l": 0, "o": "#, "not valid JSON"), (#"{"l": 0, "o": "one"}"#, "expected a non-negative integer id"),
                                  (#"{"l": 0, "o": 5}"#, "has no piece"), (#"["l"]"#, "expected an object"), ("", "not valid JSON")] {
            let dir = try TokenizerFixtures.copy("tiny-gpt2-lmbuddy", ["vocab.json", "merges.txt"], replacing: ["vocab.json": Array(vocab.utf8)])
            let error = try #require(Self.error(dir), "\(vocab) loaded")
            #expect(error.file.hasSuffix("vocab.json") && error.message.contains(expected), "\(error)")
        }
    }

    @Test("a directory without tokenizer files says what it looked for")
    func emptyDirectory() throws {
        let dir = try TokenizerFixtures.directory([("tokenizer.model", [0])])
        let error = try #require(Self.error(dir))
        #expect(error.message.contains("no tokenizer.json") && error.message.contains("tokenizer.model"), "\(error)")
    }

    @Test("GGUF tokenizer metadata of the wrong type or out of range is refused by key and token")
    func badGGUFMetadata() throws {
        let good = try TokenizerStories260KTests.llama2c().ggufMetadata().dictionary
        func error(_ edit: (inout [String: GGUFValue]) -> Void) -> TokenizerError? {
            var metadata = good
            edit(&metadata)
            do {
                _ = try TokenizerLoader.load(ggufMetadata: metadata, file: "test.gguf")
                return nil
            } catch let e as TokenizerError { return e } catch { Issue.record("\(error)"); return nil }
        }
        let cases: [(String, (inout [String: GGUFValue]) -> Void, String)] = [
            ("no model", { $0["tokenizer.ggml.model"] = nil }, "`tokenizer.ggml.model` is missing"),
            ("bert", { $0["tokenizer.ggml.model"] = .string("bert") }, "`bert`"),
            ("tokens not strings", { $0["tokenizer.ggml.tokens"] = .array(elementType: 4, values: [.uint32(1)]) }, "expected a string"),
            ("tokens not an array", { $0["tokenizer.ggml.tokens"] = .string("a") }, "expected an array"),
            ("short scores", { $0["tokenizer.ggml.scores"] = .array(elementType: 6, values: [.float32(0)]) }, "512 tokens but 1 scores"),
            ("bad type", { m in var t = m["tokenizer.ggml.token_type"]!.array!; t[7] = .int32(9); m["tokenizer.ggml.token_type"] = .array(elementType: 5, values: t) }, "token 7"),
            ("bos out of range", { $0["tokenizer.ggml.bos_token_id"] = .uint32(600) }, "outside the vocabulary"),
            ("bos a string", { $0["tokenizer.ggml.bos_token_id"] = .string("1") }, "expected an integer"),
            ("bad byte token", { m in var t = m["tokenizer.ggml.tokens"]!.array!; t[5] = .string("<0xZZ>"); m["tokenizer.ggml.tokens"] = .array(elementType: 8, values: t) }, "<0xNN>"),
        ]
        for (name, edit, expected) in cases {
            let e = try #require(error(edit), "\(name) loaded")
            #expect(e.description.contains(expected) && e.file == "test.gguf", "\(name): \(e)")
        }
        var gpt2 = good
        gpt2["tokenizer.ggml.model"] = .string("gpt2")
        gpt2["tokenizer.ggml.pre"] = .string("llama-bpe")
        #expect(throws: TokenizerError.self) { try TokenizerLoader.load(ggufMetadata: gpt2, file: "x.gguf") }
        gpt2["tokenizer.ggml.pre"] = nil
        gpt2["tokenizer.ggml.merges"] = GGUFTokenizerMetadata.stringArray(["▁t"])
        #expect(throws: TokenizerError.self) { try TokenizerLoader.load(ggufMetadata: gpt2, file: "x.gguf") }
    }
}
