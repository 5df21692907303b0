import Foundation
@testable import HoneModels
import Testing

/// `ByteLevelBPETrainer`: merges checked against a hand derivation, deterministic ties, and the
/// trained tokenizer's round trips through text and through tokenizer.json.
@Suite("tokenizers: BPE training")
struct BPETrainerTests {
    typealias Trainer = ByteLevelBPETrainer

    /// A few hundred short sentences of simple English, seeded.
    static func corpus(seed: UInt64 = 1, sentences: Int = 400) -> [String] {
        let words = ["the", "cat", "dog", "sat", "on", "a", "mat", "and", "ran", "to", "park", "Lily", "Tom", "happy",
                     "big", "red", "ball", "played", "with", "her", "his", "friend", "sun", "was", "very", "said"]
        var random = RandomText(seed: seed)
        return (0..<sentences).map { _ in
            let n = 3 + random.int(8)
            let sentence = (0..<n).map { _ in words[random.int(words.count)] }.joined(separator: " ")
            return sentence.prefix(1).uppercased() + sentence.dropFirst() + (random.int(3) == 0 ? "!\n" : ".\n")
        }
    }

    @Test("the first merges are the ones derived by hand")
    func firstMergesByHand() throws {
        // "ab ab ab abc" splits into the pieces "ab" ×1, " ab" ×2, " abc" ×1; in the byte-level
        // alphabet the space is Ġ, so the words are [a b] ×1, [Ġ a b] ×2, [Ġ a b c] ×1.
        // Pair counts: (a b) 1+2+1 = 4, (Ġ a) 2+1 = 3, (b c) 1.
        //   merge 1: a b  → ab.   Words [ab], [Ġ ab] ×2, [Ġ ab c]: (Ġ ab) 3, (ab c) 1.
        //   merge 2: Ġ ab → Ġab.  Words [ab], [Ġab] ×2, [Ġab c]:  (Ġab c) 1.
        //   merge 3: Ġab c → Ġabc. No pairs are left.
        let result = try Trainer.train(texts: ["ab ab ab abc"], vocabularySize: 3 + 256 + 3)
        let merges = result.tokenizer.merges.map { "\($0.left) \($0.right)" }
        #expect(merges == ["a b", "Ġ ab", "Ġab c"])
        #expect(Array(result.tokenizer.pieces.suffix(3)) == ["ab", "Ġab", "Ġabc"])
        #expect(result.stoppedEarly == false)
        // 12 bytes; after the merges the pieces are [ab], [Ġab] ×2, [Ġabc]: 4 tokens.
        #expect(result.bytes == 12 && result.tokens == 4)
    }

    @Test("equal counts go to the pair whose pieces' bytes sort first")
    func tiesByBytes() throws {
        // "xy yx": words [x y] and [Ġ y x]; (x y), (Ġ y) and (y x) each occur once. Ġ is the
        // space, byte 0x20, so (Ġ y) wins; then (Ġy x) and (x y) tie again and " y" (0x20 0x79)
        // sorts before "x" (0x78): Ġy x, and last x y.
        let result = try Trainer.train(texts: ["xy yx"], vocabularySize: 3 + 256 + 10)
        #expect(result.tokenizer.merges.map { "\($0.left) \($0.right)" } == ["Ġ y", "Ġy x", "x y"])
        #expect(result.stoppedEarly)
        #expect(result.tokenizer.vocabularySize == 3 + 256 + 3)
    }

    @Test("training twice, or on the texts in another order, gives the same vocabulary and merges")
    func deterministic() throws {
        let texts = Self.corpus()
        let a = try Trainer.train(texts: texts, vocabularySize: 420).tokenizer
        let b = try Trainer.train(texts: texts.reversed(), vocabularySize: 420).tokenizer
        #expect(a.pieces == b.pieces)
        #expect(a.merges.map { $0.left + " " + $0.right } == b.merges.map { $0.left + " " + $0.right })
    }

    @Test("the vocabulary reaches the size asked, special tokens first")
    func vocabularySizeReached() throws {
        let result = try Trainer.train(texts: Self.corpus(), vocabularySize: 340)
        let tokenizer = result.tokenizer
        #expect(tokenizer.vocabularySize == 340)
        #expect(result.stoppedEarly == false)
        #expect(Array(tokenizer.pieces.prefix(3)) == ["<s>", "</s>", "<pad>"])
        #expect(tokenizer.bos == 0 && tokenizer.eos == 1 && tokenizer.specialTokens.pad?.id == 2)
        #expect(tokenizer.specialTokens.addBOS)
        #expect(result.bytesPerToken > 2, "merges should compress repetitive English (\(result.bytesPerToken) bytes/token)")
    }

    @Test("too small a vocabulary is an error naming what it needs")
    func tooSmall() {
        #expect {
            try Trainer.train(texts: ["abc"], vocabularySize: 100)
        } throws: { error in
            "\(error)".contains("vocab=100 is too small") && "\(error)".contains("259")
        }
    }

    @Test("decode(encode(text)) == text for text never seen in training, Unicode included")
    func encodeDecodeRoundTrip() throws {
        let tokenizer = try Trainer.train(texts: Self.corpus(), vocabularySize: 340).tokenizer
        var random = RandomText(seed: 3)
        for text in random.plainTexts(count: 100) + ["", " ", "日本語 🇫🇷 naïve", "<s> is text here", "\t\n  x"] {
            let ids = tokenizer.encode(text, bos: true)
            #expect(ids.first == 0)
            #expect(tokenizer.decode(ids) == text, "\(text.debugDescription)")
        }
    }

    @Test("a piece that would spell a special token is never merged")
    func specialTokenSpellingNotMerged() throws {
        // GPT-2's split keeps `###` one piece: # # → ##, then ## # would make the special token, so
        // it is skipped: Ġ ## (once), then Ġ## # (once), and no pair but the forbidden one is left.
        let names = Trainer.SpecialTokenNames(others: ["###"])
        let result = try Trainer.train(texts: ["### ###"], vocabularySize: 4 + 256 + 5, specialTokens: names)
        let tokenizer = result.tokenizer
        #expect(tokenizer.specialTokens.others == [SpecialToken(id: 3, text: "###")])
        #expect(tokenizer.pieces.dropFirst(4).allSatisfy { $0 != "###" })
        #expect(tokenizer.merges.map { "\($0.left) \($0.right)" } == ["# #", "Ġ ##", "Ġ## #"])
        #expect(tokenizer.decode(tokenizer.encode("###", bos: false)) == "###")
    }

    @Test("save, then TokenizerLoader.load(directory:), gives the same ids and special tokens")
    func saveAndLoad() throws {
        let tokenizer = try Trainer.train(texts: Self.corpus(), vocabularySize: 340).tokenizer
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-bpe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try tokenizer.save(directory: directory, modelMaxLength: 512)
        #expect(written.map { ($0 as NSString).lastPathComponent }.sorted()
                == ["special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"])
        let loaded = try TokenizerLoader.load(directory: directory)
        #expect(loaded is ByteLevelBPETokenizer)
        #expect(loaded.vocabularySize == 340)
        #expect(loaded.specialTokens == tokenizer.specialTokens)
        var random = RandomText(seed: 11)
        for text in Self.corpus(seed: 9, sentences: 20) + random.plainTexts(count: 30) {
            #expect(loaded.encode(text, bos: true) == tokenizer.encode(text, bos: true), "\(text.debugDescription)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/tokenizer_config.json"))) as? [String: Any]
        #expect(config?["model_max_length"] as? Int == 512)
        #expect(config?["bos_token"] as? String == "<s>" && config?["eos_token"] as? String == "</s>" && config?["pad_token"] as? String == "<pad>")
    }

    @Test("the GGUF metadata (tokenizer.ggml.model = gpt2) reads back as the same tokenizer")
    func ggufMetadataRoundTrip() throws {
        let tokenizer = try Trainer.train(texts: Self.corpus(), vocabularySize: 340).tokenizer
        var metadata: [String: GGUFValue] = [:]
        for (key, value) in tokenizer.ggufMetadata() { metadata[key] = value }
        #expect(metadata["tokenizer.ggml.model"]?.string == "gpt2")
        let loaded = try TokenizerLoader.load(ggufMetadata: metadata, file: "test.gguf")
        #expect(loaded.bos == 0 && loaded.eos == 1 && loaded.specialTokens.addBOS)
        for text in Self.corpus(seed: 5, sentences: 20) {
            #expect(loaded.encode(text, bos: true) == tokenizer.encode(text, bos: true))
        }
    }
}
