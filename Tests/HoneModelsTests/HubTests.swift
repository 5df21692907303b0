import Foundation
import Testing
@testable import HoneModels

/// `HubClient` against `LocalHubServer`: the cache layout, reuse without requests, offline use,
/// tokens, shards, refusals, and `hf:` references.
@Suite("fetching models from the hub")
struct HubTests {
    static let commit = String(repeating: "a1", count: 20)
    static let shardedCommit = String(repeating: "b2", count: 20)

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let tiny = LocalHubServer.Repository(commit: commit, files: [
        "config.json": bytes(#"{"model_type": "llama"}"#),
        "generation_config.json": bytes(#"{"do_sample": false}"#),
        "model.safetensors": [UInt8](repeating: 7, count: 100_000),
        "tokenizer.json": bytes(#"{"model": {}}"#),
        "tokenizer_config.json": bytes(#"{"bos_token": "<s>"}"#),
        "README.md": bytes("# tiny"),
        "pytorch_model.bin": [0x80, 0x02, 0x7d],
        "onnx/model.onnx": [1, 2, 3],
    ], redirected: ["model.safetensors"])

    static let repositories: [String: LocalHubServer.Repository] = [
        "test-org/tiny": tiny,
        "test-org/sharded": LocalHubServer.Repository(commit: shardedCommit, files: [
            "config.json": bytes("{}"),
            "model.safetensors.index.json": bytes(#"{"metadata": {}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors", "c.weight": "model-00001-of-00002.safetensors"}}"#),
            "model-00001-of-00002.safetensors": bytes("first shard"),
            "model-00002-of-00002.safetensors": bytes("second shard"),
            "tokenizer.model": bytes("sentencepiece"),
        ], redirected: ["model-00002-of-00002.safetensors"]),
        "test-org/gated": LocalHubServer.Repository(commit: commit, files: [
            "config.json": bytes("{}"), "model.safetensors": bytes("gated weights"),
        ], gated: true, redirected: ["model.safetensors"]),
        "test-org/pickles": LocalHubServer.Repository(commit: commit, files: [
            "config.json": bytes("{}"), "pytorch_model.bin": [0x80, 0x02, 0x7d], "README.md": bytes("old"),
        ]),
        "test-org/ggufs": LocalHubServer.Repository(commit: commit, files: [
            "README.md": bytes("quantized"), "tiny-Q8_0.gguf": bytes("GGUF q8"), "sub/tiny-F16.gguf": bytes("GGUF f16"),
        ], redirected: ["sub/tiny-F16.gguf"]),
    ]

    /// A server, a fresh cache directory, and a client for them.
    struct Fixture {
        let server: LocalHubServer
        let home: String
        var cache: String { home + "/hub" }

        init() throws {
            server = try LocalHubServer(repositories: HubTests.repositories)
            home = NSTemporaryDirectory() + "hone-hub-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        }

        func client(token: String? = nil, offline: Bool = false, endpoint: String? = nil) -> HubClient {
            HubClient(settings: HubSettings(endpoint: endpoint ?? server.endpoint, token: token,
                                            cacheDirectory: cache, offline: offline))
        }

        func remove() {
            server.stop()
            try? FileManager.default.removeItem(atPath: home)
        }
    }

    static func reference(_ text: String) throws -> HubReference { try HubReference(parsing: text) }

    @Test("a repository downloads into blobs, snapshot symlinks and refs/main, as huggingface_hub lays them out")
    func cacheLayout() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        var progressed: [String: Int64] = [:]
        let snapshot = try fixture.client().fetch(Self.reference("hf:test-org/tiny"), progress: { file, done, _ in
            progressed[file] = done
        })
        let repository = fixture.cache + "/models--test-org--tiny"
        #expect(snapshot.directory == repository + "/snapshots/" + Self.commit)
        #expect(snapshot.modelPath == snapshot.directory)
        #expect(snapshot.commit == Self.commit)
        let expected = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"]
        #expect(snapshot.files == expected)
        guard case .downloaded(let files, let bytes) = snapshot.origin else {
            Issue.record("expected a download, got \(snapshot.origin)"); return
        }
        #expect(files == 5)
        #expect(bytes == Int64(expected.map { Self.tiny.files[$0]!.count }.reduce(0, +)))
        #expect(progressed["model.safetensors"] == 100_000)

        let manager = FileManager.default
        #expect(String(decoding: try #require(manager.contents(atPath: repository + "/refs/main")), as: UTF8.self) == Self.commit)
        for file in expected {
            let link = snapshot.directory + "/" + file
            let contents = try #require(manager.contents(atPath: link))
            #expect([UInt8](contents) == Self.tiny.files[file], "\(file)")
            let destination = try manager.destinationOfSymbolicLink(atPath: link)
            let bytes = Self.tiny.files[file]!
            let etag = file == "model.safetensors"
                ? LocalHubServer.etag(bytes, length: 64)  // X-Linked-Etag of the redirect, not the CDN's ETag
                : LocalHubServer.etag(bytes, length: 40)  // ETag, quotes and W/ stripped
            #expect(destination == "../../blobs/" + etag, "\(file)")
            #expect(manager.fileExists(atPath: repository + "/blobs/" + etag))
        }
        let leftovers = try manager.contentsOfDirectory(atPath: repository + "/blobs").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left in blobs: \(leftovers)")
        for skipped in ["README.md", "pytorch_model.bin", "onnx/model.onnx"] {
            #expect(!manager.fileExists(atPath: snapshot.directory + "/" + skipped), "\(skipped) should not be downloaded")
        }
    }

    @Test("a second fetch of a cached snapshot makes no requests")
    func secondFetchIsCached() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let first = try fixture.client().snapshot(repository: "test-org/tiny")
        let count = fixture.server.requests.count
        #expect(count == 7)  // the API, five files, one CDN redirect target
        let again = try fixture.client().fetch(Self.reference("hf:test-org/tiny"))
        #expect(again.directory == first)
        #expect(again.origin == .cached)
        #expect(fixture.server.requests.count == count)
        // Refreshing asks the hub for the commit again but downloads nothing.
        let refreshed = try fixture.client().fetch(Self.reference("hf:test-org/tiny"), refresh: true)
        #expect(refreshed.origin == .cached)
        #expect(fixture.server.requests.count == count + 1)
    }

    @Test("without the server, a refresh falls back to the cached snapshot and says it is offline")
    func offlineFallback() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let first = try fixture.client().fetch(Self.reference("hf:test-org/tiny"))
        fixture.server.stop()
        let again = try fixture.client().fetch(Self.reference("hf:test-org/tiny"), refresh: true)
        #expect(again.directory == first.directory)
        guard case .offline(let reason) = again.origin else { Issue.record("expected offline, got \(again.origin)"); return }
        #expect(reason.contains("cannot reach"))
        #expect(again.note.hasPrefix("offline"))
    }

    @Test("HF_HUB_OFFLINE uses the cache without requests, and fails saying so when nothing is cached")
    func offlineMode() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let reference = try Self.reference("hf:test-org/sharded")
        #expect(throws: HubError.offlineNotCached(repository: "test-org/sharded", revision: "main",
                                                  cache: fixture.cache + "/models--test-org--sharded")) {
            try fixture.client(offline: true).fetch(reference)
        }
        #expect(fixture.server.requests.isEmpty)
        let error = HubError.offlineNotCached(repository: "test-org/sharded", revision: "main", cache: fixture.cache)
        #expect(error.description.contains("offline mode") && error.description.contains("nothing cached"))

        _ = try fixture.client().fetch(reference)
        let count = fixture.server.requests.count
        let offline = try fixture.client(offline: true).fetch(reference)
        #expect(offline.origin == .offline(reason: "HF_HUB_OFFLINE is set"))
        #expect(fixture.server.requests.count == count)
    }

    @Test("with no network at all (a closed port) and nothing cached, the error says so")
    func noNetwork() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let endpoint = "http://127.0.0.1:\(LocalHubServer.closedPort())"
        do {
            _ = try fixture.client(endpoint: endpoint).fetch(Self.reference("hf:test-org/tiny"))
            Issue.record("expected an error")
        } catch let error as HubError {
            guard case .unreachable(let repository, _, let reported, _, _) = error else {
                Issue.record("expected unreachable, got \(error)"); return
            }
            #expect(repository == "test-org/tiny")
            #expect(reported == endpoint)
            #expect(error.description.hasPrefix("no network"))
            #expect(error.description.contains("not in the cache"))
        }
    }

    @Test("a gated repository is refused without a token and fetched with one, sent as a Bearer header")
    func gated() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let reference = try Self.reference("hf:test-org/gated")
        do {
            _ = try fixture.client().fetch(reference)
            Issue.record("expected an error")
        } catch let error as HubError {
            guard case .unauthorized(_, _, let status, let tokenSet, _) = error else {
                Issue.record("expected unauthorized, got \(error)"); return
            }
            #expect(status == 401 && !tokenSet)
            #expect(error.status == 401)
            #expect(error.description.contains("gated or private") && error.description.contains("HF_TOKEN"))
        }
        let snapshot = try fixture.client(token: LocalHubServer.token).fetch(reference)
        #expect(snapshot.files == ["config.json", "model.safetensors"])
        let requests = fixture.server.requests.dropFirst()
        for request in requests where !request.path.hasPrefix("/cdn/") {
            #expect(request.authorization == "Bearer \(LocalHubServer.token)", "\(request.path)")
        }
        let cdn = try #require(requests.first { $0.path.hasPrefix("/cdn/") })
        #expect(cdn.authorization == nil, "the token must not go to another host")
    }

    @Test("an unknown repository is a 404 naming it")
    func notFound() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        do {
            _ = try fixture.client().fetch(Self.reference("hf:test-org/missing"))
            Issue.record("expected an error")
        } catch let error as HubError {
            guard case .notFound(let repository, _, let file, _) = error else { Issue.record("got \(error)"); return }
            #expect(repository == "test-org/missing" && file == nil)
            #expect(error.description.hasPrefix("no such repository `test-org/missing`"))
        }
    }

    @Test("a sharded checkpoint fetches the index and every shard it lists")
    func sharded() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let snapshot = try fixture.client().fetch(Self.reference("hf:test-org/sharded"))
        #expect(snapshot.files == ["config.json", "tokenizer.model", "model.safetensors.index.json",
                                   "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        for file in snapshot.files {
            let contents = try #require(FileManager.default.contents(atPath: snapshot.directory + "/" + file))
            #expect([UInt8](contents) == Self.repositories["test-org/sharded"]!.files[file], "\(file)")
        }
    }

    @Test("a repository with only pickles is refused with the reason and how to convert")
    func pickleOnly() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(throws: HubError.pickleOnly(repository: "test-org/pickles", files: ["pytorch_model.bin"])) {
            try fixture.client().fetch(Self.reference("hf:test-org/pickles"))
        }
        let text = HubError.pickleOnly(repository: "test-org/pickles", files: ["pytorch_model.bin"]).description
        #expect(text.contains("arbitrary code") && text.contains("safe_serialization=True"))
    }

    @Test("a GGUF-only repository lists its files unless one is named; a named one, in a folder, is fetched")
    func gguf() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(throws: HubError.chooseGGUF(repository: "test-org/ggufs", files: ["sub/tiny-F16.gguf", "tiny-Q8_0.gguf"])) {
            try fixture.client().fetch(Self.reference("hf:test-org/ggufs"))
        }
        #expect(throws: HubError.noSuchFile(repository: "test-org/ggufs", revision: "main", file: "tiny-Q4.gguf",
                                            candidates: ["sub/tiny-F16.gguf", "tiny-Q8_0.gguf"])) {
            try fixture.client().fetch(Self.reference("hf:test-org/ggufs/tiny-Q4.gguf"))
        }
        let snapshot = try fixture.client().fetch(Self.reference("hf:test-org/ggufs/sub/tiny-F16.gguf"))
        #expect(snapshot.files == ["sub/tiny-F16.gguf"])
        #expect(snapshot.modelPath == snapshot.directory + "/sub/tiny-F16.gguf")
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: snapshot.modelPath)), as: UTF8.self) == "GGUF f16")
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: snapshot.modelPath)
        #expect(destination.hasPrefix("../../../blobs/"))
    }

    @Test("a cancelled download throws cancelled and leaves no snapshot")
    func cancellation() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let client = fixture.client()
        client.isCancelled = { true }
        #expect(throws: HubError.cancelled(repository: "test-org/tiny", file: nil)) {
            try client.fetch(Self.reference("hf:test-org/tiny"))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.cache + "/models--test-org--tiny/snapshots"))
    }

    struct ReferenceCase: CustomTestStringConvertible, Sendable {
        var text: String
        var fragment: String
        var testDescription: String { text }
    }

    @Test("bad `hf:` strings are rejected, saying what is wrong", arguments: [
        ReferenceCase(text: "test-org/tiny", fragment: "starts with `hf:`"),
        ReferenceCase(text: "hf:", fragment: "expected `hf:ORG/NAME`"),
        ReferenceCase(text: "hf:gpt2", fragment: "has no organization"),
        ReferenceCase(text: "hf:org/", fragment: "expected `hf:ORG/NAME`"),
        ReferenceCase(text: "hf:org/name@", fragment: "nothing after `@`"),
        ReferenceCase(text: "hf:org/na me", fragment: "not a valid hub name"),
        ReferenceCase(text: "hf:-org/name", fragment: "may not start or end"),
        ReferenceCase(text: "hf:org/a--b", fragment: "nor contain `--`"),
        ReferenceCase(text: "hf:org/name/model.safetensors", fragment: "only a `.gguf` file"),
        ReferenceCase(text: "hf:org/name/../x.gguf", fragment: "not a file path"),
        ReferenceCase(text: "hf:org/name@bad rev", fragment: "not a branch, tag or commit"),
    ])
    func badReferences(_ testCase: ReferenceCase) {
        do {
            let parsed = try HubReference(parsing: testCase.text)
            Issue.record("parsed as \(parsed)")
        } catch let error as HubError {
            guard case .invalidReference(let text, _) = error else { Issue.record("got \(error)"); return }
            #expect(text == testCase.text)
            #expect(error.description.contains(testCase.fragment), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("good `hf:` strings give the repository, revision and file")
    func goodReferences() throws {
        #expect(try HubReference(parsing: "hf:org/name") == HubReference(repository: "org/name"))
        #expect(try HubReference(parsing: "hf:org/name@v1.0").revision == "v1.0")
        let named = try HubReference(parsing: "hf:Org-1/name_2.b/sub/f.Q8_0.gguf@refs/pr/1")
        #expect(named.repository == "Org-1/name_2.b" && named.file == "sub/f.Q8_0.gguf" && named.revision == "refs/pr/1")
        #expect(named.description == "hf:Org-1/name_2.b/sub/f.Q8_0.gguf@refs/pr/1")
        #expect(named.cacheFolderName == "models--Org-1--name_2.b")
        #expect(HubClient.escape("refs/pr/1") == "refs%2Fpr%2F1")
    }

    @Test("settings come from HF_ENDPOINT, HF_TOKEN or $HF_HOME/token, HF_HUB_CACHE, HF_HOME and HF_HUB_OFFLINE")
    func settings() throws {
        let home = NSTemporaryDirectory() + "hone-hf-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try "hf_from_file\n".write(toFile: home + "/token", atomically: true, encoding: .utf8)

        let defaults = HubSettings.fromEnvironment(["HOME": "/home/u"])
        #expect(defaults.endpoint == "https://huggingface.co")
        #expect(defaults.cacheDirectory == "/home/u/.cache/huggingface/hub")
        #expect(!defaults.offline)

        let fromHome = HubSettings.fromEnvironment(["HOME": "/home/u", "HF_HOME": home, "HF_HUB_OFFLINE": "1",
                                                    "HF_ENDPOINT": "http://mirror.example/"])
        #expect(fromHome.cacheDirectory == home + "/hub")
        #expect(fromHome.token == "hf_from_file")
        #expect(fromHome.offline)
        #expect(fromHome.endpoint == "http://mirror.example")

        let explicit = HubSettings.fromEnvironment(["HOME": "/home/u", "HF_HOME": home, "HF_TOKEN": "hf_env",
                                                    "HF_HUB_CACHE": "~/elsewhere", "HF_HUB_OFFLINE": "0"])
        #expect(explicit.token == "hf_env")
        #expect(explicit.cacheDirectory == "/home/u/elsewhere")
        #expect(!explicit.offline)
    }
}
