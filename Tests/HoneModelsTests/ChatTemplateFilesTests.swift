import Foundation
import HoneModels
import Testing

/// Chat templates in model files: written into tokenizer_config.json and GGUF, read back by
/// `ModelLoader`, in either of Hugging Face's forms.
@Suite("chat template files")
struct ChatTemplateFilesTests {
    static let template = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] }}{% endfor %}\n\"quoted\""

    @Test("adding a template to tokenizer_config.json keeps its other keys and order, and gives valid JSON")
    func addToConfig() throws {
        let original: [(name: String, bytes: [UInt8])] = [("tokenizer_config.json", Array("{\n  \"tokenizer_class\": \"X\",\n  \"eos_token\": \"</s>\"\n}\n".utf8)),
                                                          ("tokenizer.json", Array("{}".utf8))]
        let files = try ChatTemplateFiles.tokenizerFiles(original, adding: Self.template)
        let text = String(decoding: files[0].bytes, as: UTF8.self)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(files[0].bytes)) as? [String: Any])
        #expect(json["chat_template"] as? String == Self.template)
        #expect(json["eos_token"] as? String == "</s>")
        #expect(text.range(of: "tokenizer_class")!.lowerBound < text.range(of: "eos_token")!.lowerBound)
        #expect(files[1].bytes == Array("{}".utf8))
        // Without a config, one is made holding just the template.
        let made = try ChatTemplateFiles.tokenizerFiles([], adding: "x")
        #expect(made.map(\.name) == ["tokenizer_config.json"])
        #expect((try JSONSerialization.jsonObject(with: Data(made[0].bytes)) as? [String: Any])?["chat_template"] as? String == "x")
    }

    @Test("a directory's template: chat_template.jinja first, then the string or the `default` of named templates")
    func readForms() throws {
        let dir = try writerTemporaryDirectory("chat-template-read")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try ChatTemplateFiles.read(directory: dir).template == nil)
        let named = #"{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}"#
        try named.write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        let (template, notes) = try ChatTemplateFiles.read(directory: dir)
        #expect(template == "D")
        #expect(notes == ["chat template: using `default` of the named templates (also there: tool_use)"])
        try ChatTemplateFiles.writeJinja("J", directory: dir)
        #expect(try ChatTemplateFiles.read(directory: dir).template == "J")
    }

    @Test("save → load keeps the template, in a Hugging Face directory and in GGUF (key tokenizer.chat_template)")
    func roundTrip() throws {
        let dir = try writerTemporaryDirectory("chat-template-round-trip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try tinyLlama(layout: .halfRotation, tied: false)
        try HuggingFaceWriter.write(model: model, tokenizerFiles: [], chatTemplate: Self.template, to: dir + "/hf")
        #expect(try ModelLoader.load(path: dir + "/hf").chatTemplate == Self.template)
        try GGUFLlama.write(model: model, tokenizerMetadata: [], chatTemplate: Self.template, to: dir + "/m.gguf", name: "t")
        let reader = try GGUFReader(path: dir + "/m.gguf")
        #expect(reader.metadata["tokenizer.chat_template"]?.string == Self.template)
        #expect(try ModelLoader.load(path: dir + "/m.gguf").chatTemplate == Self.template)
        try GGUFLlama.write(model: model, tokenizerMetadata: [], to: dir + "/plain.gguf", name: "t")
        #expect(try ModelLoader.load(path: dir + "/plain.gguf").chatTemplate == nil)
    }
}
