import Foundation

/// Where a model's chat template lives in the files other tools read, and reading and writing
/// it there. hone keeps the template as text; HoneTrain parses and renders it.
///
/// * Hugging Face directories: `chat_template.jinja` (what transformers' `save_pretrained` writes
///   since late 2024, and reads in preference) or the `chat_template` key of
///   `tokenizer_config.json` (older transformers, TGI, most other readers). hone writes the key,
///   which every reader understands; for an adapter folder, which has no tokenizer_config.json,
///   it writes `chat_template.jinja`.
/// * GGUF: the string `tokenizer.chat_template`, which llama.cpp applies.
public enum ChatTemplateFiles {
    public static let ggufKey = "tokenizer.chat_template"
    public static let jinjaFileName = "chat_template.jinja"
    public static let configKey = "chat_template"

    /// The template of the Hugging Face directory (or adapter folder) `directory`, nil when it has
    /// none, with a note for the user when something was chosen for them. A list of named
    /// templates yields the one named `default`.
    public static func read(directory: String) throws -> (template: String?, notes: [String]) {
        let jinja = directory + "/" + jinjaFileName
        if let data = FileManager.default.contents(atPath: jinja) {
            guard let text = String(data: data, encoding: .utf8) else { throw CheckpointError(file: jinja, "is not UTF-8 text") }
            return (text, [])
        }
        let configPath = directory + "/tokenizer_config.json"
        guard let data = FileManager.default.contents(atPath: configPath),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let value = json[configKey] else { return (nil, []) }
        if let text = value as? String { return (text, []) }
        if let list = value as? [[String: Any]] {
            let names = list.compactMap { $0["name"] as? String }
            guard let entry = list.first(where: { ($0["name"] as? String) == "default" }), let text = entry["template"] as? String else {
                throw CheckpointError(file: configPath, "`chat_template` lists the templates \(names.joined(separator: ", ")) but none named `default`")
            }
            let others = names.filter { $0 != "default" }
            return (text, others.isEmpty ? [] : ["chat template: using `default` of the named templates (also there: \(others.joined(separator: ", ")))"])
        }
        if value is NSNull { return (nil, []) }
        throw CheckpointError(file: configPath, "`chat_template` is neither a string nor a list of named templates")
    }

    /// The template stored in a GGUF file's metadata, if any.
    public static func read(gguf reader: GGUFReader) -> String? {
        reader.metadata[ggufKey]?.string
    }

    /// `files` with `template` set as `chat_template` in `tokenizer_config.json` (created when
    /// `files` has none). hone's own config is edited as text so its key order stays.
    public static func tokenizerFiles(_ files: [(name: String, bytes: [UInt8])], adding template: String) throws -> [(name: String, bytes: [UInt8])] {
        var out = files
        var escaped = ""
        JSONText.appendString(template, to: &escaped)
        guard let i = out.firstIndex(where: { $0.name == "tokenizer_config.json" }) else {
            out.append(("tokenizer_config.json", Array("{\n  \"\(configKey)\": \(escaped)\n}\n".utf8)))
            return out
        }
        let bytes = out[i].bytes
        guard var json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw CheckpointError(file: "tokenizer_config.json", "is not a JSON object, so the chat template cannot be added to it")
        }
        if json[configKey] == nil, let open = bytes.firstIndex(of: UInt8(ascii: "{")) {
            let separator = json.isEmpty ? "" : ","
            let insert = Array("\n  \"\(configKey)\": \(escaped)\(separator)".utf8)
            out[i].bytes = Array(bytes[...open]) + insert + Array(bytes[(open + 1)...])
        } else {
            json[configKey] = template
            out[i].bytes = Array(try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])) + [0x0A]
        }
        return out
    }

    /// `metadata` with `tokenizer.chat_template` set to `template`.
    public static func ggufMetadata(_ metadata: [(key: String, value: GGUFValue)], adding template: String) -> [(key: String, value: GGUFValue)] {
        metadata.filter { $0.key != ggufKey } + [(ggufKey, .string(template))]
    }
}

extension ChatTemplateFiles {
    /// Writes `template` as `chat_template.jinja` in `directory` (atomically).
    public static func writeJinja(_ template: String, directory: String) throws {
        try AtomicFile.write(Array(template.utf8), to: directory + "/" + jinjaFileName)
    }
}
