import Foundation
@testable import HoneTrain

enum DataTargets {
    static let data = FuzzTarget(
        name: "data", summary: "JSONL and JSON data sets, the format detected and then read as each format, failing and skipping",
        seeds: [SeedSource(root: .shared, folder: "data", matches: { $0.hasSuffix(".jsonl") || $0.hasSuffix(".json") },
                           maximumSize: 4 << 20, seeds: firstRecords)]
    ) { bytes in
        let array = bytes.array
        for format in [nil] + DataFormat.allCases.map(Optional.some) {
            for policy in [DataErrorPolicy.fail, .skip] {
                _ = try? DataLoader.load(bytes: array, file: fuzzInputName, format: format, onError: policy)
            }
        }
    }

    /// A few records of a data file, so that every seed stays small: the first lines of JSON Lines,
    /// the first elements of a JSON array.
    static func firstRecords(_ url: URL) -> [Data] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        if url.pathExtension == "jsonl" {
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            return [Data(lines.prefix(6).joined(separator: "\n").utf8)]
        }
        guard let records = (try? JSONSerialization.jsonObject(with: data)) as? [Any],
              let head = try? JSONSerialization.data(withJSONObject: Array(records.prefix(3)), options: [.prettyPrinted]) else { return [] }
        return [head]
    }

    static let jinja = FuzzTarget(
        name: "jinja", summary: "the Jinja chat-template renderer: parse, then render a four-turn conversation with and without the generation prompt",
        seeds: [.files(.repository, "Tests/HoneTrainTests/Fixtures/ChatTemplates", ending: [".jinja"]),
                SeedSource(root: .shared, folder: "models", matches: { $0 == "tokenizer_config.json" }, seeds: chatTemplates)],
        options: ["-timeout=10"]
    ) { bytes in
        guard let template = try? ChatTemplate(bytes.text, bosToken: "<s>", eosToken: "</s>") else { return }
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Where does Eva live?"),
                        ChatMessage(role: "assistant", content: "In Lyon."), ChatMessage(role: "user", content: "And Tom?")]
        for prompt in [true, false] {
            _ = try? template.render(messages: messages, addGenerationPrompt: prompt)
        }
    }

    /// The `chat_template` string of a tokenizer_config.json, when it has one.
    static func chatTemplates(_ url: URL) -> [Data] {
        guard let data = try? Data(contentsOf: url),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let template = object["chat_template"] as? String else { return [] }
        return [Data(template.utf8)]
    }
}
