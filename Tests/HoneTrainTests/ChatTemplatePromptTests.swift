import Testing
import HoneModels
@testable import HoneTrain

/// Chat templates as prompt templates: records split into prompt and completion, built-in
/// templates' Jinja texts agreeing with the built-in rendering, and marker strings encoded as
/// special-token ids.
@Suite struct ChatTemplatePromptTests {
    static let records: [DataRecord] = [
        .instruction(instruction: "Add the numbers.", input: "2 and 3", output: "5"),
        .instruction(instruction: "Name a colour.", input: "", output: "Blue"),
        .promptCompletion(prompt: "Say hi", completion: "hi"),
        .chat([ChatMessage(role: "system", content: "Be kind."), ChatMessage(role: "user", content: "Hi"),
               ChatMessage(role: "assistant", content: "Hello"), ChatMessage(role: "user", content: "Bye?"),
               ChatMessage(role: "assistant", content: "Bye")]),
    ]

    @Test("each built-in template's Jinja text renders the prompt the built-in template renders")
    func builtInJinjaAgrees() throws {
        let customText = "Q: {instruction}\nIn: {input}\nA: {output}\n"
        for template in [PromptTemplate.alpaca, .chatml, .llama2, .custom(customText)] {
            let jinja = try ChatTemplate(template.chatTemplateText, bosToken: "<s>", eosToken: "</s>")
            for record in Self.records {
                if template == .alpaca, case .chat = record { continue }  // alpaca folds a chat into one instruction
                if case .custom = template, case .chat = record { continue }
                let (context, _) = PromptTemplate.chatMessages(record)
                let rendered = try jinja.render(messageValues: context, addGenerationPrompt: true)
                #expect(rendered == template.render(record).prompt, "\(template.name) on \(record)")
            }
        }
    }

    @Test("a chat template splits a record into the generation prompt and what the answer adds")
    func chatSplit() throws {
        let template = PromptTemplate.chat(try ChatTemplate(PromptTemplate.chatml.chatTemplateText))
        let (prompt, completion) = try template.rendered(.promptCompletion(prompt: "Hi", completion: "Hello"))
        #expect(prompt == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(completion == "Hello<|im_end|>\n")
        let alpaca = try template.rendered(.instruction(instruction: "Do it.", input: "now", output: "Done"))
        #expect(alpaca.prompt == "<|im_start|>user\nDo it.\n\nnow<|im_end|>\n<|im_start|>assistant\n")
        let open = try template.rendered(.chat([ChatMessage(role: "user", content: "Hi")]))
        #expect(open.prompt.hasSuffix("<|im_start|>assistant\n") && open.completion == "")
    }

    @Test("a template whose generation prompt is not a prefix of the full text is a typed error saying so")
    func notPrefix() throws {
        let odd = PromptTemplate.chat(try ChatTemplate("{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}>>{% endif %}"))
        #expect(throws: PromptTemplateError.self) { try odd.rendered(.promptCompletion(prompt: "Hi", completion: "Yo")) }
        do {
            _ = try odd.rendered(.promptCompletion(prompt: "Hi", completion: "Yo"))
        } catch {
            #expect(error.message.contains("is not the start of the full conversation"))
        }
        #expect(odd.render(.promptCompletion(prompt: "Hi", completion: "Yo")) == ("", ""))
    }

    @Test("SFT tokenisation encodes ChatML markers as their special ids and adds no second BOS/EOS")
    func specialTokens() throws {
        let tok = MarkerTokenizer()
        let t = SFTExample.tokenize(.promptCompletion(prompt: "a", completion: "b"), template: .chatml, tokenizer: tok, maxLength: 100)
        let start = MarkerTokenizer.imStart, end = MarkerTokenizer.imEnd, nl = Int(UInt8(ascii: "\n"))
        let u = Array("user".utf8).map(Int.init), asst = Array("assistant".utf8).map(Int.init)
        let prompt = [MarkerTokenizer.bosID, start] + u + [nl, 97, end, nl, start] + asst + [nl]
        #expect(t.ids == prompt + [98, MarkerTokenizer.eosID])
        #expect(t.labels == Array(repeating: SFTExample.ignoreLabel, count: prompt.count) + [98, MarkerTokenizer.eosID])
        // Plain templates keep marker strings in the data as text.
        let plain = SFTExample.tokenize(.promptCompletion(prompt: "<|im_start|>", completion: "b"), template: .plain, tokenizer: tok, maxLength: 100)
        #expect(!plain.ids.contains(start))
        // A template that writes BOS and EOS itself gets exactly one of each.
        let llama = SFTExample.tokenize(prompt: "<s>[INST] a [/INST]", completion: " b </s>", tokenizer: tok, maxLength: 100, parsingSpecialTokens: true)
        #expect(llama.ids.filter { $0 == MarkerTokenizer.bosID }.count == 1 && llama.ids.last == MarkerTokenizer.eosID)
        #expect(llama.ids.filter { $0 == MarkerTokenizer.eosID }.count == 1)
    }
}

/// Bytes are ids 0…255; BOS, EOS and the ChatML markers are special tokens above them.
struct MarkerTokenizer: Tokenizer {
    static let bosID = 256, eosID = 257, imStart = 258, imEnd = 259
    var vocabularySize: Int { 260 }
    var bos: Int? { Self.bosID }
    var eos: Int? { Self.eosID }
    func encode(_ text: String, bos: Bool) -> [Int] { (bos ? [Self.bosID] : []) + text.utf8.map(Int.init) }
    func decode(_ ids: [Int]) -> String { String(decoding: ids.filter { $0 < 256 }.map(UInt8.init), as: UTF8.self) }
    var specialTokens: SpecialTokens {
        SpecialTokens(bos: SpecialToken(id: Self.bosID, text: "<s>"), eos: SpecialToken(id: Self.eosID, text: "</s>"), addBOS: true,
                      others: [SpecialToken(id: Self.imStart, text: "<|im_start|>"), SpecialToken(id: Self.imEnd, text: "<|im_end|>")])
    }
    func piece(_ id: Int) -> String { "\(id)" }
    func ggufMetadata() -> [(key: String, value: GGUFValue)] { [] }
    func huggingFaceFiles() throws -> [(name: String, bytes: [UInt8])] { [] }
}
