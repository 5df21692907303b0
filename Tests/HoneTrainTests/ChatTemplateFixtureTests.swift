import Foundation
import Testing
import HoneModels
@testable import HoneTrain

/// Real chat templates of Llama 3.1/3.2, Qwen2.5, Qwen3, Gemma 2/3, Phi-3.5, Phi-4-mini and
/// SmolLM3 against what transformers' `apply_chat_template` renders and tokenises for them
/// (Fixtures/ChatTemplates: the templates with their sources, the tokenizers, and cases.json,
/// written by scripts/check-templates). `HONE_TEMPLATE_FIXTURES` points the tests at another
/// copy of cases.json and tokenizers/, which is how scripts/check-templates compares hone with
/// transformers' fresh output.
@Suite struct ChatTemplateFixtureTests {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ChatTemplates")
    static var directory: URL {
        ProcessInfo.processInfo.environment["HONE_TEMPLATE_FIXTURES"].map { URL(fileURLWithPath: $0) } ?? committed
    }

    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var name: String
        var template: String
        var tokenizer: String
        var messages: [[String: String]]
        var add_generation_prompt: Bool
        var variables: [String: VariableValue]
        var bos_token: String
        var eos_token: String
        var text: String?
        var ids: [Int]?
        var error: String?
        var testDescription: String { name }
    }

    enum VariableValue: Decodable, Sendable {
        case bool(Bool), string(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) } else { self = .string(try c.decode(String.self)) }
        }
        var jinja: JinjaValue {
            switch self {
            case .bool(let b): .bool(b)
            case .string(let s): .string(s)
            }
        }
    }

    struct File: Decodable { var cases: [Case] }

    static func cases() throws -> [Case] {
        let data = try Data(contentsOf: directory.appendingPathComponent("cases.json"))
        return try JSONDecoder().decode(File.self, from: data).cases
    }

    static func template(_ c: Case) throws -> ChatTemplate {
        let text = try String(contentsOf: committed.appendingPathComponent(c.template + ".jinja"), encoding: .utf8)
        return try ChatTemplate(text, bosToken: c.bos_token, eosToken: c.eos_token)
    }

    static func render(_ c: Case) throws -> String {
        let messages = c.messages.map { m in JinjaValue.dict([("role", .string(m["role"] ?? "")), ("content", .string(m["content"] ?? ""))]) }
        return try template(c).render(messageValues: messages, addGenerationPrompt: c.add_generation_prompt,
                                      variables: c.variables.mapValues(\.jinja))
    }

    @Test("every family's real template renders the text transformers renders, or refuses as it does", arguments: try cases())
    func rendersAsTransformers(_ c: Case) throws {
        if let expected = c.text {
            #expect(try Self.render(c) == expected)
        } else {
            #expect { try Self.render(c) } throws: { error in
                let e = error as? JinjaError
                return e?.kind == .raised && e?.message == c.error
            }
        }
    }

    @Test("the rendered text's token ids, markers as special tokens, equal transformers' ids", arguments: try cases().filter { $0.ids != nil })
    func tokenisesAsTransformers(_ c: Case) throws {
        let tokenizer = try TokenizerLoader.load(directory: Self.directory.appendingPathComponent("tokenizers/" + c.tokenizer).path)
        let ids = tokenizer.encode(try Self.render(c), bos: false, parsingSpecialTokens: true)
        #expect(ids == c.ids)
    }

    @Test("the fixture covers each family with and without the generation prompt, and Qwen3 and SmolLM3 without thinking")
    func coverage() throws {
        let cases = try Self.cases()
        let families = Set(cases.map(\.template))
        #expect(families == ["llama3.1", "llama3.2", "qwen2.5", "qwen3", "gemma2", "gemma3", "phi3.5", "phi4-mini", "smollm3"])
        for family in families {
            #expect(cases.contains { $0.template == family && $0.add_generation_prompt && $0.text != nil })
            #expect(cases.contains { $0.template == family && !$0.add_generation_prompt && $0.text != nil })
        }
        for family in ["qwen3", "smollm3"] {
            #expect(cases.contains { c in
                guard c.template == family, case .bool(false)? = c.variables["enable_thinking"] else { return false }
                return c.text != nil
            })
        }
    }
}
