import Foundation
import HoneModels
import Testing
@testable import HoneTrain

/// `../shared`, found from this file; tests that need it skip with a message when it is absent.
enum SharedData {
    static let root: String = {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.deletingLastPathComponent().appendingPathComponent("shared").path
    }()
    static func path(_ relative: String) -> String { root + "/" + relative }
    static func has(_ relative: String) -> Bool {
        let found = FileManager.default.fileExists(atPath: path(relative))
        if !found { print("skipping: \(path(relative)) is absent (../shared is not checked out beside the package)") }
        return found
    }
}

/// Loads `text` as a file named `name`.
func loadText(_ text: String, name: String = "t.jsonl", format: DataFormat? = nil, onError: DataErrorPolicy = .fail) throws -> (DataSet, [DataProblem]) {
    try DataLoader.load(bytes: Array(text.utf8), file: name, format: format, onError: onError)
}

@Suite("DataTests: shared data files", .enabled(if: SharedData.has("data/PROVENANCE.md"), "../shared/data is absent"))
struct DataTestsShared {
    @Test("every file in ../shared/data loads with its format detected", arguments: [
        ("data/instruct/alpaca_en_demo.json", DataFormat.alpaca, 999),
        ("data/mlx-lora-wikisql/train.jsonl", .text, 1000),
        ("data/mlx-lora-wikisql/valid.jsonl", .text, 100),
        ("data/mlx-lora-wikisql/test.jsonl", .text, 100),
        ("data/preference/mlx-lm-test-dpo/train.jsonl", .preference, 10),
        ("data/preference/mlx-lm-test-dpo/valid.jsonl", .preference, 2),
        ("data/preference/dpo_en_demo.json", .preference, 300),
        ("data/chat/kto_en_demo.json", .messages, 300),
    ])
    func loadsSharedFile(file: String, format: DataFormat, count: Int) throws {
        let (set, problems) = try DataLoader.load(path: SharedData.path(file))
        #expect(problems.isEmpty)
        #expect(set.format == format)
        #expect(set.count == count)
        #expect(set.lines.count == count)
    }

    @Test func alpacaContents() throws {
        let (set, _) = try DataLoader.load(path: SharedData.path("data/instruct/alpaca_en_demo.json"))
        #expect(set.lines.first == 2)  // "[" on line 1, the first record's "{" on line 2
        #expect(set.lines[1] == 7)  // 3 fields + braces per record in this file
        let withInput = set.records.filter { if case .instruction(_, let input, _) = $0 { !input.isEmpty } else { false } }
        #expect(withInput.count == 412)
        guard case .instruction(let i, let input, _) = set.records[0] else { Issue.record("not alpaca"); return }
        #expect(i == "Describe a process of making crepes.")
        #expect(input == "")
    }

    @Test func shareGPTPreferenceAndChat() throws {
        let (dpo, _) = try DataLoader.load(path: SharedData.path("data/preference/dpo_en_demo.json"))
        guard case .preference(let prompt, let chosen, _, let history) = dpo.records[0] else { Issue.record("not preference"); return }
        #expect(prompt == "")
        #expect(history.first?.role == "user")
        #expect(history.first?.content.hasPrefix("Hi! I'd like to create") == true)
        #expect(chosen.hasPrefix("That sounds like a fun"))
        #expect(dpo.records.contains { if case .preference(_, _, _, let h) = $0 { h.first?.role == "system" } else { false } })

        let (kto, _) = try DataLoader.load(path: SharedData.path("data/chat/kto_en_demo.json"))
        let single = kto.records.filter { if case .chat(let m) = $0 { m.count == 2 } else { false } }
        #expect(single.count == 223)

        let (flat, _) = try DataLoader.load(path: SharedData.path("data/preference/mlx-lm-test-dpo/train.jsonl"))
        #expect(flat.records[0] == .preference(prompt: "What is the capital of France?",
            chosen: "The capital of France is Paris, a beautiful city known for its art, culture, and the Eiffel Tower.",
            rejected: "France's capital is Paris."))
        #expect(flat.lines == Array(1...10))
    }

    @Test func namedFormatOverridesDetection() throws {
        // The DPO file read as prompt/completion fails on every record: no "completion".
        #expect(throws: DataError.self) {
            try DataLoader.load(path: SharedData.path("data/preference/mlx-lm-test-dpo/valid.jsonl"), format: .promptCompletion)
        }
    }
}

@Suite("DataTests: bad input")
struct DataTestsBadInput {
    @Test func detection() throws {
        #expect(try loadText(#"{"instruction":"a","output":"b"}"#).0.format == .alpaca)
        #expect(try loadText(#"{"prompt":"a","completion":"b"}"#).0.format == .promptCompletion)
        #expect(try loadText(#"{"messages":[{"role":"user","content":"hi"}]}"#).0.format == .messages)
        #expect(try loadText(#"{"text":"t"}"#).0.format == .text)
        #expect(try loadText(#"{"prompt":"a","chosen":"b","rejected":"c"}"#).0.format == .preference)
        #expect(try loadText(#"{"instruction":"a","output":"b"}"#).0.records == [.instruction(instruction: "a", input: "", output: "b")])
        #expect(DataFormat(named: "prompt_completion") == .promptCompletion)
        #expect(throws: DataError.self) { try loadText(#"{"foo":"a"}"#) }
    }

    @Test func jsonlProblemsFailWithLineNumbers() throws {
        let text = """
        {"instruction": "a", "input": "", "output": "b"}
        {"instruction": "c", "input": "",
        {"instruction": "d", "output": 3}

        {"input": "x", "output": "y"}
        [1, 2]
        {"instruction": "e", "input": "", "output": "f"}
        """
        do {
            _ = try loadText(text)
            Issue.record("loaded despite bad records")
        } catch let error as DataError {
            let p = error.problems
            #expect(p.map(\.line) == [2, 3, 5, 6])
            #expect(p[0].field == nil && p[0].message.contains("JSON syntax error"))
            #expect(p[1].field == "output" && p[1].message.contains("expected a string, found a number"))
            #expect(p[2].field == "instruction" && p[2].message.contains("missing"))
            #expect(p[3].message.contains("expected a JSON object"))
            #expect(error.description.contains("t.jsonl:3: field 'output': expected a string, found a number"))
        }
        let (set, problems) = try loadText(text, onError: .skip)
        #expect(set.count == 2)
        #expect(set.lines == [1, 7])
        #expect(problems.count == 4)
    }

    @Test func failStopsAfterFiveProblems() throws {
        let text = (1...20).map { _ in #"{"text": 1}"# }.joined(separator: "\n")
        do {
            _ = try loadText(text)
            Issue.record("loaded")
        } catch let error as DataError {
            #expect(error.problems.count == 5)
            #expect(error.stoppedEarly)
        }
        let (set, problems) = try loadText(text + "\n{\"text\": \"ok\"}", onError: .skip)
        #expect(set.count == 1)
        #expect(problems.count == 20)
    }

    @Test func jsonArrayProblemsReportTheRecordsStartLine() throws {
        let text = """
        [
          {"prompt": "p1", "completion": "c1"},
          {
            "prompt": "p2",
            "completion": ["not", "a string"]
          },
          {"prompt": "p3",
           "completion": "c3"},
          "just a string",
          {"completion": "c5"}
        ]
        """
        do {
            _ = try loadText(text, name: "a.json")
            Issue.record("loaded")
        } catch let error as DataError {
            #expect(error.problems.map(\.line) == [3, 9, 10])
            #expect(error.problems.map(\.field) == ["completion", nil, "prompt"])
        }
        let (set, problems) = try loadText(text, name: "a.json", onError: .skip)
        #expect(set.count == 2)
        #expect(set.lines == [2, 7])
        #expect(problems.count == 3)
    }

    @Test func truncatedJSONArray() throws {
        let text = """
        [
          {"text": "one"},
          {"text": "two"},
          {"text": "thr
        """
        #expect(throws: DataError.self) { try loadText(text, name: "a.json") }
        let (set, problems) = try loadText(text, name: "a.json", onError: .skip)
        #expect(set.count == 2)
        #expect(problems.count == 1)
        #expect(problems[0].line == 4)
        #expect(problems[0].message.contains("truncated"))
    }

    @Test func neverCrashes() throws {
        let inputs = ["", "   \n\n", "[", "]", "{", "[{]", "[1,]", "{\"text\": \"a\\", "\u{FEFF}", "[[[[[[", "nul",
                      "[" + String(repeating: "[", count: 5000), "{\"text\": \"\\ud800\"}", "[{\"text\": \"ok\"}] trailing",
                      "{\"messages\": []}", "{\"messages\": [{\"role\": 1, \"content\": \"x\"}]}", "{\"messages\": \"hi\"}",
                      "-", "1e", "{\"text\": \"a\"} {\"text\": \"b\"}", "\u{0}\u{1}\u{2}"]
        for input in inputs {
            for policy in [DataErrorPolicy.fail, .skip] {
                do { _ = try loadText(input, onError: policy) } catch is DataError {} catch {
                    Issue.record("unexpected error type for \(input.debugDescription): \(error)")
                }
            }
        }
        #expect(throws: DataError.self) { try loadText("") }
        #expect(throws: DataError.self) { try DataLoader.load(path: "/nonexistent/file.jsonl") }
        // A lone surrogate becomes U+FFFD rather than failing.
        #expect(try loadText("{\"text\": \"\\ud800\"}").0.records == [.text("\u{FFFD}")])
        #expect(try loadText("{\"text\": \"\\ud83d\\ude00 \\u00e9\\n\"}").0.records == [.text("😀 é\n")])
    }

    @Test func chatFieldProblems() throws {
        do {
            _ = try loadText(#"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant"}]}"#)
            Issue.record("loaded")
        } catch let error as DataError {
            #expect(error.problems.first?.field == "messages[1].content")
        }
    }
}

@Suite("DataTests: templates and tokenisation")
struct DataTestsTemplates {
    @Test func alpacaStrings() {
        let (p, c) = PromptTemplate.alpaca.render(.instruction(instruction: "Add.", input: "1 2", output: "3"))
        #expect(p == "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nAdd.\n\n### Input:\n1 2\n\n### Response:")
        #expect(c == "3")
        let (p2, _) = PromptTemplate.alpaca.render(.instruction(instruction: "Hi.", input: "", output: "x"))
        #expect(p2 == "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nHi.\n\n### Response:")
    }

    @Test func chatTemplates() throws {
        let chat = DataRecord.chat([ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "U1"),
                                    ChatMessage(role: "assistant", content: "A1"), ChatMessage(role: "user", content: "U2"),
                                    ChatMessage(role: "assistant", content: "A2")])
        let ml = PromptTemplate.chatml.render(chat)
        #expect(ml.prompt == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n")
        #expect(ml.completion == "A2")
        let l2 = PromptTemplate.llama2.render(chat)
        #expect(l2.prompt == "[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]")
        #expect(l2.completion == "A2")
        #expect(PromptTemplate.plain.render(.promptCompletion(prompt: "P", completion: "C")) == ("P\n", "C"))
        #expect(PromptTemplate.plain.render(.text("T")) == ("", "T"))
    }

    @Test func customTemplates() throws {
        let t = try PromptTemplate.named("Q: {instruction} ({input})\nA: {output}<end>")
        #expect(t.render(.instruction(instruction: "i {input}", input: "n", output: "o")) == ("Q: i {input} (n)\nA: ", "o<end>"))
        do {
            _ = try PromptTemplate.custom(validating: "{instruction} {question} {answer} {output}")
            Issue.record("accepted unknown placeholders")
        } catch let error as PromptTemplateError {
            #expect(error.message.contains("{question}, {answer}"))
        }
        #expect(throws: PromptTemplateError.self) { try PromptTemplate.named("vicuna") }
        // JSON-looking braces are not placeholders.
        #expect(try PromptTemplate.custom(validating: "{\"q\": \"{instruction}\"} {output}") == .custom("{\"q\": \"{instruction}\"} {output}"))
    }

    @Test func tokenizeMasksAndTruncates() throws {
        guard SharedData.has("models/stories260K-hf/tokenizer.json") else { return }
        let tok = try TokenizerLoader.load(directory: SharedData.path("models/stories260K-hf"))
        let full = SFTExample.tokenize(prompt: "Once upon", completion: "a time", tokenizer: tok, maxLength: 100)
        let p = 1 + tok.encode("Once upon", bos: false).count
        #expect(full.ids.first == tok.bos)
        #expect(full.ids.last == tok.eos && full.labels.last == tok.eos)
        #expect(full.labels.prefix(p).allSatisfy { $0 == -100 })
        #expect(Array(full.labels.dropFirst(p)) == Array(full.ids.dropFirst(p)))
        #expect(!full.truncated && !full.answerLost)
        let all = SFTExample.tokenize(prompt: "Once upon", completion: "a time", tokenizer: tok, maxLength: 100, trainOnAll: true)
        #expect(all.labels == all.ids)
        let cut = SFTExample.tokenize(prompt: "Once upon", completion: "a time", tokenizer: tok, maxLength: p + 1)
        #expect(cut.truncated && !cut.answerLost && cut.ids.count == p + 1)
        let lost = SFTExample.tokenize(prompt: "Once upon", completion: "a time", tokenizer: tok, maxLength: p)
        #expect(lost.truncated && lost.answerLost && lost.labels.allSatisfy { $0 == -100 })
    }

    @Test("alpaca + stories260K tokenizer reproduce the recorded SFT ids and labels")
    func reproducesReference() throws {
        guard SharedData.has("models/stories260K-sft-trajectory/reference.json"), SharedData.has("data/instruct/alpaca_en_demo.json"),
              SharedData.has("models/stories260K-hf/tokenizer.json") else { return }
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: SharedData.path("models/stories260K-sft-trajectory/reference.json")))) as! [String: Any]
        let data = reference["data"] as! [String: Any]
        let templates = data["templates"] as! [String: String]
        #expect(templates["prompt_input"] == PromptTemplate.alpacaWithInput)
        #expect(templates["prompt_no_input"] == PromptTemplate.alpacaWithoutInput)
        let maxLength = data["max_length"] as! Int
        let examples = data["examples"] as! [[String: Any]]
        #expect(examples.count == 16)

        let tok = try TokenizerLoader.load(directory: SharedData.path("models/stories260K-hf"))
        let (set, _) = try DataLoader.load(path: SharedData.path("data/instruct/alpaca_en_demo.json"))
        let slice = DataSet(file: set.file, format: set.format, records: Array(set.records.prefix(16)), lines: Array(set.lines.prefix(16)))
        let batch = SFTExamples(slice, template: .alpaca, tokenizer: tok, maxLength: maxLength)
        for (i, e) in examples.enumerated() {
            let t = SFTExample.tokenize(set.records[i], template: .alpaca, tokenizer: tok, maxLength: maxLength)
            #expect(t.ids == e["input_ids"] as! [Int], "example \(i) input_ids")
            #expect(t.labels == e["labels"] as! [Int], "example \(i) labels")
            #expect(t.truncated == (e["truncated"] as! Bool), "example \(i) truncated")
            #expect(batch.examples[i].ids == t.ids)
        }
        #expect(batch.truncatedCount == examples.filter { $0["truncated"] as! Bool }.count)
        #expect(batch.answerLost.isEmpty)

        // At 128 tokens some examples lose the whole answer; the recorded ids/labels agree.
        let at128 = data["tokenization_at_128"] as! [[String: Any]]
        let batch128 = SFTExamples(slice, template: .alpaca, tokenizer: tok, maxLength: 128)
        for e in at128 {
            let i = e["index"] as! Int
            #expect(batch128.examples[i].ids == e["input_ids"] as! [Int], "example \(i) ids at 128")
            #expect(batch128.examples[i].labels == e["labels"] as! [Int], "example \(i) labels at 128")
            #expect(batch128.answerLost.contains(i) == ((e["target_tokens"] as! Int) == 0))
        }
        #expect(batch128.warnings(maxLength: 128, lines: slice.lines).count == 2)
    }
}
