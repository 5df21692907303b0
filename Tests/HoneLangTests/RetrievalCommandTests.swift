import Foundation
import Testing
@testable import HoneLang

/// `rag index`, `rag search`, and retrieval and worked examples in `generate` and `eval`, on the
/// tiny stories260K model.
@Suite("retrieval commands")
struct RetrievalCommandTests: SessionTesting {
    let bin = SharedModelFiles.directory + "/stories260K/stories260K.bin"

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-rag-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func writeFacts(in dir: String) throws -> String {
        let file = dir + "/facts.txt"
        try """
            Lily has a red ball in the garden.

            Tom likes to eat apples and cake.

            The sun is hot and bright in the sky.
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("rag index builds a named index; rag search lists the best passages with scores and sources")
    func indexAndSearch() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try writeFacts(in: dir)
        let (session, interpreter, output) = session()
        let built = run(interpreter, "rag index \"\(file)\" as facts")
        #expect(built.errors.isEmpty, "\(built.errors)")
        #expect(output.stableText.contains("indexed facts: 3 passages, vocabulary 20 terms"))
        #expect(session.workspace.index(named: "facts")?.index.passages.count == 3)

        let found = run(interpreter, "let hits = rag search facts \"Lily's ball\" k=2\nprint hits.count")
        #expect(found.errors.isEmpty, "\(found.errors)")
        #expect(output.stableText.contains("1 passage from facts:\n  [1] "))
        #expect(output.stableText.contains("\(file):1  Lily has a red ball in the garden."))
        #expect(output.stableText.hasSuffix("1\n"))
    }

    @Test("an unknown index name suggests the near one; empty documents name the path")
    func errors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try writeFacts(in: dir)
        let (_, interpreter, _) = session()
        #expect(run(interpreter, "rag index \"\(file)\" as facts").errors.isEmpty)
        let unknown = run(interpreter, "rag search fact \"ball\"")
        #expect(unknown.firstMessage == "no index named `fact`")
        #expect(unknown.errors.first?.hints.first == "did you mean `facts`?")

        try "\n \n".write(toFile: dir + "/empty.txt", atomically: true, encoding: .utf8)
        let empty = run(interpreter, "rag index \"\(dir)/empty.txt\"")
        #expect(empty.firstMessage == "cannot index `\(dir)/empty.txt`")
        #expect(empty.errors.first?.cause?.contains("\(dir)/empty.txt: no text to index") == true)

        let noTemplate = run(interpreter, "generate \"hi\" rag=facts rag_template=\"{question}\" max_tokens=1")
        #expect(noTemplate.firstMessage == "no model is loaded" || noTemplate.firstMessage?.contains("{context}") == true)
    }

    @Test("generate with rag= puts the retrieved passages into the prompt the model sees",
          .enabled(if: SharedModelFiles.has("stories260K/stories260K.bin")))
    func generateWithRetrieval() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try writeFacts(in: dir)
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, """
            load model "\(bin)"
            rag index "\(file)" as facts
            rag search facts "What does Tom eat?"
            """)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        guard case .completed(let value) = run(interpreter, "generate \"What does Tom eat?\" rag=facts k=2 max_tokens=3 temperature=0") else {
            Issue.record("generate failed"); return
        }
        guard case .string(let prompt)? = value.field("prompt") else { Issue.record("no prompt"); return }
        #expect(prompt == "Use these facts:\n[1] Tom likes to eat apples and cake.\n\nQuestion: What does Tom eat?\nAnswer:")
        #expect(output.stableText.contains(prompt))
        #expect(output.stableText.contains("retrieved 1 passage from facts:\n  [1] "))
        if case .list(let hits)? = value.field("retrieved") { #expect(hits.count == 1) } else { Issue.record("no retrieved list") }

        let custom = run(interpreter, "let h = generate \"Lily\" rag=facts k=1 rag_template=\"{context} => {question}\" max_tokens=1 temperature=0 template=none\nprint h.prompt")
        #expect(custom.errors.isEmpty, "\(custom.errors)")
        #expect(output.stableText.contains("[1] Lily has a red ball in the garden. => Lily\n"))
    }

    @Test("generate with shots= shows worked examples first; eval with rag= and shots= scores augmented questions",
          .enabled(if: SharedModelFiles.has("stories260K/stories260K.bin")))
    func shotsAndEval() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try writeFacts(in: dir)
        let data = dir + "/qa.jsonl"
        try """
            {"instruction": "What does Tom eat?", "input": "", "output": "apples"}
            {"instruction": "What colour is Lily's ball?", "input": "", "output": "red"}
            {"instruction": "Is the sun hot?", "input": "", "output": "yes"}
            """.write(toFile: data, atomically: true, encoding: .utf8)
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, """
            load model "\(bin)"
            load data "\(data)" as qa
            rag index "\(file)" as facts
            let g = generate "Is the sky blue?" shots=qa n_shots=2 max_tokens=2 temperature=0 template=none
            print g.prompt
            let e = eval qa rag=facts k=1 shots=qa n_shots=1 n=2 max_tokens=2
            """)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.stableText.contains("Question: What does Tom eat?\nAnswer: apples\n\nQuestion: What colour is Lily's ball?\nAnswer: red\n\nQuestion: Is the sky blue?\nAnswer:\n"))
        #expect(output.stableText.contains("questions augmented: rag=facts k=1, shots=qa n_shots=1"))
        #expect(output.stableText.contains("generation on 2 examples"))
    }
}
