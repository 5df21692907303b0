import Foundation
@testable import HoneModels

enum TokenizerTargets {
    static let tokenizerJSON = FuzzTarget(
        name: "tokenizer-json", summary: "tokenizer.json (byte-level BPE and SentencePiece BPE) through TokenizerLoader, then encode and decode",
        seeds: [SeedSource(root: .shared, folder: "models", matches: { $0 == "tokenizer.json" }, maximumSize: 16 << 20, seeds: smallVocabulary)]
    ) { bytes in
        guard let tokenizer = try? TokenizerLoader.load(huggingFaceFiles: [("tokenizer.json", bytes.array)]) else { return }
        exercise(tokenizer, with: bytes)
    }

    /// A tokenizer.json as it is when small, or cut to its first 512 tokens and the merges among
    /// them (GPT-2's 50,257 would make every mutation parse 2 MB).
    static func smallVocabulary(_ url: URL) -> [Data] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        guard data.count > 256 << 10 else { return [data] }
        guard var json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              var model = json["model"] as? [String: Any], let vocabulary = model["vocab"] as? [String: Int] else { return [] }
        let kept = vocabulary.filter { $0.value < 512 }
        let merges = (model["merges"] as? [Any] ?? []).filter { merge in
            let parts = (merge as? String)?.split(separator: " ").map(String.init) ?? (merge as? [String]) ?? []
            return parts.count == 2 && kept[parts[0]] != nil && kept[parts[1]] != nil && kept[parts[0] + parts[1]] != nil
        }
        model["vocab"] = kept
        model["merges"] = merges
        json["model"] = model
        json["added_tokens"] = (json["added_tokens"] as? [[String: Any]] ?? []).filter { ($0["id"] as? Int ?? .max) < 512 }
        return (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])).map { [$0] } ?? []
    }

    /// Encodes a fixed text with multi-byte and control characters, and the input's own first bytes
    /// (often invalid UTF-8), then decodes every id of the vocabulary's first and last few.
    static func exercise(_ tokenizer: any Tokenizer, with bytes: UnsafeRawBufferPointer) {
        let texts = ["Eva lives in Lyon.\n\tÜber 🙂 — naïve <s>[INST]", String(decoding: bytes.prefix(64), as: UTF8.self)]
        for text in texts {
            let ids = tokenizer.encode(text, bos: true)
            _ = tokenizer.decode(ids)
        }
        let count = tokenizer.vocabularySize
        let edges = Array(0..<min(count, 300)) + Array(max(0, count - 16)..<count)
        _ = tokenizer.decode(edges)
    }
}
