import Foundation
@testable import HoneModels
import Testing

/// The stories260K vocabulary in its three files (tok512.bin, the GGUF, stories260K-hf's
/// tokenizer.json) against reference.json and against each other.
@Suite("tokenizers: stories260K in three formats", .enabled(if: SharedModels.has("stories260K/reference.json") && SharedModels.has("stories260K-hf/tokenizer.json"), SharedModels.missingReason("stories260K")))
struct TokenizerStories260KTests {
    static func llama2c() throws -> Llama2CTokenizer {
        try Llama2CTokenizer(path: SharedModels.path("stories260K/tok512.bin"), vocabularySize: 512)
    }

    static func gguf() throws -> SentencePieceTokenizer {
        try TokenizerLoader.load(gguf: GGUFReader(path: SharedModels.path("stories260K/stories260K.gguf"))) as! SentencePieceTokenizer
    }

    static func hf() throws -> SentencePieceTokenizer {
        try TokenizerLoader.load(directory: SharedModels.path("stories260K-hf")) as! SentencePieceTokenizer
    }

    /// The prompts with their reference ids, and the texts reference.json's cross-checks list
    /// (where SentencePiece proper differs; llama2.c, llama.cpp and HF agree on all of them).
    static func reference() throws -> (cases: [(String, [Int])], texts: [String]) {
        let json = try SharedModels.json("stories260K/reference.json")
        let cases = (json["cases"] as! [[String: Any]]).map { ($0["prompt"] as! String, $0["prompt_token_ids"] as! [Int]) }
        let checks = (json["cross_checks"] as! [String: Any])["tokenization"] as! [String: Any]
        var texts: [String] = []
        for (key, value) in checks where key.hasSuffix("_examples") {
            texts += (value as? [String]) ?? []
        }
        return (cases, texts)
    }

    @Test("all three files encode the prompts to the reference ids")
    func referenceIDs() throws {
        let tokenizers: [any Tokenizer] = [try Self.llama2c(), try Self.gguf(), try Self.hf()]
        for (prompt, ids) in try Self.reference().cases {
            for tokenizer in tokenizers {
                #expect(tokenizer.encode(prompt, bos: true) == ids, "\(type(of: tokenizer)) on \(prompt)")
            }
        }
    }

    @Test("the three files agree on reference.json's cross-check texts and random text")
    func filesAgree() throws {
        let l = try Self.llama2c(), g = try Self.gguf(), h = try Self.hf()
        var random = RandomText(seed: 260)
        let texts = try Self.reference().texts + random.plainTexts(count: 200) + ["", " ", "  leading", "trailing  ", "a\n\nb", "\t"]
        #expect(try Self.reference().texts.count >= 8)
        for text in texts {
            let ids = l.encode(text, bos: true)
            #expect(g.encode(text, bos: true) == ids, "GGUF on \(text.debugDescription)")
            #expect(h.encode(text, bos: true) == ids, "tokenizer.json on \(text.debugDescription)")
        }
    }

    @Test("special tokens, token types and the vocabulary agree across the files")
    func vocabularies() throws {
        let l = try Self.llama2c().sentencePiece(), g = try Self.gguf(), h = try Self.hf()
        for t in [l, g, h] {
            #expect(t.specialTokens.bos == SpecialToken(id: 1, text: "<s>"))
            #expect(t.specialTokens.eos == SpecialToken(id: 2, text: "</s>"))
            #expect(t.specialTokens.unk == SpecialToken(id: 0, text: "<unk>"))
            #expect(t.specialTokens.addBOS && !t.specialTokens.addEOS)
            #expect(t.pieces == g.pieces)
            #expect(t.types == g.types)
            #expect(t.piece(259) == "▁t" && t.piece(13) == "<0x0A>")
        }
        // Scores derived from tokenizer.json's merge ranks are the SentencePiece scores.
        #expect(h.scores == g.scores)
        #expect(l.scores == g.scores)
    }

    @Test("decoding: HF strips one leading space, llama.cpp only a first token's, llama2.c after BOS")
    func decodingRules() throws {
        let ids = [1, 403, 407, 261, 378]  // <s> ▁Once ▁upon ▁a ▁time
        #expect(try Self.llama2c().decode(ids) == "Once upon a time")
        #expect(try Self.hf().decode(ids) == "Once upon a time")
        #expect(try Self.gguf().decode(ids) == " Once upon a time")
        #expect(try Self.gguf().decode(Array(ids.dropFirst())) == "Once upon a time")
        #expect(try Self.hf().decode(Array(ids.dropFirst())) == "Once upon a time")
        #expect(try Self.llama2c().decode(Array(ids.dropFirst())) == " Once upon a time")
        // A continuation (no BOS, not first) keeps its space everywhere but HF.
        #expect(try Self.gguf().decode([407, 261]) == "upon a")
        #expect(try Self.gguf().decode([2, 407]) == " upon")
    }

    @Test("Llama2CTokenizer's tokenizer.json has the reference file's merges, vocabulary and decoder")
    func exportMatchesReference() throws {
        let files = try Self.llama2c().huggingFaceFiles()
        #expect(files.map(\.name) == ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
        let ours = try JSONSerialization.jsonObject(with: Data(files[0].bytes)) as! [String: Any]
        let reference = try SharedModels.json("stories260K-hf/tokenizer.json")
        let (m1, m2) = (ours["model"] as! [String: Any], reference["model"] as! [String: Any])
        #expect((m1["merges"] as! [[String]]) == (m2["merges"] as! [[String]]))
        #expect((m1["vocab"] as! [String: Int]) == (m2["vocab"] as! [String: Int]))
        for key in ["normalizer", "decoder", "post_processor", "added_tokens"] {
            #expect(NSDictionary(dictionary: ["k": ours[key]!]) == NSDictionary(dictionary: ["k": reference[key]!]), "\(key)")
        }
    }

    @Test("the GGUF's tokenizer metadata comes back from ggufMetadata() for all three files")
    func ggufMetadataMatchesFile() throws {
        let reader = try GGUFReader(path: SharedModels.path("stories260K/stories260K.gguf"))
        for tokenizer in [try Self.llama2c() as any Tokenizer, try Self.gguf(), try Self.hf()] {
            let ours = tokenizer.ggufMetadata().dictionary
            for key in ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type"] {
                #expect(ours[key] == reader.metadata[key], "\(key) from \(type(of: tokenizer))")
            }
            #expect(ours["tokenizer.ggml.scores"]?.array?.map(\.double) == reader.metadata["tokenizer.ggml.scores"]?.array?.map(\.double))
            for key in ["bos_token_id", "eos_token_id", "unknown_token_id"] {
                #expect(ours["tokenizer.ggml." + key]?.int == reader.metadata["tokenizer.ggml." + key]?.int, "\(key)")
            }
        }
    }

    @Test("a Metaspace pre-tokenizer (non-legacy form) encodes like the legacy normalizer")
    func metaspaceForm() throws {
        var json = try SharedModels.json("stories260K-hf/tokenizer.json")
        json["normalizer"] = NSNull()
        json["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": false]
        let dir = try TokenizerFixtures.copy("stories260K-hf", ["tokenizer_config.json", "special_tokens_map.json"],
                                             replacing: ["tokenizer.json": [UInt8](try JSONSerialization.data(withJSONObject: json))])
        let metaspace = try TokenizerLoader.load(directory: dir)
        let legacy = try Self.hf()
        var random = RandomText(seed: 31)
        for text in random.plainTexts(count: 50) {
            #expect(metaspace.encode(text, bos: true) == legacy.encode(text, bos: true))
        }
        json["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true]
        let split = try TokenizerFixtures.copy("stories260K-hf", [], replacing: ["tokenizer.json": [UInt8](try JSONSerialization.data(withJSONObject: json))])
        #expect(throws: TokenizerError.self) { try TokenizerLoader.load(directory: split) }
    }

    @Test("pieces display with ▁ in every format, and special-token strings are text unless asked")
    func piecesAndSpecialStrings() throws {
        let l = try Self.llama2c(), g = try Self.gguf()
        #expect([1, 403, 2, 13, 600].map(l.piece) == ["<s>", "▁Once", "</s>", "<0x0A>", "<invalid id 600>"])
        #expect([1, 403, 2, 13, 600].map(g.piece) == ["<s>", "▁Once", "</s>", "<0x0A>", "<invalid id 600>"])
        for t in [l as any Tokenizer, g, try Self.hf()] {
            let plain = t.encode("<s>The cat</s>", bos: true)
            #expect(!plain.dropFirst().contains(1) && !plain.contains(2))
            // Parsed, each stretch of text gets its own dummy prefix (HF "legacy" behaviour).
            #expect(t.encode("<s>The cat</s>", bos: false, parsingSpecialTokens: true) == [1, 291, 280, 294, 2])
            #expect(t.decode([1, 291, 280, 294, 2]).hasSuffix("The cat"))
        }
    }
}
