import Foundation
import HoneTensor
import Testing
@testable import HoneModels

/// `ModelLoader.loadFromHub` end to end: the real stories260K-hf files served in the hub's URL
/// layout from 127.0.0.1, loaded into a model that gives the reference logits, then loaded again
/// offline from the cache.
@Suite("loading a model from the hub", .enabled(if: SharedModels.has("stories260K-hf/model.safetensors"), SharedModels.missingReason("stories260K-hf")))
struct HubModelLoadingTests {
    @Test("hf:ORG/NAME downloads, loads with the reference logits, and loads again offline")
    func downloadThenOffline() throws {
        var files: [String: [UInt8]] = [:]
        for name in ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            files[name] = Array(try Data(contentsOf: URL(fileURLWithPath: SharedModels.path("stories260K-hf/" + name))))
        }
        let server = try LocalHubServer(repositories: ["karpathy/stories260K": .init(commit: String(repeating: "c3", count: 20), files: files)])
        let home = NSTemporaryDirectory() + "hone-hub-model-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let settings = HubSettings(endpoint: server.endpoint, cacheDirectory: home + "/hub")
        let loaded = try ModelLoader.loadFromHub("hf:karpathy/stories260K", settings: settings)
        #expect(loaded.model.parameterCount == 260_032)
        let reference = try SharedModels.json("stories260K/reference.json")
        let first = (reference["cases"] as! [[String: Any]])[0]
        let ids = first["prompt_token_ids"] as! [Int]
        let expected = (first["last_logits"] as! [NSNumber]).map(\.floatValue)
        let logits = GradMode.withoutGradients { loaded.model.forward(tokens: ids) }.scalars.suffix(512)
        #expect(zip(logits, expected).map { abs($0 - $1) }.max()! < 1e-4)
        #expect(FileManager.default.fileExists(atPath: home + "/hub/models--karpathy--stories260K/refs/main"))

        server.stop()
        let offline = try ModelLoader.loadFromHub("hf:karpathy/stories260K", settings: settings)
        #expect(offline.model.parameterCount == 260_032)
        var offlineSettings = settings
        offlineSettings.offline = true
        let flagged = try ModelLoader.loadFromHub("hf:karpathy/stories260K", settings: offlineSettings)
        #expect(flagged.notes.first?.contains("offline") == true, "\(flagged.notes)")
    }
}
