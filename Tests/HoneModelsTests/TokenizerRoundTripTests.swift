import Foundation
@testable import HoneModels
import Testing

/// encode → decode on seeded random Unicode text, and huggingFaceFiles() / ggufMetadata() written
/// and read back, for every tokenizer.
@Suite("tokenizers: round trips", .enabled(if: SharedModels.has("stories260K/tok512.bin") && SharedModels.has("gpt2-tiny-random/tokenizer.json"), SharedModels.missingReason("stories260K, gpt2-tiny-random")))
struct TokenizerRoundTripTests {
    static let gpt2: Result<ByteLevelBPETokenizer, any Error> = TokenizerGPT2Tests.fromJSON

    static func all() throws -> [(String, any Tokenizer)] {
        [("tok512.bin", try TokenizerStories260KTests.llama2c()), ("stories260K.gguf", try TokenizerStories260KTests.gguf()),
         ("stories260K-hf", try TokenizerStories260KTests.hf()), ("GPT-2 tokenizer.json", try gpt2.get())]
    }

    /// Random texts; special-token strings are plain text to `encode(_:bos:)` and come back as
    /// themselves, so they stay in.
    static func texts(seed: UInt64, count: Int = 150) -> [String] {
        var random = RandomText(seed: seed)
        return random.plainTexts(count: count) + ["", " ", "\n", "\t\t", "  two leading", "é\u{301}", "👩‍💻🇫🇷"]
    }

    @Test("decode(encode(text)) == text, with the documented leading-space rules")
    func encodeDecode() throws {
        for (name, tokenizer) in try Self.all() {
            for text in Self.texts(seed: 7) {
                let withBOS = tokenizer.encode(text, bos: true), without = tokenizer.encode(text, bos: false)
                switch tokenizer {
                case let sp as SentencePieceTokenizer where sp.leadingSpace == .llamaCpp:
                    // llama.cpp keeps the dummy-prefix space when the ids start with BOS.
                    #expect(tokenizer.decode(without) == text, "\(name): \(text.debugDescription)")
                    #expect(tokenizer.decode(withBOS) == (text.isEmpty ? "" : " " + text), "\(name): \(text.debugDescription)")
                case is Llama2CTokenizer:
                    #expect(tokenizer.decode(withBOS) == text, "\(name): \(text.debugDescription)")
                    #expect(tokenizer.decode(without) == (text.isEmpty ? "" : " " + text), "\(name): \(text.debugDescription)")
                default:
                    #expect(tokenizer.decode(withBOS) == text, "\(name): \(text.debugDescription)")
                    #expect(tokenizer.decode(without) == text, "\(name): \(text.debugDescription)")
                }
            }
        }
    }

    @Test("huggingFaceFiles() read back by TokenizerLoader encodes and decodes identically")
    func huggingFaceFilesRoundTrip() throws {
        for (name, tokenizer) in try Self.all() {
            let files = try tokenizer.huggingFaceFiles()
            let back = try TokenizerLoader.load(directory: TokenizerFixtures.directory(files, name))
            #expect(back.vocabularySize == tokenizer.vocabularySize)
            #expect(back.specialTokens == tokenizer.specialTokens, "\(name)")
            for text in Self.texts(seed: 11) {
                let ids = tokenizer.encode(text, bos: true)
                #expect(back.encode(text, bos: true) == ids, "\(name): \(text.debugDescription)")
                if !(tokenizer is Llama2CTokenizer) && (tokenizer as? SentencePieceTokenizer)?.leadingSpace != .llamaCpp {
                    #expect(back.decode(ids) == tokenizer.decode(ids), "\(name)")
                }
            }
            // Written twice, the files are byte-identical (stable key order).
            let again = try back.huggingFaceFiles()
            #expect(again.map(\.bytes) == files.map(\.bytes), "\(name)")
        }
    }

    @Test("ggufMetadata() read back by TokenizerLoader encodes identically")
    func ggufMetadataRoundTrip() throws {
        for (name, tokenizer) in try Self.all() {
            let metadata = tokenizer.ggufMetadata()
            let back = try TokenizerLoader.load(ggufMetadata: metadata.dictionary, file: name)
            #expect(back.vocabularySize == tokenizer.vocabularySize)
            #expect(back.specialTokens.bos == tokenizer.specialTokens.bos && back.specialTokens.eos == tokenizer.specialTokens.eos)
            for text in Self.texts(seed: 13) {
                #expect(back.encode(text, bos: true) == tokenizer.encode(text, bos: true), "\(name): \(text.debugDescription)")
            }
        }
    }

    @Test("ggufMetadata() written to a GGUF file and read by GGUFReader gives the same tokenizer")
    func ggufFileRoundTrip() throws {
        for (name, tokenizer) in try Self.all() {
            let path = try TokenizerFixtures.directory([("tokenizer.gguf", GGUFMetadataFile.bytes(tokenizer.ggufMetadata()))], name) + "/tokenizer.gguf"
            let reader = try GGUFReader(path: path)
            let back = try TokenizerLoader.load(gguf: reader)
            #expect(back.specialTokens == (try TokenizerLoader.load(ggufMetadata: tokenizer.ggufMetadata().dictionary, file: name)).specialTokens)
            for text in Self.texts(seed: 17, count: 40) {
                #expect(back.encode(text, bos: true) == tokenizer.encode(text, bos: true), "\(name): \(text.debugDescription)")
            }
        }
    }

    @Test("the heap merge loop gives the scan's result on random symbol strings")
    func heapEqualsScan() throws {
        let tokenizer = try TokenizerStories260KTests.llama2c()
        let table = BPEMergeTable.byScore(pieces: tokenizer.pieces, scores: tokenizer.scores)
        var random = RandomText(seed: 5)
        let alphabet = "▁theandoswlyi".unicodeScalars.compactMap { scalar -> Int32? in
            let piece = Array((scalar == "▁" ? " " : String(scalar)).utf8)
            return tokenizer.pieces.firstIndex(of: piece).map(Int32.init)
        }
        for _ in 0..<200 {
            let symbols = (0..<(30 + random.int(120))).map { _ in alphabet[random.int(alphabet.count)] }
            var heap = symbols, scan = symbols
            table.applyByHeap(&heap)
            table.applyByScan(&scan)
            #expect(heap == scan)
        }
    }

    @Test("SentencePiece encodes 100 KB of text as one word in well under a second in release")
    func sentencePieceSpeed() throws {
        let tokenizer = try TokenizerStories260KTests.gguf()
        var random = RandomText(seed: 101)
        var text = ""
        while text.utf8.count < 100_000 { text += random.text(words: 50) }
        let elapsed = ContinuousClock().measure { _ = tokenizer.encode(text, bos: true) }
        print("SentencePiece encode of \(text.utf8.count) bytes: \(elapsed)")
        #expect(elapsed < .seconds(10))
    }
}
