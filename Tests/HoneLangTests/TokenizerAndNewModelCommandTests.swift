import Foundation
import Testing
@testable import HoneLang
import HoneModels

/// `tokenizer train` and `new model llama`: the path from raw text to a model ready to pretrain,
/// and that such a model survives `save model` + `load model`.
@Suite("tokenizer train and new model")
struct TokenizerAndNewModelCommandTests: SessionTesting {
    /// A fresh directory holding `corpus.txt` (simple repeated English) and `corpus.jsonl`.
    static func workDirectory(_ label: String = #function) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-newmodel-\(label.filter(\.isLetter))-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sentences = ["Once upon a time there was a little cat.", "The cat liked to play in the sun.",
                         "One day the cat saw a big red ball.", "Lily and Tom played with the ball in the park.",
                         "They were very happy, and the sun was warm."]
        let text = (0..<40).map { sentences[$0 % sentences.count] }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/corpus.txt"))
        let jsonl = sentences.map { "{\"text\": \"\($0)\"}" }.joined(separator: "\n") + "\n"
        try Data(jsonl.utf8).write(to: URL(fileURLWithPath: dir + "/corpus.jsonl"))
        return dir
    }

    @Test("tokenizer train on a text file writes files that load back with the vocabulary asked")
    func trainOnTextFile() throws {
        let dir = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, "let t = tokenizer train \"\(dir)/corpus.txt\" vocab=300 file=\"\(dir)/tok\"\nprint t.vocab_size")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.stableText.contains("trained tokenizer: vocab 300 (3 special, 256 bytes, 41 merges)"))
        #expect(output.stableText.contains("bytes/token"))
        #expect(output.stableText.hasSuffix("300\n"))
        let tokenizer = try TokenizerLoader.load(directory: dir + "/tok")
        #expect(tokenizer.vocabularySize == 300 && tokenizer.bos == 0 && tokenizer.eos == 1)
    }

    @Test("tokenizer train takes a loaded data set by name")
    func trainOnDataSet() throws {
        let dir = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, "load data \"\(dir)/corpus.jsonl\" as stories\ntokenizer train stories vocab=270 file=\"\(dir)/tok\"")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.stableText.contains("trained tokenizer: vocab 270"))
        #expect(FileManager.default.fileExists(atPath: dir + "/tok/tokenizer.json"))
    }

    @Test("tokenizer train names a missing data set or file")
    func missingSource() {
        let (_, interpreter, _) = session()
        let outcome = run(interpreter, "tokenizer train nowhere vocab=300")
        #expect(outcome.errors.first?.message == "`nowhere` is neither a loaded data set nor a file")
    }

    @Test("new model llama builds a model that generates, and save model + load model keep its logits")
    func newModelSaveLoad() throws {
        let dir = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        let script = """
            tokenizer train "\(dir)/corpus.txt" vocab=300 file="\(dir)/tok"
            new model llama hidden=64 layers=2 heads=4 tokenizer="\(dir)/tok" as m
            generate "Once upon a time" max_tokens=8 temperature=0
            save model "\(dir)/m-hf"
            save model "\(dir)/m.gguf"
            load model "\(dir)/m-hf" as back
            load model "\(dir)/m.gguf" as gguf
            """
        let outcome = run(interpreter, script)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        // embed 300·64, per layer 2·64 norms + 4·64·64 attention + 3·64·192 MLP, final norm 64 (tied).
        let expected = 300 * 64 + 2 * (2 * 64 + 4 * 64 * 64 + 3 * 64 * 192) + 64
        #expect(output.stableText.contains("new m: llama, \(String(format: "%.1fK", Double(expected) / 1e3)) parameters (\(expected))"))
        let ids = [0, 5, 60, 200, 299, 17]
        let handle = try #require(session.workspace.model(named: "m"))
        let original = handle.model
        for name in ["back", "gguf"] {
            let loaded = try #require(session.workspace.model(named: name))
            #expect(loaded.tokenizer?.encode("Once upon a time", bos: true) == handle.tokenizer?.encode("Once upon a time", bos: true))
            let a = original.forward(tokens: ids).scalars, b = loaded.model.forward(tokens: ids).scalars
            #expect(a.count == b.count)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-5, "\(name): logits differ by \(worst)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/m-hf/config.json"))) as? [String: Any]
        #expect(config?["bos_token_id"] as? Int == 0 && config?["eos_token_id"] as? Int == 1)
        #expect(config?["vocab_size"] as? Int == 300 && config?["tie_word_embeddings"] as? Bool == true)
    }

    @Test("new model refuses heads that do not divide hidden")
    func headsMustDivideHidden() throws {
        let dir = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, interpreter, _) = session()
        let outcome = run(interpreter, "tokenizer train \"\(dir)/corpus.txt\" vocab=280 file=\"\(dir)/tok\"\nnew model llama hidden=64 heads=5 tokenizer=\"\(dir)/tok\"")
        #expect(outcome.errors.first?.message == "hidden=64 is not a multiple of heads=5")
    }
}
