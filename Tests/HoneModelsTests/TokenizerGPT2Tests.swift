import Foundation
@testable import HoneModels
import Testing

/// GPT-2's byte-level BPE from tokenizer.json and from vocab.json + merges.txt (the 2 MB
/// tokenizer.json is read once for the suite).
@Suite("tokenizers: GPT-2 byte-level BPE", .enabled(if: SharedModels.has("gpt2-tiny-random/tokenizer.json"), SharedModels.missingReason("gpt2-tiny-random")))
struct TokenizerGPT2Tests {
    static let fromJSON: Result<ByteLevelBPETokenizer, any Error> = Result {
        try TokenizerLoader.load(directory: SharedModels.path("gpt2-tiny-random")) as! ByteLevelBPETokenizer
    }
    static let fromVocab: Result<ByteLevelBPETokenizer, any Error> = Result {
        try TokenizerLoader.load(directory: TokenizerFixtures.copy("gpt2-tiny-random",
            ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"])) as! ByteLevelBPETokenizer
    }

    @Test("reference.json's prompts and the README check give the transformers ids, from both file sets")
    func referenceIDs() throws {
        let json = try SharedModels.json("gpt2-tiny-random/reference.json")
        var cases = (json["cases"] as! [[String: Any]]).map { ($0["prompt"] as! String, $0["prompt_token_ids"] as! [Int]) }
        cases.append(("Hello world, this is GPT-2!", [15496, 995, 11, 428, 318, 402, 11571, 12, 17, 0]))
        for tokenizer in [try Self.fromJSON.get(), try Self.fromVocab.get()] {
            for (prompt, ids) in cases {
                #expect(tokenizer.encode(prompt, bos: false) == ids, "\(prompt)")
                #expect(tokenizer.decode(ids) == prompt)
            }
        }
    }

    @Test("tokenizer.json and vocab.json + merges.txt are the same tokenizer")
    func sameTokenizer() throws {
        let a = try Self.fromJSON.get(), b = try Self.fromVocab.get()
        #expect(a.pieces == b.pieces)
        #expect(a.merges.elementsEqual(b.merges, by: { $0 == $1 }))
        #expect(a.specialTokens == b.specialTokens)
        #expect(a.specialTokens.eos == SpecialToken(id: 50256, text: "<|endoftext|>"))
        #expect(a.specialTokens.bos?.id == 50256 && !a.specialTokens.addBOS)
        var random = RandomText(seed: 2)
        for text in random.plainTexts(count: 300) {
            #expect(a.encode(text, bos: false) == b.encode(text, bos: false), "\(text.debugDescription)")
        }
    }

    @Test("known GPT-2 encodings: contractions, spaces, newlines, Unicode")
    func knownEncodings() throws {
        let t = try Self.fromJSON.get()
        // Pieces as GPT-2 spells them, checked by hand against the split rule.
        #expect(t.encode("don't", bos: false).map(t.piece) == ["don", "'t"])
        #expect(t.encode(" hello  world", bos: false).map(t.piece) == ["Ġhello", "Ġ", "Ġworld"])
        // A whitespace run before a word leaves its last character to it, so "\n\n" before a word
        // is two pieces while at the end it is one (and merges to ĊĊ); GPT-2 has no ĠĠ.
        #expect(t.encode("a\n\nb", bos: false).map(t.piece) == ["a", "Ċ", "Ċ", "b"])
        #expect(t.encode("a\n\n", bos: false).map(t.piece) == ["a", "ĊĊ"])
        #expect(t.encode("x   ", bos: false).map(t.piece) == ["x", "Ġ", "Ġ", "Ġ"])
        #expect(t.encode("<|endoftext|>", bos: false) != [50256])
        #expect(t.encode("<|endoftext|>", bos: false, parsingSpecialTokens: true) == [50256])
        #expect(t.encode("hi<|endoftext|>", bos: true, parsingSpecialTokens: true) == [50256, 5303, 50256])
        #expect(t.decode([50256]) == "")
        #expect(t.decode(t.encode("🙂 naïve 日本", bos: false)) == "🙂 naïve 日本")
        // A prefix that ends inside a character decodes with U+FFFD, not a crash.
        let emoji = t.encode("🙂", bos: false)
        #expect(emoji.count > 1)
        #expect(t.decode(Array(emoji.prefix(1))).contains("\u{FFFD}"))
    }

    @Test("the pre-tokenizer follows GPT-2's regular expression")
    func preTokenizer() {
        func split(_ s: String) -> [String] {
            let scalars = Array(s.unicodeScalars)
            return GPT2PreTokenizer.split(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
        }
        #expect(split("Hello world, this is GPT-2!") == ["Hello", " world", ",", " this", " is", " GPT", "-", "2", "!"])
        #expect(split("I'm you'll they've we'd 'tis") == ["I", "'m", " you", "'ll", " they", "'ve", " we", "'d", " '", "tis"])
        #expect(split("a  b\n\n c") == ["a", " ", " b", "\n\n", " c"])
        #expect(split("end  ") == ["end", "  "])
        #expect(split("x\ty") == ["x", "\t", "y"])
        #expect(split("Ünïcödé 123abc ½") == ["Ünïcödé", " 123", "abc", " ½"])
        #expect(split("??!! ...") == ["??!!", " ..."])
        #expect(split("日本語のテキスト") == ["日本語のテキスト"])
        #expect(split("") == [])
    }

    @Test("a toy vocabulary (tiny-gpt2-lmbuddy) merges by rank and maps missing bytes to <unk>",
          .enabled(if: SharedModels.has("tiny-gpt2-lmbuddy/vocab.json")))
    func toyVocabulary() throws {
        let t = try TokenizerLoader.load(directory: SharedModels.path("tiny-gpt2-lmbuddy")) as! ByteLevelBPETokenizer
        #expect(t.vocabularySize == 21)
        #expect(t.specialTokens.unk == SpecialToken(id: 19, text: "<unk>"))
        #expect(t.specialTokens.eos == SpecialToken(id: 20, text: "<|endoftext|>"))
        #expect(t.encode("lower newer", bos: false).map(t.piece) == ["l", "o", "w", "er", "Ġ", "n", "e", "w", "er"])  // no `Ġ n` merge
        #expect(t.encode(" lowest", bos: false) == [14, 3, 5, 6])  // Ġlow e s t
        #expect(t.encode("x", bos: false) == [19])
        // Its files written and read back give the same ids.
        let back = try TokenizerLoader.load(directory: TokenizerFixtures.directory(try t.huggingFaceFiles()))
        for text in ["lower newer", "x y z", " lowest wider", "low\nlow"] {
            #expect(back.encode(text, bos: false) == t.encode(text, bos: false), "\(text)")
        }
    }

    @Test("encoding 100 KB of text takes well under a second in release")
    func speed() throws {
        let t = try Self.fromJSON.get()
        var random = RandomText(seed: 100)
        var text = ""
        while text.utf8.count < 100_000 { text += random.text(words: 50) }
        let clock = ContinuousClock()
        let elapsed = clock.measure { _ = t.encode(text, bos: false) }
        print("GPT-2 encode of \(text.utf8.count) bytes: \(elapsed)")
        #expect(elapsed < .seconds(10))  // debug builds are ~10× slower; release is well under 1 s
    }
}
