import Foundation
import Testing
import HoneModels
import HoneTrain
@testable import HoneLang

/// The model's template in sessions: `generate` wraps prompts in it, and saving a model or an
/// adapter writes it where other tools look, so loading the result brings it back.
@Suite("templates in sessions", .enabled(if: SharedModelFiles.has("stories260K/stories260K.gguf"), "the shared models are absent"))
struct TemplateCommandTests: SessionTesting {
    let gguf = SharedModelFiles.directory + "/stories260K/stories260K.gguf"

    func ids(_ value: Value?) -> [Int] {
        guard case .list(let items)? = value else { return [] }
        return items.compactMap { if case .int(let i) = $0 { i } else { nil } }
    }

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-templates-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("generate wraps the prompt in the named template, the model's by default, and not with template=none")
    func generateTemplates() throws {
        let (session, interpreter, output) = session()
        #expect(run(interpreter, "load model \"\(gguf)\"").errors.isEmpty)
        let handle = try #require(session.workspace.currentModel)
        let tokenizer = try #require(handle.tokenizer)
        let alpacaPrompt = PromptTemplate.alpaca.render(.instruction(instruction: "Hi", input: "", output: "")).prompt

        guard case .completed(let named) = run(interpreter, "generate \"Hi\" template=alpaca max_tokens=1 temperature=0") else {
            Issue.record("generate failed"); return
        }
        #expect(ids(named.field("prompt_ids")) == tokenizer.encode(alpacaPrompt, bos: true))
        #expect(output.stableText.contains("template: alpaca\n"))

        handle.template = .alpaca
        guard case .completed(let remembered) = run(interpreter, "generate \"Hi\" max_tokens=1 temperature=0") else {
            Issue.record("generate failed"); return
        }
        #expect(ids(remembered.field("prompt_ids")) == tokenizer.encode(alpacaPrompt, bos: true))
        #expect(output.stableText.contains("template: alpaca (the model's; template=none for raw text)"))

        guard case .completed(let raw) = run(interpreter, "generate \"Hi\" template=none max_tokens=1 temperature=0") else {
            Issue.record("generate failed"); return
        }
        #expect(ids(raw.field("prompt_ids")) == tokenizer.encode("Hi", bos: true))
        #expect(raw.field("template")?.repr.contains("none") == true)

        let bad = run(interpreter, "generate \"Hi\" template=chatty max_tokens=1")
        #expect(bad.errors.first?.message.contains("unknown template \"chatty\"") == true)
    }

    @Test("a GGUF saved from a model trained with alpaca carries tokenizer.chat_template, and loading it restores the template")
    func ggufRoundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        #expect(run(interpreter, "load model \"\(gguf)\"").errors.isEmpty)
        session.workspace.currentModel?.template = .alpaca
        let saved = run(interpreter, "save model \"\(dir)/t.gguf\"\nload model \"\(dir)/t.gguf\" as back")
        #expect(saved.errors.isEmpty, "\(saved.errors)")
        let reader = try GGUFReader(path: dir + "/t.gguf")
        #expect(reader.metadata["tokenizer.chat_template"]?.string == PromptTemplate.alpaca.chatTemplateText)
        let back = try #require(session.workspace.model(named: "back"))
        #expect(back.template == .chat(try ChatTemplate(PromptTemplate.alpaca.chatTemplateText)))
        #expect(output.stableText.contains("chat template: from the GGUF's tokenizer.chat_template; generate uses it"))
        // The loaded template renders the prompt the model was trained on.
        let record = DataRecord.instruction(instruction: "Sum.", input: "1 2", output: "3")
        #expect(back.template?.render(record).prompt == PromptTemplate.alpaca.render(record).prompt)
    }

    @Test("a Hugging Face directory keeps chat_template in tokenizer_config.json; a PEFT adapter keeps chat_template.jinja")
    func huggingFaceAndAdapterRoundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, _) = session()
        #expect(run(interpreter, "load model \"\(gguf)\"\nlora r=2").errors.isEmpty)
        session.workspace.currentModel?.template = .chatml
        let saved = run(interpreter, "save adapter \"\(dir)/ad\"\ndelete adapter default\nsave model \"\(dir)/hf\"")
        #expect(saved.errors.isEmpty, "\(saved.errors)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/hf/tokenizer_config.json"))) as? [String: Any]
        #expect(config?["chat_template"] as? String == PromptTemplate.chatml.chatTemplateText)
        #expect(config?["eos_token"] != nil, "the rest of the tokenizer config is kept")
        #expect(try String(contentsOfFile: dir + "/ad/chat_template.jinja", encoding: .utf8) == PromptTemplate.chatml.chatTemplateText)

        let (fresh, interpreter2, output2) = self.session()
        #expect(run(interpreter2, "load model \"\(dir)/hf\" as hf").errors.isEmpty)
        #expect(fresh.workspace.model(named: "hf")?.template?.chatTemplateText == PromptTemplate.chatml.chatTemplateText)
        #expect(run(interpreter2, "load model \"\(gguf)\" as base\nload adapter \"\(dir)/ad\"").errors.isEmpty)
        #expect(fresh.workspace.model(named: "base")?.template?.chatTemplateText == PromptTemplate.chatml.chatTemplateText)
        #expect(output2.stableText.contains("chat template: from the adapter folder"))
    }
}
