// Which files of a hub repository hone needs, from the repository's file list: the weights
// (model.safetensors, or the index model.safetensors.index.json and every shard it lists, or
// one named .gguf file) plus whichever configuration and tokenizer files exist. Weights are
// fetched last, so a snapshot holding its weights holds everything else too.
import Foundation

enum HubFileSelection {
    static let configurationFiles = ["config.json", "generation_config.json"]
    static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model",
        "chat_template.jinja",
    ]
    static let singleWeights = "model.safetensors"
    static let shardIndex = "model.safetensors.index.json"

    enum Weights: Equatable {
        case single(String)
        /// The index; its shards are known only once it is read.
        case sharded(index: String)
        case gguf(String)
    }

    struct Plan: Equatable {
        /// Configuration and tokenizer files present in the repository, fetched first.
        var extras: [String]
        var weights: Weights
    }

    /// The plan for `reference` given the repository's files (`available`, paths relative to its root).
    static func plan(available: [String], reference: HubReference) throws -> Plan {
        let repository = reference.repository
        let ggufs = available.filter { $0.lowercased().hasSuffix(".gguf") }.sorted()
        if let file = reference.file {
            guard available.contains(file) else {
                throw HubError.noSuchFile(repository: repository, revision: reference.revision, file: file, candidates: ggufs)
            }
            return Plan(extras: [], weights: .gguf(file))
        }
        let names = Set(available)
        let extras = (configurationFiles + tokenizerFiles).filter(names.contains)
        if names.contains("config.json") {
            if names.contains(singleWeights) { return Plan(extras: extras, weights: .single(singleWeights)) }
            if names.contains(shardIndex) { return Plan(extras: extras, weights: .sharded(index: shardIndex)) }
        }
        if !ggufs.isEmpty { throw HubError.chooseGGUF(repository: repository, files: ggufs) }
        let pickles = available.filter(isPickleName).sorted()
        if !pickles.isEmpty { throw HubError.pickleOnly(repository: repository, files: pickles) }
        throw HubError.noWeights(repository: repository, files: available.sorted())
    }

    /// Whether a repository file name is a PyTorch pickle: `.bin` weights (`pytorch_model.bin`,
    /// its shards and index) or an extension that is always a pickle.
    static func isPickleName(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        let ext = (name as NSString).pathExtension
        if PickleRefusal.pickleExtensions.contains(ext) { return true }
        return name.hasPrefix("pytorch_model") && (ext == "bin" || name.hasSuffix(".bin.index.json"))
    }

    /// The shard files a safetensors index lists (`weight_map` values), in first-seen order.
    static func shards(indexData data: Data, repository: String, file: String) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw HubError.badResponse(repository: repository, file: file, message: "the index has no `weight_map` object")
        }
        var seen = Set<String>()
        var shards: [String] = []
        for key in map.keys.sorted() {
            guard let shard = map[key] as? String else {
                throw HubError.badResponse(repository: repository, file: file, message: "`weight_map[\"\(key)\"]` is not a file name")
            }
            if shard.isEmpty || shard.hasPrefix("/") || shard.split(separator: "/").contains("..") {
                throw HubError.badResponse(repository: repository, file: file, message: "`\(shard)` is not a file in the repository")
            }
            if seen.insert(shard).inserted { shards.append(shard) }
        }
        return shards.sorted()
    }
}
